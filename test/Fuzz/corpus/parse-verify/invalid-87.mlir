module {
  func.func @layout_on_op(%x: f32) {
    %y = arith.addf %x, %x {moe.parallel = #moe.parallel<tp = 2>} : f32
    return
  }
}
