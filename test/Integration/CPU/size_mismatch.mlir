// Every run-time size relation of a program is checked in every build: the
// default (moe-optimize expands moe.experts into align, GEMMs and combine)
// and --no-optimize (moe.experts lowered as written) report the same error
// for the same mismatched inputs, and neither returns results. Expert ids
// outside [0, E) are reported as well (count, first id, its token).
// RUN: moe-compile %s -o %t.so
// RUN: moe-compile --no-optimize %s -o %t.direct.so
// RUN: %python %S/check_size_mismatch.py --lib %t.so --direct-lib %t.direct.so --moe-run moe-run | FileCheck %s
// CHECK: ids T: moe.experts at {{.*}}size_mismatch.mlir:[[#EXPERTS:]]:8: dim 0 of 'ids' must equal dim 0 of 'x' (T): expected 4, found 3
// CHECK: ids T, large x: moe.experts at {{.*}}size_mismatch.mlir:[[#EXPERTS]]:8: dim 0 of 'ids' must equal dim 0 of 'x' (T): expected 3000, found 1
// CHECK: weights T: moe.experts at {{.*}}size_mismatch.mlir:[[#EXPERTS]]:8: dim 0 of 'weights' must equal dim 0 of 'x' (T): expected 4, found 1
// CHECK: x T: moe.experts at {{.*}}size_mismatch.mlir:[[#EXPERTS]]:8: dim 0 of 'weights' must equal dim 0 of 'x' (T): expected 2, found 5
// CHECK: H: moe.experts at {{.*}}size_mismatch.mlir:[[#EXPERTS]]:8: dim 2 of 'w1' must equal dim 1 of 'x' (H): expected 16, found 32
// CHECK: E: moe.experts at {{.*}}size_mismatch.mlir:[[#]]:8: dim 0 of 'w2' must equal dim 0 of 'w1' (E): expected 8, found 4
// CHECK: I: moe.experts at {{.*}}size_mismatch.mlir:[[#]]:8: dim 2 of 'w2' must equal half of dim 1 of 'w1' (I): expected 24, found 16
// CHECK: residual T: moe.add_rms_norm at {{.*}}size_mismatch.mlir:[[#]]:12: dim 0 of 'residual' must equal dim 0 of 'x': expected 4, found 3
// CHECK: id E: 1 route id outside [0, 8), first 8 at token 2
// CHECK: ids -1, INT_MIN, INT_MAX: 3 route ids outside [0, 8), first -1 at token 0
// CHECK: ids past the chunked-align threshold: 2 route ids outside [0, 8), first 9 at token 550
// CHECK: id at the last of 3000 tokens: 1 route id outside [0, 8), first 12 at token 2999
// CHECK: id E at T = 1: 1 route id outside [0, 8), first 8 at token 0
// CHECK: {{^[0-9]+}} passed, 0 failed

// The check state is per call: 8 threads call each library at once, half of
// them with mismatched ids, and every call reports its own outcome.
// RUN: %python %S/check_threads.py --lib %t.so | FileCheck %s --check-prefix=THREADS
// RUN: %python %S/check_threads.py --lib %t.direct.so | FileCheck %s --check-prefix=THREADS
// THREADS: thread 1 (T=133, mismatched ids): 40 calls ok
// THREADS: 8 passed, 0 failed

func.func @experts(%x: tensor<?x?xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                   %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) -> tensor<?x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<?x?xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// The expert count and I are dynamic: moe-optimize cannot expand this one.
func.func @experts_dynamic_e_i(%x: tensor<?x32xbf16>, %w1: tensor<?x?x32xbf16>, %w2: tensor<?x32x?xbf16>,
                               %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) -> tensor<?x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<?x32xbf16>, tensor<?x?x32xbf16>, tensor<?x32x?xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

func.func @norm(%x: tensor<?x32xbf16>, %res: tensor<?x32xbf16>, %w: tensor<32xbf16>)
    -> (tensor<?x32xbf16>, tensor<?x32xbf16>) {
  %n, %r = moe.add_rms_norm %x, %res, %w eps 1.0e-06 : tensor<?x32xbf16>, tensor<32xbf16>
  return %n, %r : tensor<?x32xbf16>, tensor<?x32xbf16>
}
