// RUN: moe-opt %s -split-input-file -moe-expand-small-float-conversions | FileCheck %s

// fp8 and fp4 conversions become integer ops on the bits (the values are
// checked code for code in test/Integration/CPU/quant.mlir).

// CHECK-LABEL: func.func @trunc_fn
// CHECK-NOT: arith.truncf
// CHECK: %[[BITS:.*]] = arith.trunci %{{.*}} : i32 to i8
// CHECK: %[[FP8:.*]] = arith.bitcast %[[BITS]] : i8 to f8E4M3FN
// CHECK: return %[[FP8]]
func.func @trunc_fn(%x: f32) -> f8E4M3FN {
  %q = arith.truncf %x : f32 to f8E4M3FN
  return %q : f8E4M3FN
}

// -----

// A bf16 source is widened first (exactly).
// CHECK-LABEL: func.func @trunc_fp4_from_bf16
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK-NOT: arith.truncf
// CHECK: arith.trunci %{{.*}} : i32 to i4
// CHECK: arith.bitcast %{{.*}} : i4 to f4E2M1FN
func.func @trunc_fp4_from_bf16(%x: bf16) -> f4E2M1FN {
  %q = arith.truncf %x : bf16 to f4E2M1FN
  return %q : f4E2M1FN
}

// -----

// Vectors too; the extension to f16 goes through f32 (exact).
// CHECK-LABEL: func.func @ext_fnuz_vector
// CHECK: arith.bitcast %{{.*}} : vector<4xf8E4M3FNUZ> to vector<4xi8>
// CHECK-NOT: arith.extf
// CHECK: arith.truncf %{{.*}} : vector<4xf32> to vector<4xf16>
func.func @ext_fnuz_vector(%q: vector<4xf8E4M3FNUZ>) -> vector<4xf16> {
  %x = arith.extf %q : vector<4xf8E4M3FNUZ> to vector<4xf16>
  return %x : vector<4xf16>
}

// -----

// E8M0 code 0 is 2^-127 (0x00400000), 0xFF NaN.
// CHECK-LABEL: func.func @ext_e8m0
// CHECK-DAG: arith.constant 4194304 : i32
// CHECK-DAG: arith.constant 2143289344 : i32
// CHECK-NOT: arith.extf
func.func @ext_e8m0(%s: f8E8M0FNU) -> f32 {
  %x = arith.extf %s : f8E8M0FNU to f32
  return %x : f32
}

// -----

// Must not fire: an f64 source would round twice; bf16 is not a small float.
// CHECK-LABEL: func.func @negative_f64_source
// CHECK: arith.truncf %{{.*}} : f64 to f8E4M3FN
// CHECK: arith.extf %{{.*}} : bf16 to f32
func.func @negative_f64_source(%x: f64, %y: bf16) -> (f8E4M3FN, f32) {
  %q = arith.truncf %x : f64 to f8E4M3FN
  %z = arith.extf %y : bf16 to f32
  return %q, %z : f8E4M3FN, f32
}
