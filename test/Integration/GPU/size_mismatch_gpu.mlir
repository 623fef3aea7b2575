// The GPU variant of test/Integration/CPU/size_mismatch.mlir (run by run.py):
// the functions whose weight shapes are static, as GPU kernels require. The
// default and --no-optimize sm_90 builds report the same run-time size check
// for the same mismatched inputs (check_size_mismatch.py).

func.func @experts(%x: tensor<?x?xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                   %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) -> tensor<?x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<?x?xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

func.func @norm(%x: tensor<?x32xbf16>, %res: tensor<?x32xbf16>, %w: tensor<32xbf16>)
    -> (tensor<?x32xbf16>, tensor<?x32xbf16>) {
  %n, %r = moe.add_rms_norm %x, %res, %w eps 1.0e-06 : tensor<?x32xbf16>, tensor<32xbf16>
  return %n, %r : tensor<?x32xbf16>, tensor<?x32xbf16>
}
