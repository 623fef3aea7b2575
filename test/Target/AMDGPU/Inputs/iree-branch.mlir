// A tensor written in one branch of an scf.if (a host-side copy and store
// after bufferization): diagnosed by --emit=iree, not dropped (iree.test).
func.func @branch(%a: tensor<4xf32>, %c: i1) -> tensor<4xf32> {
  %r = scf.if %c -> tensor<4xf32> {
    %i = arith.constant 0 : index
    %v = arith.constant 2.0 : f32
    %t = tensor.insert %v into %a[%i] : tensor<4xf32>
    scf.yield %t : tensor<4xf32>
  } else {
    scf.yield %a : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}
