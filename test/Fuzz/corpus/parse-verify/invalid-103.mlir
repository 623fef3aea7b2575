func.func private @bucket_of() attributes {moe.token_bucket = {of = "f", min = 1, expected = 4}}
