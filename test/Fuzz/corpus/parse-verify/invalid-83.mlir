module attributes {moe.parallel = #moe.parallel<tp = 4, tp = 2>} {}
