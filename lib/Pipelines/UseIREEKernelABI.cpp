//===- UseIREEKernelABI.cpp - kernels take IREE's HIP argument list -------===//
//
// moe-use-iree-kernel-abi: every kernel takes its buffers as bare pointers,
// then 32-bit push constants (planIREEKernelABI), and every launch passes
// them so; each kernel's workgroup size is fixed from its launches.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/Passes.h"
#include "moe/Target/IREEKernelABI.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/Support/InterleavedRange.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEUSEIREEKERNELABIPASS
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

/// The launch's operands in the kernel's new order.
static void repackLaunch(gpu::LaunchFuncOp launch, const IREEKernelABI &abi) {
  OpBuilder b(launch);
  Location loc = launch.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  SmallVector<Value> operands(launch.getKernelOperands());
  SmallVector<Value> packed;
  for (unsigned arg : abi.bindings) {
    Value address =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, operands[arg]);
    address = arith::IndexCastOp::create(b, loc, b.getI64Type(), address);
    packed.push_back(LLVM::IntToPtrOp::create(b, loc, ptr, address));
  }
  llvm::append_range(packed,
                     packIREEConstants(b, loc, abi, operands,
                                       [&](Value memref, unsigned d) -> Value {
                                         return memref::DimOp::create(
                                             b, loc, memref, d);
                                       }));
  launch.getKernelOperandsMutable().assign(packed);
}

/// The memref descriptor of a binding: `pointer` as allocated and aligned
/// pointer, offset 0, `sizes` (i64), row-major strides; cast to the memref
/// type the kernel's body uses (the cast folds away in the LLVM lowering).
static Value buildMemRef(OpBuilder &b, Location loc, MemRefType type,
                         Value pointer, ArrayRef<Value> sizes) {
  LowerToLLVMOptions options(b.getContext());
  options.overrideIndexBitwidth(64);
  LLVMTypeConverter converter(b.getContext(), options);
  Type descriptor = converter.convertType(type);
  Type i64 = b.getI64Type();
  Value d = LLVM::PoisonOp::create(b, loc, descriptor);
  d = LLVM::InsertValueOp::create(b, loc, d, pointer, ArrayRef<int64_t>{0});
  d = LLVM::InsertValueOp::create(b, loc, d, pointer, ArrayRef<int64_t>{1});
  d = LLVM::InsertValueOp::create(b, loc, d,
                                  LLVM::ConstantOp::create(b, loc, i64, 0),
                                  ArrayRef<int64_t>{2});
  Value stride = LLVM::ConstantOp::create(b, loc, i64, 1);
  for (int64_t dim = type.getRank() - 1; dim >= 0; --dim) {
    d = LLVM::InsertValueOp::create(b, loc, d, sizes[dim],
                                    ArrayRef<int64_t>{3, dim});
    d = LLVM::InsertValueOp::create(b, loc, d, stride,
                                    ArrayRef<int64_t>{4, dim});
    if (dim > 0)
      stride = LLVM::MulOp::create(b, loc, stride, sizes[dim]);
  }
  return UnrealizedConversionCastOp::create(b, loc, type, d).getResult(0);
}

/// The scalar of `type` from its push constants `words` (one, or low and
/// high).
static Value buildScalar(OpBuilder &b, Location loc, Type type,
                         ArrayRef<Value> words) {
  if (words.size() == 2) {
    Type i64 = b.getI64Type();
    Value low = arith::ExtUIOp::create(b, loc, i64, words[0]);
    Value high = arith::ShLIOp::create(
        b, loc, arith::ExtUIOp::create(b, loc, i64, words[1]),
        arith::ConstantIntOp::create(b, loc, i64, 32));
    Value bits = arith::OrIOp::create(b, loc, low, high);
    return type.isInteger() ? bits
                            : arith::BitcastOp::create(b, loc, type, bits);
  }
  Value bits = words[0];
  if (type.isIndex())
    return arith::IndexCastOp::create(b, loc, type, bits);
  unsigned width = type.getIntOrFloatBitWidth();
  if (width < 32)
    bits = arith::TruncIOp::create(b, loc, b.getIntegerType(width), bits);
  return isa<FloatType>(type) ? arith::BitcastOp::create(b, loc, type, bits)
                              : bits;
}

/// Gives `kernel` the argument list of `abi`: new arguments first, the old
/// ones rebuilt from them at the top of the body, then erased.
static void rewriteKernel(gpu::GPUFuncOp kernel, const IREEKernelABI &abi) {
  MLIRContext *ctx = kernel.getContext();
  Location loc = kernel.getLoc();
  unsigned oldCount = kernel.getNumArguments();
  unsigned newCount = abi.bindings.size() + abi.constants.size();
  SmallVector<Type> types(abi.bindings.size(), LLVM::LLVMPointerType::get(ctx));
  types.append(abi.constants.size(), IntegerType::get(ctx, 32));
  SmallVector<unsigned> at(newCount, 0);
  SmallVector<DictionaryAttr> attrs(newCount, DictionaryAttr::get(ctx));
  SmallVector<Location> locs(newCount, loc);
  if (failed(kernel.insertArguments(at, types, attrs, locs)))
    llvm_unreachable("gpu.func takes arguments at the front");

  OpBuilder b = OpBuilder::atBlockBegin(&kernel.front());
  Type i64 = b.getI64Type();
  auto constant = [&](unsigned i) {
    return kernel.getArgument(abi.bindings.size() + i);
  };
  for (unsigned old = 0; old < oldCount; ++old) {
    Value oldArg = kernel.getArgument(newCount + old);
    auto memref = dyn_cast<MemRefType>(oldArg.getType());
    Value replacement;
    if (memref) {
      unsigned binding = llvm::find(abi.bindings, old) - abi.bindings.begin();
      SmallVector<Value> sizes;
      for (int64_t d = 0; d < memref.getRank(); ++d) {
        if (!memref.isDynamicDim(d)) {
          sizes.push_back(
              LLVM::ConstantOp::create(b, loc, i64, memref.getDimSize(d)));
          continue;
        }
        for (auto [i, c] : llvm::enumerate(abi.constants))
          if (c.kind == IREEConstant::Kind::Size && c.argument == old &&
              c.dim == d)
            sizes.push_back(arith::ExtUIOp::create(b, loc, i64, constant(i)));
      }
      replacement =
          buildMemRef(b, loc, memref, kernel.getArgument(binding), sizes);
    } else {
      SmallVector<Value> words;
      for (auto [i, c] : llvm::enumerate(abi.constants))
        if (c.argument == old)
          words.push_back(constant(i));
      replacement = buildScalar(b, loc, oldArg.getType(), words);
    }
    oldArg.replaceAllUsesWith(replacement);
  }
  // Sized to the entry block's arguments: the workgroup attributions follow
  // the function's.
  llvm::BitVector erase(kernel.front().getNumArguments());
  erase.set(newCount, newCount + oldCount);
  if (failed(kernel.eraseArguments(erase)))
    llvm_unreachable("the old arguments have no uses left");
}

namespace {
struct MoEUseIREEKernelABIPass
    : moe::impl::MoEUseIREEKernelABIPassBase<MoEUseIREEKernelABIPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    DenseMap<Operation *, SmallVector<gpu::LaunchFuncOp>> launches;
    module.walk([&](gpu::LaunchFuncOp launch) {
      if (auto kernel = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(
              launch, launch.getKernel()))
        launches[kernel].push_back(launch);
    });
    for (auto gpuModule : module.getOps<gpu::GPUModuleOp>()) {
      for (auto kernel : gpuModule.getOps<gpu::GPUFuncOp>()) {
        if (!kernel.isKernel())
          continue;
        FailureOr<IREEKernelABI> abi = planIREEKernelABI(kernel);
        if (failed(abi))
          return signalPassFailure();
        if (failed(fixWorkgroupSize(kernel, launches.lookup(kernel))))
          return signalPassFailure();
        for (gpu::LaunchFuncOp launch : launches.lookup(kernel))
          repackLaunch(launch, *abi);
        rewriteKernel(kernel, *abi);
      }
    }
  }

  /// IREE launches a kernel with the workgroup size of its export: the
  /// kernel's known_block_size, taken from its launches' constant sizes.
  LogicalResult fixWorkgroupSize(gpu::GPUFuncOp kernel,
                                 ArrayRef<gpu::LaunchFuncOp> uses) {
    SmallVector<int32_t> size;
    if (auto known = kernel.getKnownBlockSizeAttr())
      size.assign(known.asArrayRef().begin(), known.asArrayRef().end());
    for (gpu::LaunchFuncOp launch : uses) {
      FailureOr<SmallVector<int64_t, 3>> constant =
          constantWorkgroupSize(launch, kernel.getName(), "IREE kernel ABI");
      if (failed(constant))
        return failure();
      SmallVector<int32_t> here(constant->begin(), constant->end());
      if (size.empty())
        size = here;
      else if (size != here)
        return launch.emitError()
               << "IREE kernel ABI: expected every launch of "
               << kernel.getName() << " with workgroup size ("
               << llvm::interleaved(size) << "), found ("
               << llvm::interleaved(here) << ")";
    }
    if (!size.empty())
      kernel.setKnownBlockSizeAttr(
          DenseI32ArrayAttr::get(kernel.getContext(), size));
    return success();
  }
};
} // namespace
