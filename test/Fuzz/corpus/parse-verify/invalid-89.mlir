module attributes {moe.layout = #moe.parallel<tp = 2>} {}
