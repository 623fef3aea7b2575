module attributes {moe.parallel = #moe.parallel<"" = 4>} {}
