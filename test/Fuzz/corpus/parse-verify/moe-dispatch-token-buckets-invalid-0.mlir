func.func private @f(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
func.func private @f__t1(%x: tensor<?x4xf32> {moe.tokens}) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @f, min = 1, max = 1, expected = 1}} {
  return %x : tensor<?x4xf32>
}
func.func private @f__t2_up(%x: tensor<?x8xf32> {moe.tokens}) -> tensor<?x8xf32>
    attributes {moe.token_bucket = {of = @f, min = 2, expected = 4096}} {
  return %x : tensor<?x8xf32>
}
