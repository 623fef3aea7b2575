module attributes {moe.parallel = #moe.parallel<ep = 0>} {}
