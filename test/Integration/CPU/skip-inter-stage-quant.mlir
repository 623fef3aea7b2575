// --moe-skip-inter-stage-quant runs GEMM2 on the activations as GEMM1
// rounded them: each @NAME below quantizes GEMM1's rows for a quantized
// GEMM2, and @NAME_a16 is the same layer written with GEMM2 reading the bf16
// rows (a16w4, a16w8). A build with --skip-inter-stage-quant=always gives for
// @NAME bit for bit what @NAME_a16 gives as written (--no-optimize), on the
// same random inputs; the build with =never does not (the quantization of
// the activations changes the result).
// RUN: moe-opt %s --moe-optimize="target=cpu skip-inter-stage-quant=always" | FileCheck %s
// CHECK-LABEL: func.func @mx_fp4(
// CHECK: moe.grouped_matmul {{.*}} rows routes top_k 2 block_m 16 w_scales
// CHECK-NOT: a_scales
// CHECK-LABEL: func.func @mx_fp4_a16(
// CHECK-LABEL: func.func @fp8_route_order(
// CHECK: moe.grouped_matmul {{.*}} rows routes top_k 2 block_m 1 w_scales
// CHECK-NOT: a_scales
// CHECK-LABEL: func.func @fp8_route_order_a16(
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-compile --skip-inter-stage-quant=always %s -o %t/skip.so
// RUN: moe-compile --skip-inter-stage-quant=never %s -o %t/keep.so
// RUN: moe-compile --no-optimize %s -o %t/a16.so
// RUN: not moe-compile --skip-inter-stage-quant=maybe %s -o %t/bad.so 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: unknown --moe-skip-inter-stage-quant mode 'maybe'; expected one of: auto, always, never
// RUN: for e in mx_fp4 fp8_route_order; do \
// RUN:   for lib in skip keep; do \
// RUN:     moe-run %t/$lib.so --entry $e --random-inputs --seed 7 --dim T=37 --int-max 3 --output-dir %t/$lib-$e > /dev/null || exit 1; \
// RUN:   done; \
// RUN:   moe-run %t/a16.so --entry ${e}_a16 --random-inputs --seed 7 --dim T=37 --int-max 3 --output-dir %t/a16-$e > /dev/null || exit 1; \
// RUN:   cmp -s %t/skip-$e/result0.npy %t/a16-$e/result0.npy && echo "$e skipped == a16" || echo "$e skipped != a16"; \
// RUN:   cmp -s %t/keep-$e/result0.npy %t/a16-$e/result0.npy && echo "$e kept == a16" || echo "$e kept != a16"; \
// RUN: done | FileCheck %s --check-prefix=SAME
// SAME: mx_fp4 skipped == a16
// SAME: mx_fp4 kept != a16
// SAME: fp8_route_order skipped == a16
// SAME: fp8_route_order kept != a16

// MXFP4 activations and weights (a4w4), aligned blocks of 16 rows.
func.func @mx_fp4(%x: tensor<?x64xbf16>, %w1: tensor<4x128x64xbf16>, %w2: tensor<4x64x64xbf16>, %ids: tensor<?x2xi32>)
    -> tensor<?x64xbf16> {
  %w2q, %w2s = moe.quantize %w2 <mx> : tensor<4x64x64xbf16> -> (tensor<4x64x64xf4E2M1FN>, tensor<4x64x2xf8E8M0FNU>)
  %s, %b, %c = moe.align %ids experts 4 block_m 16 : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k 2 block_m 16 activation <silu_mul>
      : (tensor<?x64xbf16>, tensor<4x128x64xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x64xbf16>
  %q, %qs = moe.quantize %h <mx> : tensor<?x64xbf16> -> (tensor<?x64xf4E2M1FN>, tensor<?x2xf8E8M0FNU>)
  %y = moe.grouped_matmul %q, %w2q, %s, %b, %c rows routes top_k 2 block_m 16
      a_scales %qs <mx> w_scales %w2s <mx>
      : (tensor<?x64xf4E2M1FN>, tensor<4x64x64xf4E2M1FN>, tensor<?xi32>, tensor<?xi32>, tensor<i32>,
         tensor<?x2xf8E8M0FNU>, tensor<4x64x2xf8E8M0FNU>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

func.func @mx_fp4_a16(%x: tensor<?x64xbf16>, %w1: tensor<4x128x64xbf16>, %w2: tensor<4x64x64xbf16>, %ids: tensor<?x2xi32>)
    -> tensor<?x64xbf16> {
  %w2q, %w2s = moe.quantize %w2 <mx> : tensor<4x64x64xbf16> -> (tensor<4x64x64xf4E2M1FN>, tensor<4x64x2xf8E8M0FNU>)
  %s, %b, %c = moe.align %ids experts 4 block_m 16 : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k 2 block_m 16 activation <silu_mul>
      : (tensor<?x64xbf16>, tensor<4x128x64xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x64xbf16>
  %y = moe.grouped_matmul %h, %w2q, %s, %b, %c rows routes top_k 2 block_m 16 w_scales %w2s <mx>
      : (tensor<?x64xbf16>, tensor<4x64x64xf4E2M1FN>, tensor<?xi32>, tensor<?xi32>, tensor<i32>,
         tensor<4x64x2xf8E8M0FNU>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// fp8 activations per group of 32 and fp8 weights in 32x32 blocks (a8w8),
// route order.
func.func @fp8_route_order(%x: tensor<?x64xbf16>, %w1: tensor<4x128x64xbf16>, %w2: tensor<4x64x64xbf16>, %ids: tensor<?x2xi32>)
    -> tensor<?x64xbf16> {
  %w2q, %w2s = moe.quantize %w2 <block [32, 32]> : tensor<4x64x64xbf16> -> (tensor<4x64x64xf8E4M3FN>, tensor<4x2x2xf32>)
  %h = moe.grouped_matmul %x, %w1 route_ids %ids rows tokens top_k 2 block_m 1 activation <silu_mul>
      : (tensor<?x64xbf16>, tensor<4x128x64xbf16>, tensor<?x2xi32>) -> tensor<?x64xbf16>
  %q, %qs = moe.quantize %h <block [1, 32]> : tensor<?x64xbf16> -> (tensor<?x64xf8E4M3FN>, tensor<?x2xf32>)
  %y = moe.grouped_matmul %q, %w2q route_ids %ids rows routes top_k 2 block_m 1
      a_scales %qs <block [1, 32]> w_scales %w2s <block [32, 32]>
      : (tensor<?x64xf8E4M3FN>, tensor<4x64x64xf8E4M3FN>, tensor<?x2xi32>, tensor<?x2xf32>, tensor<4x2x2xf32>)
      -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

func.func @fp8_route_order_a16(%x: tensor<?x64xbf16>, %w1: tensor<4x128x64xbf16>, %w2: tensor<4x64x64xbf16>, %ids: tensor<?x2xi32>)
    -> tensor<?x64xbf16> {
  %w2q, %w2s = moe.quantize %w2 <block [32, 32]> : tensor<4x64x64xbf16> -> (tensor<4x64x64xf8E4M3FN>, tensor<4x2x2xf32>)
  %h = moe.grouped_matmul %x, %w1 route_ids %ids rows tokens top_k 2 block_m 1 activation <silu_mul>
      : (tensor<?x64xbf16>, tensor<4x128x64xbf16>, tensor<?x2xi32>) -> tensor<?x64xbf16>
  %y = moe.grouped_matmul %h, %w2q route_ids %ids rows routes top_k 2 block_m 1 w_scales %w2s <block [32, 32]>
      : (tensor<?x64xbf16>, tensor<4x64x64xf8E4M3FN>, tensor<?x2xi32>, tensor<4x2x2xf32>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}
