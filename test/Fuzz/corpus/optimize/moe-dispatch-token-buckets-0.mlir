func.func private @f(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
func.func private @f__t1(%x: tensor<?x4xf32> {moe.tokens}, %n: index) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @f, min = 1, max = 1, expected = 1}} {
  return %x : tensor<?x4xf32>
}
func.func private @f__t2_4(%x: tensor<?x4xf32> {moe.tokens}, %n: index) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @f, min = 2, max = 4, expected = 4}} {
  return %x : tensor<?x4xf32>
}
func.func private @f__t5_up(%x: tensor<?x4xf32> {moe.tokens}, %n: index) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @f, min = 5, expected = 4096}} {
  %y = arith.addf %x, %x : tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

func.func private @sink(%x: tensor<?x4xf32>)
func.func private @sink__t1(%x: tensor<?x4xf32> {moe.tokens})
    attributes {moe.token_bucket = {of = @sink, min = 1, max = 1, expected = 1}} {
  return
}
func.func private @sink__t2_up(%x: tensor<?x4xf32> {moe.tokens})
    attributes {moe.token_bucket = {of = @sink, min = 2, expected = 4096}} {
  %y = arith.addf %x, %x : tensor<?x4xf32>
  return
}
