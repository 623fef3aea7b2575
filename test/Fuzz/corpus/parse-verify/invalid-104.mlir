func.func private @bucket_unsigned() attributes {moe.token_bucket = {of = @f, min = 1 : ui64, expected = 4}}
