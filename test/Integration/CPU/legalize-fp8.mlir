// --moe-legalize-fp8="target=gfx942 ocp-to-fnuz=true" changes no number:
// OCP fp8 weights read as FNUZ are half their value and their scales are
// doubled, so every dequantized weight is the same f32. The converted
// program and the program as written run on the same random inputs (OCP
// codes of magnitude below 2, -0 included) and write identical bytes.
// RUN: rm -rf %t && mkdir -p %t
// RUN: moe-opt %s --moe-legalize-fp8="target=gfx942 ocp-to-fnuz=true" -o %t/fnuz.mlir
// RUN: FileCheck %s < %t/fnuz.mlir
// CHECK-LABEL: func.func @block_experts
// CHECK-COUNT-4: linalg.generic
// CHECK: moe.experts {{.*}} : (tensor<?x64xbf16>, tensor<4x128x64xf8E4M3FNUZ>, tensor<4x64x64xf8E4M3FNUZ>,
// CHECK-LABEL: func.func @per_row_gemm
// CHECK: moe.grouped_matmul {{.*}} : (tensor<?x64xbf16>, tensor<4x32x64xf8E4M3FNUZ>,
// RUN: moe-compile %t/fnuz.mlir -o %t/fnuz.so
// RUN: moe-compile %s -o %t/ocp.so
// RUN: for e in block_experts per_row_gemm; do \
// RUN:   moe-run %t/fnuz.so --entry $e --random-inputs --seed 3 --dim T=19 --int-max 3 --output-dir %t/fnuz-$e > /dev/null && \
// RUN:   moe-run %t/ocp.so --entry $e --random-inputs --seed 3 --dim T=19 --int-max 3 --output-dir %t/ocp-$e > /dev/null && \
// RUN:   cmp %t/fnuz-$e/result0.npy %t/ocp-$e/result0.npy && echo "$e identical" || exit 1; \
// RUN: done | FileCheck %s --check-prefix=SAME
// SAME: block_experts identical
// SAME: per_row_gemm identical

// DeepSeek-style block-scaled weights (blocks of 32 here) in a whole layer.
func.func @block_experts(%x: tensor<?x64xbf16>, %w1: tensor<4x128x64xf8E4M3FN>, %w2: tensor<4x64x64xf8E4M3FN>,
                         %w1s: tensor<4x4x2xf32>, %w2s: tensor<4x2x2xf32>, %wt: tensor<?x2xf32>, %ids: tensor<?x2xi32>)
    -> tensor<?x64xbf16> {
  %y = moe.experts %x, %w1, %w2, %wt, %ids activation <silu_mul>
      weight_scales %w1s, %w2s <block [32, 32]>
      : (tensor<?x64xbf16>, tensor<4x128x64xf8E4M3FN>, tensor<4x64x64xf8E4M3FN>, tensor<?x2xf32>, tensor<?x2xi32>,
         tensor<4x4x2xf32>, tensor<4x2x2xf32>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// Per-channel weights of one a16w8 GEMM in route order.
func.func @per_row_gemm(%x: tensor<?x64xbf16>, %w: tensor<4x32x64xf8E4M3FN>, %ws: tensor<4x32xf32>, %ids: tensor<?x2xi32>)
    -> tensor<?x32xbf16> {
  %y = moe.grouped_matmul %x, %w route_ids %ids rows tokens top_k 2 block_m 1 w_scales %ws <per_row>
      : (tensor<?x64xbf16>, tensor<4x32x64xf8E4M3FN>, tensor<?x2xi32>, tensor<4x32xf32>) -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}
