// The host library does bf16 arithmetic in f32 and rounds to bf16 with
// integer ops: the LLVM IR has no bf16 arithmetic or conversion left, which
// LLVM would otherwise turn into calls of __truncsfbf2 (not in the C
// runtime of hosts without native bf16 conversion; such a library does
// not load).
// RUN: moe-compile %s --emit=llvm | FileCheck %s

// CHECK-LABEL: define {{.*}}@residual_norm(
// CHECK: fadd float
// CHECK-NOT: {{(fadd|fsub|fmul|fdiv|fcmp|fptrunc|fpext|call) [^,]*bfloat}}
// CHECK-NOT: __truncsfbf2
// CHECK-LABEL: define {{.*}}@_mlir_ciface_residual_norm(
func.func @residual_norm(%x: tensor<?x8xbf16>, %r: tensor<?x8xbf16>, %w: tensor<8xbf16>) -> (tensor<?x8xbf16>, tensor<?x8xbf16>) {
  %n, %sum = moe.add_rms_norm %x, %r, %w eps 1.0e-05 : tensor<?x8xbf16>, tensor<8xbf16>
  return %n, %sum : tensor<?x8xbf16>, tensor<?x8xbf16>
}
