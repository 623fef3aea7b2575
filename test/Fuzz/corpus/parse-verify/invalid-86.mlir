module attributes {moe.parallel = 4} {}
