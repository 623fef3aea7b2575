// RUN: moe-opt %s -split-input-file -moe-split-token-buckets | FileCheck %s
// RUN: moe-opt %s -split-input-file -moe-split-token-buckets="min-tokens=3 max-tokens=100" | FileCheck %s --check-prefix=RANGE
// RUN: moe-opt %s -split-input-file -moe-split-token-buckets="min-tokens=2000" | FileCheck %s --check-prefix=LARGE
// RUN: not moe-opt %s -split-input-file -moe-split-token-buckets="min-tokens=8 max-tokens=4" 2>&1 | FileCheck %s --check-prefix=BADRANGE

// T reaches moe.experts through moe.rms_norm from %h, which gets moe.tokens.
// The original becomes a declaration; a copy per bucket follows it, in order.
// CHECK-LABEL: func.func private @layer(tensor<?x64xbf16> {moe.tokens}, tensor<64xbf16>
// CHECK-NOT: moe.experts
// CHECK: func.func private @layer__t1(%{{.*}}: tensor<?x64xbf16> {moe.tokens}, {{.*}} attributes {moe.token_bucket = {expected = 1 : i64, max = 1 : i64, min = 1 : i64, of = @layer}}
// CHECK: moe.rms_norm
// CHECK: moe.experts
// CHECK: func.func private @layer__t2_4({{.*}} attributes {moe.token_bucket = {expected = 4 : i64, max = 4 : i64, min = 2 : i64, of = @layer}}
// CHECK: func.func private @layer__t5_16({{.*}}expected = 16 : i64, max = 16 : i64, min = 5 : i64
// CHECK: func.func private @layer__t17_64({{.*}}expected = 64 : i64, max = 64 : i64, min = 17 : i64
// CHECK: func.func private @layer__t65_256({{.*}}expected = 256 : i64, max = 256 : i64, min = 65 : i64
// CHECK: func.func private @layer__t257_1024({{.*}}expected = 1024 : i64, max = 1024 : i64, min = 257 : i64
// CHECK: func.func private @layer__t1025_up({{.*}} attributes {moe.token_bucket = {expected = 4096 : i64, min = 1025 : i64, of = @layer}}
// CHECK-NOT: func.func
// RANGE-LABEL: func.func private @layer(
// RANGE: func.func private @layer__t3_4({{.*}}expected = 4 : i64, max = 4 : i64, min = 3 : i64
// RANGE: func.func private @layer__t5_16(
// RANGE: func.func private @layer__t17_64(
// RANGE: func.func private @layer__t65_100({{.*}}expected = 100 : i64, max = 100 : i64, min = 65 : i64
// RANGE-NOT: func.func private @layer__
// LARGE-LABEL: func.func private @layer(
// LARGE: func.func private @layer__t2000_up({{.*}}expected = 4096 : i64, min = 2000 : i64
// LARGE-NOT: func.func private @layer__
// BADRANGE: error: expected 1 <= min-tokens <= max-tokens (max-tokens 0: no bound), got min-tokens=8 max-tokens=4
func.func @layer(%h: tensor<?x64xbf16>, %norm: tensor<64xbf16>, %w1: tensor<8x256x64xbf16>,
                 %w2: tensor<8x64x128xbf16>, %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) -> tensor<?x64xbf16> {
  %x = moe.rms_norm %h, %norm eps 1.0e-06 offset 0.0 : tensor<?x64xbf16>, tensor<64xbf16>
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<?x64xbf16>, tensor<8x256x64xbf16>, tensor<8x64x128xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

// A static T needs no buckets; the function is left alone.
// CHECK-LABEL: func.func @static_tokens(
// CHECK: moe.experts
// CHECK-NOT: func.func
func.func @static_tokens(%x: tensor<4x64xbf16>, %w1: tensor<8x256x64xbf16>, %w2: tensor<8x64x128xbf16>,
                         %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) -> tensor<4x64xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<4x64xbf16>, tensor<8x256x64xbf16>, tensor<8x64x128xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x64xbf16>
  return %y : tensor<4x64xbf16>
}
