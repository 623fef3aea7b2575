module attributes {moe.parallel = #moe.parallel<>} {}
