func.func private @o(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
func.func private @o__t1_8(%x: tensor<?x4xf32> {moe.tokens}) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @o, min = 1, max = 8, expected = 8}} {
  return %x : tensor<?x4xf32>
}
func.func private @o__t5_up(%x: tensor<?x4xf32> {moe.tokens}) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @o, min = 5, expected = 4096}} {
  return %x : tensor<?x4xf32>
}
