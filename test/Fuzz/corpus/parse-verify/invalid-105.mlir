module attributes {moe.token_bucket = {of = @f, min = 1, expected = 4}} {}
