func.func private @bucket_range() attributes {moe.token_bucket = {of = @f, min = 8, max = 4, expected = 2}}
