func.func private @g(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
func.func private @g__t1_up(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @g, min = 1, expected = 4096}} {
  return %x : tensor<?x4xf32>
}
