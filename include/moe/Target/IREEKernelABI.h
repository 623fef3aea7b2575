//===- IREEKernelABI.h - kernel arguments as IREE's HIP runtime packs them
//-===//
//
// IREE's HIP runtime launches an external kernel with a dense list of
// arguments: the binding pointers in order, then 32-bit push constants (see
// README "IREE"). This plan says, for one kernel (a gpu.func whose arguments
// are memrefs and scalars), which argument becomes which: one binding per
// memref argument, in order; then, for each argument in order, its scalar
// as one or two 32-bit constants, or a memref's dynamic sizes, one constant
// each. The kernel rewrite (moe-use-iree-kernel-abi) and the IREE module
// emitter (moe-compile --emit=iree) both read it.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TARGET_IREEKERNELABI_H
#define MOE_TARGET_IREEKERNELABI_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir::moe {

/// One 32-bit push constant of a kernel.
struct IREEConstant {
  enum class Kind {
    Bits, ///< a scalar of at most 32 bits (index truncated to i32)
    Low,  ///< the low 32 bits of a 64-bit scalar (i64, f64)
    High, ///< its high 32 bits
    Size, ///< dynamic size `dim` of memref argument `argument`
  };
  Kind kind;
  unsigned argument; ///< the kernel argument it comes from
  unsigned dim = 0;  ///< for Size
};

/// The IREE form of one kernel's arguments.
struct IREEKernelABI {
  /// The memref arguments, in order: binding i is argument bindings[i].
  llvm::SmallVector<unsigned> bindings;
  /// Whether the kernel may write binding i (any store, copy or atomic into
  /// the buffer or a view of it); the others are ReadOnly bindings.
  llvm::SmallVector<bool> written;
  /// The push constants, in order.
  llvm::SmallVector<IREEConstant> constants;
};

/// Whether a memref of `type` can be a binding: contiguous and row-major
/// (the identity layout, or a strided one that spells it out) in the
/// default memory space.
bool isIREEBinding(MemRefType type);

/// The plan of `kernel`, or a diagnostic (expected vs. found) on an argument
/// IREE's ABI cannot carry: a memref that is not a binding (isIREEBinding), or
/// a scalar that is not an integer, index or f16/bf16/f32/f64.
FailureOr<IREEKernelABI> planIREEKernelABI(gpu::GPUFuncOp kernel);

/// The workgroup size of `launch` (of kernel `kernelName`), which IREE fixes
/// per export: its constant block sizes, or a diagnostic on the launch
/// starting with `who` ("IREE kernel ABI", "--emit=iree").
FailureOr<llvm::SmallVector<int64_t, 3>>
constantWorkgroupSize(gpu::LaunchFuncOp launch, StringRef kernelName,
                      StringRef who);

/// The values a launch passes for `constants` (i32 each), built at `b`'s
/// insertion point from the launch's operands `operands` (the kernel's
/// arguments) and, for sizes, `dimOf(operand, dim)` (memref.dim or
/// tensor.dim of the caller's value).
llvm::SmallVector<Value>
packIREEConstants(OpBuilder &b, Location loc, const IREEKernelABI &abi,
                  ValueRange operands,
                  llvm::function_ref<Value(Value, unsigned)> dimOf);

} // namespace mlir::moe

#endif // MOE_TARGET_IREEKERNELABI_H
