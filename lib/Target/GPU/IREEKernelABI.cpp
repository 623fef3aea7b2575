//===- IREEKernelABI.cpp - kernel arguments as IREE's HIP runtime packs them
//===//
//
// The plan of include/moe/Target/IREEKernelABI.h: bindings, whether each is
// written, and the 32-bit push constants of one kernel.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/IREEKernelABI.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlir::moe;

/// Whether `op` may write through its use of `value` (a memref aliasing a
/// binding). Ops that report their effects are taken at their word; any
/// other op, and one that turns the buffer into a pointer, may write.
static bool mayWriteThrough(Operation *op, Value value) {
  // A pointer escapes, or the buffer is forwarded into a region or another
  // block (loop-carried, yielded, branched), where uses are not followed.
  if (isa<memref::ExtractAlignedPointerAsIndexOp, RegionBranchOpInterface,
          RegionBranchTerminatorOpInterface>(op) ||
      op->getNumSuccessors() != 0)
    return true;
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects)
    return !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>();
  SmallVector<MemoryEffects::EffectInstance> instances;
  effects.getEffects(instances);
  return llvm::any_of(instances, [&](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Write>(e.getEffect()) &&
           (!e.getValue() || e.getValue() == value);
  });
}

/// Whether the kernel may write the buffer of `arg`, through it or through
/// any memref an op derives from it (views, casts, metadata).
static bool mayWrite(Value arg) {
  SmallVector<Value> worklist{arg};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (mayWriteThrough(user, value))
        return true;
      for (Value result : user->getResults())
        if (isa<BaseMemRefType>(result.getType()))
          worklist.push_back(result);
    }
  }
  return false;
}

/// The constants of a scalar of `type`, or failure.
static LogicalResult scalarConstants(Type type, unsigned argument,
                                     SmallVectorImpl<IREEConstant> &out) {
  unsigned width = type.isIndex() ? 32 : type.getIntOrFloatBitWidth();
  if (isa<IndexType>(type) || (isa<IntegerType>(type) && width <= 32) ||
      (isa<Float16Type, BFloat16Type, Float32Type>(type))) {
    out.push_back({IREEConstant::Kind::Bits, argument});
    return success();
  }
  if (isa<Float64Type>(type) || (isa<IntegerType>(type) && width == 64)) {
    out.push_back({IREEConstant::Kind::Low, argument});
    out.push_back({IREEConstant::Kind::High, argument});
    return success();
  }
  return failure();
}

bool mlir::moe::isIREEBinding(MemRefType type) {
  if (type.getMemorySpace())
    return false;
  if (type.getLayout().isIdentity())
    return true;
  // A strided layout that spells out the identity: offset 0 and row-major
  // strides, all static (a dynamic stride may be any row pitch).
  auto identity = MemRefType::get(type.getShape(), type.getElementType());
  auto [strides, offset] = type.getStridesAndOffset();
  auto [rowMajor, zero] = identity.getStridesAndOffset();
  return offset == 0 && strides == rowMajor &&
         llvm::none_of(strides, ShapedType::isDynamic);
}

FailureOr<IREEKernelABI> mlir::moe::planIREEKernelABI(gpu::GPUFuncOp kernel) {
  IREEKernelABI abi;
  for (auto [i, type] : llvm::enumerate(kernel.getArgumentTypes())) {
    if (auto memref = dyn_cast<MemRefType>(type)) {
      if (!isIREEBinding(memref))
        return kernel.emitError()
               << "IREE kernel ABI: argument " << i
               << " expected a contiguous row-major memref in the default "
                  "memory space (a binding), found "
               << type;
      abi.bindings.push_back(i);
      abi.written.push_back(mayWrite(kernel.getArgument(i)));
      for (unsigned d = 0; d < memref.getRank(); ++d)
        if (memref.isDynamicDim(d))
          abi.constants.push_back(
              {IREEConstant::Kind::Size, static_cast<unsigned>(i), d});
      continue;
    }
    if (!type.isIntOrIndexOrFloat() ||
        failed(scalarConstants(type, i, abi.constants)))
      return kernel.emitError()
             << "IREE kernel ABI: argument " << i
             << " expected a memref, an integer, index or an f16, bf16, f32 "
                "or f64 scalar (32-bit push constants), found "
             << type;
  }
  return abi;
}

FailureOr<SmallVector<int64_t, 3>>
mlir::moe::constantWorkgroupSize(gpu::LaunchFuncOp launch, StringRef kernelName,
                                 StringRef who) {
  SmallVector<int64_t, 3> size;
  for (Value v : {launch.getBlockSizeX(), launch.getBlockSizeY(),
                  launch.getBlockSizeZ()}) {
    APInt value;
    if (!matchPattern(v, m_ConstantInt(&value)))
      return launch.emitError()
             << who << ": expected a constant workgroup size for " << kernelName
             << " (IREE fixes it per export), found a size computed at run "
                "time";
    size.push_back(value.getSExtValue());
  }
  return size;
}

SmallVector<Value>
mlir::moe::packIREEConstants(OpBuilder &b, Location loc,
                             const IREEKernelABI &abi, ValueRange operands,
                             llvm::function_ref<Value(Value, unsigned)> dimOf) {
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  SmallVector<Value> values;
  for (const IREEConstant &c : abi.constants) {
    Value operand = operands[c.argument];
    Type type = operand.getType();
    switch (c.kind) {
    case IREEConstant::Kind::Size:
      values.push_back(
          arith::IndexCastOp::create(b, loc, i32, dimOf(operand, c.dim)));
      break;
    case IREEConstant::Kind::Bits: {
      Value bits = operand;
      if (type.isIndex()) {
        bits = arith::IndexCastOp::create(b, loc, i32, operand);
      } else if (isa<FloatType>(type)) {
        bits = arith::BitcastOp::create(
            b, loc, b.getIntegerType(type.getIntOrFloatBitWidth()), operand);
      }
      if (bits.getType() != i32)
        bits = arith::ExtUIOp::create(b, loc, i32, bits);
      values.push_back(bits);
      break;
    }
    case IREEConstant::Kind::Low:
    case IREEConstant::Kind::High: {
      Value bits = operand;
      if (isa<FloatType>(type))
        bits = arith::BitcastOp::create(b, loc, i64, operand);
      if (c.kind == IREEConstant::Kind::High)
        bits = arith::ShRUIOp::create(
            b, loc, bits, arith::ConstantIntOp::create(b, loc, i64, 32));
      values.push_back(arith::TruncIOp::create(b, loc, i32, bits));
      break;
    }
    }
  }
  return values;
}
