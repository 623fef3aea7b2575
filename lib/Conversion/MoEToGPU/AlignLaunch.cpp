//===- AlignLaunch.cpp - the kernel template of moe.align -----------------===//
//
// moe.align builds two paths, the one-workgroup kernel (AlignKernel.cpp) and
// the chunked kernels (AlignChunkedKernels.cpp); its launch picks one by
// T * k at run time.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/KernelTemplate.h"

#include "moe/Conversion/SizeChecks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::moe;

/// The launches of the chunked align kernels (buildAlignChunkedKernels,
/// next to `single` in its module) for `align` with buffers `args`, each
/// with an empty grid unless T*k > kAlignChunkRoutes; returns the grid size
/// of the single-workgroup kernel (1 otherwise, else 0), or failure after a
/// diagnostic.
static FailureOr<Value> launchChunkedAlign(OpBuilder &b, Location loc,
                                           AlignOp align, gpu::GPUFuncOp single,
                                           ValueRange args) {
  auto idx = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  auto module = single->getParentOfType<gpu::GPUModuleOp>();
  auto kernel = [&](StringRef suffix) {
    return module.lookupSymbol<gpu::GPUFuncOp>(
        (single.getName() + suffix).str());
  };
  gpu::GPUFuncOp count = kernel("_count"), scan = kernel("_scan"),
                 place = kernel("_place");
  if (!count || !scan || !place)
    return align.emitOpError() << "internal: the chunked align kernels of "
                               << single.getName() << " are missing";
  Value ids = args[0];
  Value begin = align.getExpertBegin() ? args[1] : Value();
  unsigned out = begin ? 2 : 1;
  Value routes =
      arith::MulIOp::create(b, loc, memref::DimOp::create(b, loc, ids, 0),
                            memref::DimOp::create(b, loc, ids, 1));
  Value chunked = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt,
                                        routes, idx(kAlignChunkRoutes));
  Value chunks =
      arith::CeilDivUIOp::create(b, loc, routes, idx(kAlignChunkRoutes));
  Value zero = idx(0), one = idx(1);
  auto when = [&](Value size) {
    return arith::SelectOp::create(b, loc, chunked, size, zero).getResult();
  };
  // Per chunk: the counts of the experts and the route check's two words.
  Value scratchSize = arith::MulIOp::create(
      b, loc, when(chunks), idx(align.getNumExpertsAttr().getInt() + 2));
  Value scratch = memref::AllocOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI32Type()),
      ValueRange{scratchSize}, b.getI64IntegerAttr(256));
  auto launchOf = [&](gpu::GPUFuncOp k, Value gridX, ValueRange operands) {
    Value threads = idx((*k.getKnownBlockSize())[0]);
    gpu::LaunchFuncOp::create(b, loc, k, {gridX, one, one}, {threads, one, one},
                              /*dynamicSharedMemorySize=*/Value(), operands);
  };
  SmallVector<Value> countArgs{ids};
  if (begin)
    countArgs.push_back(begin);
  countArgs.push_back(scratch);
  launchOf(count, when(chunks), countArgs);
  launchOf(scan, when(one),
           {ids, scratch, args[out], args[out + 1], args[out + 2],
            args[out + 3], args[out + 4]});
  SmallVector<Value> placeArgs(countArgs);
  placeArgs.push_back(args[out]);
  launchOf(place, when(chunks), placeArgs);
  return arith::SelectOp::create(b, loc, chunked, zero, one).getResult();
}

SmallVector<Value> mlir::moe::routeCheckArguments(OpBuilder &b, Location loc,
                                                  Operation *op,
                                                  std::optional<int64_t> bound,
                                                  bool enabled) {
  auto i64 = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v))
        .getResult();
  };
  if (!enabled)
    return {i64(0), i64(0)};
  auto module = op->getParentOfType<ModuleOp>();
  constexpr StringLiteral kBlock = "moe_device_check_block";
  auto type = FunctionType::get(b.getContext(), {}, {b.getI64Type()});
  if (!module.lookupSymbol(kBlock)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    func::FuncOp::create(b, loc, kBlock, type).setPrivate();
  }
  Value status = func::CallOp::create(b, loc, kBlock, TypeRange{b.getI64Type()})
                     .getResult(0);
  int64_t tag = declareRouteCheck(b, op, describeRouteIdRange(bound));
  return {status, i64(tag)};
}

namespace {
class AlignTemplate : public KernelTemplate {
public:
  StringRef opName() const override { return AlignOp::getOperationName(); }
  FailureOr<gpu::GPUFuncOp> build(OpBuilder &b, gpu::GPUModuleOp module,
                                  Operation *op, const ChipInfo &chip,
                                  StringRef name,
                                  const KernelOptions &options) const override {
    // Both paths; the launch picks one by T*k at run time.
    auto align = cast<AlignOp>(op);
    FailureOr<gpu::GPUFuncOp> single =
        buildAlignKernel(b, module, align, chip, name, options.routeChecks);
    if (failed(single) ||
        failed(buildAlignChunkedKernels(b, module, align, chip, name,
                                        options.routeChecks)))
      return failure();
    return single;
  }
  SmallVector<Value>
  extraArguments(OpBuilder &b, Location loc, Operation *op,
                 const KernelOptions &options) const override {
    return routeCheckArguments(b, loc, op, cast<AlignOp>(op).getRouteIdBound(),
                               options.routeChecks);
  }
  FailureOr<gpu::KernelDim3> launchGrid(OpBuilder &b, Location loc,
                                        Operation *op, gpu::GPUFuncOp kernel,
                                        ValueRange args,
                                        const ChipInfo &) const override {
    FailureOr<Value> single =
        launchChunkedAlign(b, loc, cast<AlignOp>(op), kernel, args);
    if (failed(single))
      return failure();
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    return gpu::KernelDim3{*single, one, one};
  }
};
} // namespace

const KernelTemplate &mlir::moe::alignKernelTemplate() {
  static const AlignTemplate instance;
  return instance;
}
