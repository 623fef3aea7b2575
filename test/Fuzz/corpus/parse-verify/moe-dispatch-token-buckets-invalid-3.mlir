func.func private @u(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
func.func private @u__t1_up(%x: tensor<?x4xf32> {moe.tokens}) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @u, min = 1, expected = 4096}} {
  return %x : tensor<?x4xf32>
}
func.func private @u__t5_up(%x: tensor<?x4xf32> {moe.tokens}) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @u, min = 5, expected = 4096}} {
  return %x : tensor<?x4xf32>
}
