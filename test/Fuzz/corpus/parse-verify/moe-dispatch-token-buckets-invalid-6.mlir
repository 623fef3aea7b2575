func.func @caller(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %y = func.call @c(%x) : (tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
func.func private @c(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
func.func private @c__t1_up(%x: tensor<?x4xf32> {moe.tokens}, %r: index) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @c, min = 1, expected = 4096}} {
  return %x : tensor<?x4xf32>
}
