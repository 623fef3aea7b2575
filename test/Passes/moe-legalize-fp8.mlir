// RUN: moe-opt %s -split-input-file -verify-diagnostics --moe-legalize-fp8="target=gfx942"
// RUN: not moe-opt %s -split-input-file --moe-legalize-fp8="target=gfx942 ocp-to-fnuz=true" 2>/dev/null | FileCheck %s --check-prefix=CONVERT
// RUN: not moe-opt %s -split-input-file --moe-legalize-fp8="target=gfx942 ocp-to-fnuz=true" 2>&1 >/dev/null | FileCheck %s --check-prefix=CONVERT-ERR
// RUN: not moe-opt %s -split-input-file --moe-legalize-fp8="target=sm_90" 2>&1 | FileCheck %s --check-prefix=SM90
// RUN: not moe-opt %s --moe-legalize-fp8="target=sm_80" 2>&1 | FileCheck %s --check-prefix=BAD-TARGET

// BAD-TARGET: unknown --moe-legalize-fp8 target 'sm_80'; expected one of: gfx942, gfx950, sm_90

// OCP weights on gfx942: an error that offers ocp-to-fnuz; converted, one
// pair of generics serves both GEMMs that read the same weights: the codes
// reinterpreted (OCP -0 to +0), the scales doubled.
// CONVERT-LABEL: func.func @ocp_weights
// CONVERT-SAME: (%[[X:.*]]: tensor<8x64xbf16>, %[[W:.*]]: tensor<4x32x64xf8E4M3FN>, %[[S:.*]]: tensor<4x32xf32>
// CONVERT: %[[C:.*]] = linalg.generic {{.*}} ins(%[[W]] : tensor<4x32x64xf8E4M3FN>)
// CONVERT: arith.bitcast %{{.*}} : f8E4M3FN to i8
// CONVERT: arith.cmpi eq, %{{.*}}, %c-128_i8
// CONVERT: arith.select
// CONVERT: arith.bitcast %{{.*}} : i8 to f8E4M3FNUZ
// CONVERT: %[[D:.*]] = linalg.generic {{.*}} ins(%[[S]] : tensor<4x32xf32>)
// CONVERT: arith.mulf %{{.*}}, %cst
// CONVERT-NOT: linalg.generic
// CONVERT: moe.grouped_matmul %[[X]], %[[C]] route_ids %{{.*}} w_scales %[[D]] <per_row>
// CONVERT: moe.grouped_matmul %[[X]], %[[C]] route_ids %{{.*}} w_scales %[[D]] <per_row>
// SM90-NOT: @ocp_weights
func.func @ocp_weights(%x: tensor<8x64xbf16>, %w: tensor<4x32x64xf8E4M3FN>, %ws: tensor<4x32xf32>, %ids: tensor<8x2xi32>)
    -> (tensor<16x32xbf16>, tensor<16x32xbf16>) {
  // expected-error @+1 {{'moe.grouped_matmul' op operand 'w' is 'f8E4M3FN', which gfx942 does not multiply; expected 'f8E4M3FNUZ' (ocp-to-fnuz=true reinterprets an OCP checkpoint's bits as FNUZ and doubles its scales)}}
  %y = moe.grouped_matmul %x, %w route_ids %ids rows tokens top_k 2 block_m 1 w_scales %ws <per_row>
      : (tensor<8x64xbf16>, tensor<4x32x64xf8E4M3FN>, tensor<8x2xi32>, tensor<4x32xf32>) -> tensor<16x32xbf16>
  // expected-error @+1 {{operand 'w' is 'f8E4M3FN'}}
  %z = moe.grouped_matmul %x, %w route_ids %ids rows tokens top_k 2 block_m 1 w_scales %ws <per_row>
      : (tensor<8x64xbf16>, tensor<4x32x64xf8E4M3FN>, tensor<8x2xi32>, tensor<4x32xf32>) -> tensor<16x32xbf16>
  return %y, %z : tensor<16x32xbf16>, tensor<16x32xbf16>
}

// -----

// FNUZ weights: gfx942's own, an error on sm_90 (no conversion offered).
// CONVERT-LABEL: func.func @fnuz_weights
// CONVERT-NOT: linalg.generic
// SM90: 'moe.experts' op operand 'w1' is 'f8E4M3FNUZ', which sm_90 does not multiply; expected 'f8E4M3FN'
func.func @fnuz_weights(%x: tensor<8x64xbf16>, %w1: tensor<4x128x64xf8E4M3FNUZ>, %w2: tensor<4x64x64xf8E4M3FNUZ>,
                        %w1s: tensor<4xf32>, %w2s: tensor<4xf32>, %wt: tensor<8x2xf32>, %ids: tensor<8x2xi32>)
    -> tensor<8x64xbf16> {
  %y = moe.experts %x, %w1, %w2, %wt, %ids activation <silu_mul> weight_scales %w1s, %w2s <per_tensor>
      : (tensor<8x64xbf16>, tensor<4x128x64xf8E4M3FNUZ>, tensor<4x64x64xf8E4M3FNUZ>, tensor<8x2xf32>, tensor<8x2xi32>,
         tensor<4xf32>, tensor<4xf32>) -> tensor<8x64xbf16>
  return %y : tensor<8x64xbf16>
}

// -----

// MX weights keep their E8M0 scales: not converted.
// CONVERT-ERR: 'moe.experts' op operand 'w1' is 'f8E4M3FN', which gfx942 does not multiply; expected 'f8E4M3FNUZ' (ocp-to-fnuz converts weights with f32 scales, not mx's E8M0 scales)
func.func @mx_weights(%x: tensor<8x64xbf16>, %w1: tensor<4x128x64xf8E4M3FN>, %w2: tensor<4x64x64xf8E4M3FN>,
                      %w1s: tensor<4x128x2xf8E8M0FNU>, %w2s: tensor<4x64x2xf8E8M0FNU>, %wt: tensor<8x2xf32>, %ids: tensor<8x2xi32>)
    -> tensor<8x64xbf16> {
  // expected-error @+2 {{operand 'w1' is 'f8E4M3FN', which gfx942 does not multiply; expected 'f8E4M3FNUZ' (ocp-to-fnuz converts weights with f32 scales, not mx's E8M0 scales)}}
  // expected-error @+1 {{operand 'w2' is 'f8E4M3FN'}}
  %y = moe.experts %x, %w1, %w2, %wt, %ids activation <silu_mul> weight_scales %w1s, %w2s <mx>
      : (tensor<8x64xbf16>, tensor<4x128x64xf8E4M3FN>, tensor<4x64x64xf8E4M3FN>, tensor<8x2xf32>, tensor<8x2xi32>,
         tensor<4x128x2xf8E8M0FNU>, tensor<4x64x2xf8E8M0FNU>) -> tensor<8x64xbf16>
  return %y : tensor<8x64xbf16>
}

// -----

// Activations: the program picks their flavor, so an OCP quantize on
// gfx942 is an error even with ocp-to-fnuz; fp4 is legal everywhere.
// CONVERT-ERR: 'moe.quantize' op the result is 'f8E4M3FN', which gfx942 does not multiply; expected 'f8E4M3FNUZ'
func.func @ocp_activations(%x: tensor<8x64xbf16>) -> (tensor<8x64xf8E4M3FN>, tensor<8x2xf32>, tensor<8x64xf4E2M1FN>, tensor<8x2xf8E8M0FNU>) {
  // expected-error @+1 {{'moe.quantize' op the result is 'f8E4M3FN', which gfx942 does not multiply; expected 'f8E4M3FNUZ'}}
  %q, %s = moe.quantize %x <block [1, 32]> : tensor<8x64xbf16> -> (tensor<8x64xf8E4M3FN>, tensor<8x2xf32>)
  %q4, %s4 = moe.quantize %x <mx> : tensor<8x64xbf16> -> (tensor<8x64xf4E2M1FN>, tensor<8x2xf8E8M0FNU>)
  return %q, %s, %q4, %s4 : tensor<8x64xf8E4M3FN>, tensor<8x2xf32>, tensor<8x64xf4E2M1FN>, tensor<8x2xf8E8M0FNU>
}
