// --moe-fuse-activation-quant changes no bit: each function below is a GEMM
// followed by a row moe.quantize; the default build (moe-optimize fuses the
// pair into the GEMM's out_quant) and --no-optimize (the pair as written)
// run on the same random inputs and write byte-identical values and scales.
// @pruned_mx aligns the routes of experts 2..3 only, so the rows of the
// other routes are computed by no block (zero rows, quantized).
// RUN: moe-opt %s --moe-optimize="target=cpu" | FileCheck %s
// CHECK-LABEL: func.func @swiglu_mx
// CHECK: moe.grouped_matmul {{.*}} activation <swiglu_oai{{.*}}> out_quant <mx> from bf16
// CHECK-NOT: moe.quantize
// CHECK-LABEL: func.func @silu_fnuz_per_row
// CHECK: moe.grouped_matmul {{.*}} activation <silu_mul> out_quant <per_row> from f16
// CHECK-NOT: moe.quantize
// CHECK-LABEL: func.func @route_order_block_fp4
// CHECK: moe.grouped_matmul {{.*}} route_ids {{.*}} out_quant <mx> from bf16
// CHECK-NOT: moe.quantize
// CHECK-LABEL: func.func @pruned_mx
// CHECK: moe.grouped_matmul {{.*}} out_quant <block [1, 32]> from bf16
// CHECK-NOT: moe.quantize
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-compile %s -o %t/fused.so
// RUN: moe-compile --no-optimize %s -o %t/plain.so
// RUN: for e in swiglu_mx silu_fnuz_per_row route_order_block_fp4 pruned_mx; do \
// RUN:   moe-run %t/fused.so --entry $e --random-inputs --seed 5 --dim T=37 --int-max 3 --output-dir %t/fused-$e > /dev/null && \
// RUN:   moe-run %t/plain.so --entry $e --random-inputs --seed 5 --dim T=37 --int-max 3 --output-dir %t/plain-$e > /dev/null && \
// RUN:   cmp %t/fused-$e/result0.npy %t/plain-$e/result0.npy && \
// RUN:   cmp %t/fused-$e/result1.npy %t/plain-$e/result1.npy && echo "$e identical" || exit 1; \
// RUN: done | FileCheck %s --check-prefix=SAME
// SAME: swiglu_mx identical
// SAME: silu_fnuz_per_row identical
// SAME: route_order_block_fp4 identical
// SAME: pruned_mx identical

func.func @swiglu_mx(%a: tensor<?x96xbf16>, %w: tensor<4x128x96xbf16>, %ids: tensor<?x2xi32>)
    -> (tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>) {
  %s, %b, %c = moe.align %ids experts 4 block_m 16 : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  %h = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16
      activation <swiglu_oai, alpha = 1.702, beta = 1.0, limit = 7.0>
      : (tensor<?x96xbf16>, tensor<4x128x96xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x64xbf16>
  %q, %qs = moe.quantize %h <mx> : tensor<?x64xbf16> -> (tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>)
  return %q, %qs : tensor<?x64xf8E4M3FN>, tensor<?x2xf8E8M0FNU>
}

func.func @silu_fnuz_per_row(%a: tensor<?x64xf16>, %w: tensor<4x96x64xf16>, %ids: tensor<?x2xi32>)
    -> (tensor<?x48xf8E4M3FNUZ>, tensor<?xf32>) {
  %s, %b, %c = moe.align %ids experts 4 block_m 16 : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  %h = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16 activation <silu_mul>
      : (tensor<?x64xf16>, tensor<4x96x64xf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x48xf16>
  %q, %qs = moe.quantize %h <per_row> : tensor<?x48xf16> -> (tensor<?x48xf8E4M3FNUZ>, tensor<?xf32>)
  return %q, %qs : tensor<?x48xf8E4M3FNUZ>, tensor<?xf32>
}

// Route order (block_m 1): rows are routes, read by their ids.
func.func @route_order_block_fp4(%a: tensor<?x64xbf16>, %w: tensor<4x64x64xbf16>, %ids: tensor<?x2xi32>)
    -> (tensor<?x64xf4E2M1FN>, tensor<?x2xf8E8M0FNU>) {
  %h = moe.grouped_matmul %a, %w route_ids %ids rows tokens top_k 2 block_m 1
      : (tensor<?x64xbf16>, tensor<4x64x64xbf16>, tensor<?x2xi32>) -> tensor<?x64xbf16>
  %q, %qs = moe.quantize %h <mx> : tensor<?x64xbf16> -> (tensor<?x64xf4E2M1FN>, tensor<?x2xf8E8M0FNU>)
  return %q, %qs : tensor<?x64xf4E2M1FN>, tensor<?x2xf8E8M0FNU>
}

func.func @pruned_mx(%a: tensor<?x64xbf16>, %w: tensor<2x64x64xbf16>, %ids: tensor<?x2xi32>)
    -> (tensor<?x64xf8E4M3FN>, tensor<?x2xf32>) {
  %begin = arith.constant 2 : index
  %s, %b, %c = moe.align %ids experts 2 block_m 16 range %begin {total_experts = 4 : i64}
      : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  %h = moe.grouped_matmul %a, %w, %s, %b, %c rows tokens top_k 2 block_m 16
      : (tensor<?x64xbf16>, tensor<2x64x64xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x64xbf16>
  %q, %qs = moe.quantize %h <block [1, 32]> : tensor<?x64xbf16> -> (tensor<?x64xf8E4M3FN>, tensor<?x2xf32>)
  return %q, %qs : tensor<?x64xf8E4M3FN>, tensor<?x2xf32>
}
