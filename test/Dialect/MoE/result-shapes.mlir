// RUN: moe-opt %s --resolve-ranked-shaped-type-result-dims --canonicalize --cse | FileCheck %s

// The result sizes of the moe ops (ReifyRankedShapedTypeOpInterface) in
// terms of their operands: what the GPU launch allocates and the CPU
// lowering of moe.align uses.

// R_max = roundup(T * k + E * (block_m - 1), block_m) and R_max / block_m.
// CHECK-LABEL: func.func @align
// CHECK-DAG:     %[[T:.*]] = tensor.dim %arg0, %c0
// CHECK-DAG:     %[[R:.*]] = arith.muli %[[T]], %c8
// CHECK-DAG:     %[[PAD:.*]] = arith.addi %[[R]], %c1920
// CHECK-DAG:     %[[BLOCKS:.*]] = arith.ceildivui %[[PAD]], %c16
// CHECK-DAG:     %[[RMAX:.*]] = arith.muli %[[BLOCKS]], %c16
// CHECK-DAG:     %[[NB:.*]] = arith.divui %[[RMAX]], %c16
// CHECK:         return %[[RMAX]], %[[NB]]
func.func @align(%ids: tensor<?x8xi32>) -> (index, index) {
  %s, %b, %c = moe.align %ids experts 128 block_m 16
      : tensor<?x8xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  %c0 = arith.constant 0 : index
  %rmax = tensor.dim %s, %c0 : tensor<?xi32>
  %blocks = tensor.dim %b, %c0 : tensor<?xi32>
  return %rmax, %blocks : index, index
}

// A static token count folds to the static R_max.
// CHECK-LABEL: func.func @align_static
// CHECK:         %[[C:.*]] = arith.constant 2048 : index
// CHECK:         return %[[C]]
func.func @align_static(%ids: tensor<16x8xi32>) -> index {
  %s, %b, %c = moe.align %ids experts 128 block_m 16
      : tensor<16x8xi32> -> tensor<2048xi32>, tensor<128xi32>, tensor<i32>
  %c0 = arith.constant 0 : index
  %casted = tensor.cast %s : tensor<2048xi32> to tensor<?xi32>
  %rmax = tensor.dim %casted, %c0 : tensor<?xi32>
  return %rmax : index
}

// GEMM rows: T * k with rows from tokens; columns N / 2 after a gated
// activation.
// CHECK-LABEL: func.func @gemm
// CHECK-DAG:     %[[T:.*]] = tensor.dim %arg0, %c0
// CHECK-DAG:     %[[ROWS:.*]] = arith.muli %[[T]], %c2
// CHECK:         return %[[ROWS]]
func.func @gemm(%a: tensor<?x64xbf16>, %w: tensor<8x64x64xbf16>,
                %s: tensor<?xi32>, %b: tensor<?xi32>, %n: tensor<i32>) -> index {
  %h = moe.grouped_matmul %a, %w, %s, %b, %n rows tokens top_k 2 block_m 16
      activation <silu_mul>
      : (tensor<?x64xbf16>, tensor<8x64x64xbf16>, tensor<?xi32>, tensor<?xi32>,
         tensor<i32>) -> tensor<?x32xbf16>
  %c0 = arith.constant 0 : index
  %rows = tensor.dim %h, %c0 : tensor<?x32xbf16>
  return %rows : index
}

// out_quant scales: T * k rows and ceil(N' / group) groups of the row,
// with N' from a dynamic w.
// CHECK-LABEL: func.func @gemm_out_quant
// CHECK-DAG:     %[[T:.*]] = tensor.dim %arg0, %c0
// CHECK-DAG:     %[[ROWS:.*]] = arith.muli %[[T]], %c2
// CHECK-DAG:     %[[N2:.*]] = tensor.dim %arg1, %c1
// CHECK-DAG:     %[[N:.*]] = arith.divui %[[N2]], %c2
// CHECK-DAG:     %[[G:.*]] = arith.ceildivui %[[N]], %c128
// CHECK:         return %[[ROWS]], %[[G]]
func.func @gemm_out_quant(%a: tensor<?x64xbf16>, %w: tensor<8x?x64xbf16>,
                          %ids: tensor<?x2xi32>) -> (index, index) {
  %q, %qs = moe.grouped_matmul %a, %w route_ids %ids rows tokens top_k 2
      block_m 1 activation <silu_mul> out_quant <block [1, 128]> from bf16
      : (tensor<?x64xbf16>, tensor<8x?x64xbf16>, tensor<?x2xi32>)
      -> (tensor<?x?xf8E4M3FN>, tensor<?x?xf32>)
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = tensor.dim %qs, %c0 : tensor<?x?xf32>
  %groups = tensor.dim %qs, %c1 : tensor<?x?xf32>
  return %rows, %groups : index, index
}

// Activation: the last dim halves; combine: T from scale, H from routes;
// gate: T from the logits; norms: the sizes of x.
// CHECK-LABEL: func.func @others
// CHECK-DAG:     %[[I2:.*]] = tensor.dim %arg0, %c1
// CHECK-DAG:     %[[I:.*]] = arith.divui %[[I2]], %c2
// CHECK-DAG:     %[[T:.*]] = tensor.dim %arg2, %c0
// CHECK-DAG:     %[[H:.*]] = tensor.dim %arg1, %c1
// CHECK-DAG:     %[[TG:.*]] = tensor.dim %arg3, %c0
// CHECK-DAG:     %[[TN:.*]] = tensor.dim %arg4, %c0
// CHECK:         return %[[I]], %[[T]], %[[H]], %[[TG]], %[[TN]]
func.func @others(%x: tensor<4x?xbf16>, %routes: tensor<?x?xbf16>,
                  %scale: tensor<?x2xf32>, %logits: tensor<?x8xf32>,
                  %y: tensor<?x16xbf16>, %weight: tensor<16xbf16>)
    -> (index, index, index, index, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %act = moe.activation %x <silu_mul> : tensor<4x?xbf16> -> tensor<4x?xbf16>
  %i = tensor.dim %act, %c1 : tensor<4x?xbf16>
  %sum = moe.combine %routes, %scale
      : tensor<?x?xbf16>, tensor<?x2xf32> -> tensor<?x?xbf16>
  %t = tensor.dim %sum, %c0 : tensor<?x?xbf16>
  %h = tensor.dim %sum, %c1 : tensor<?x?xbf16>
  %w, %ids = moe.gate %logits top_k 2 softmax
      : tensor<?x8xf32> -> tensor<?x2xf32>, tensor<?x2xi32>
  %tg = tensor.dim %ids, %c0 : tensor<?x2xi32>
  %n = moe.rms_norm %y, %weight eps 1.0e-06 : tensor<?x16xbf16>, tensor<16xbf16>
  %tn = tensor.dim %n, %c0 : tensor<?x16xbf16>
  return %i, %t, %h, %tg, %tn : index, index, index, index, index
}
