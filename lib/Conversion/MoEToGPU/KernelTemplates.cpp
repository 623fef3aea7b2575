//===- KernelTemplates.cpp - the kernel template of each moe op -----------===//
//
// The kernel name, template and launch grid of each moe op.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/GPUKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::moe;

SmallVector<std::pair<Operation *, std::string>>
mlir::moe::collectKernelOps(ModuleOp module) {
  SmallVector<std::pair<Operation *, std::string>> ops;
  module.walk([&](Operation *op) {
    // Collectives are calls and size checks host code, not kernels.
    if (!isa<MoEDialect>(op->getDialect()) || op->hasAttr("group") ||
        isa<CheckSizeOp>(op))
      return;
    auto func = op->getParentOfType<FunctionOpInterface>();
    ops.push_back({op, (func ? func.getName().str() : std::string("kernel")) +
                           "_" + op->getName().stripDialect().str() + "_" +
                           std::to_string(ops.size())});
  });
  return ops;
}

gpu::GPUFuncOp mlir::moe::createKernel(ImplicitLocOpBuilder &b,
                                       gpu::GPUModuleOp module, StringRef name,
                                       ArrayRef<Type> args, int64_t threads,
                                       TypeRange workgroup) {
  b.setInsertionPointToEnd(module.getBody());
  auto func =
      gpu::GPUFuncOp::create(b, name, b.getFunctionType(args, {}), workgroup);
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  for (unsigned i = 0; i < workgroup.size(); ++i)
    func.setWorkgroupAttributionAttr(i, b.getStringAttr("llvm.align"),
                                     b.getI64IntegerAttr(16));
  func.setKnownBlockSizeAttr(
      b.getDenseI32ArrayAttr({static_cast<int32_t>(threads), 1, 1}));
  b.setInsertionPointToStart(&func.getBody().front());
  return func;
}

MemRefType mlir::moe::bufferTypeOf(Type tensor) {
  return cast<MemRefType>(bufferization::getMemRefTypeWithStaticIdentityLayout(
      cast<TensorType>(tensor)));
}

FailureOr<gpu::GPUFuncOp>
mlir::moe::buildMoEKernel(OpBuilder &b, gpu::GPUModuleOp module, Operation *op,
                          const ChipInfo &chip, StringRef name,
                          const KernelOptions &options, bool &unsupported) {
  unsupported = false;
  if (auto gemm = dyn_cast<GroupedMatmulOp>(op))
    return buildGroupedMatmulKernel(b, module, gemm, chip, name, options);
  if (auto gate = dyn_cast<GateOp>(op))
    return buildGateKernel(b, module, gate, chip, name);
  if (auto align = dyn_cast<AlignOp>(op)) {
    // Both paths; the launch picks one by T*k at run time.
    FailureOr<gpu::GPUFuncOp> single =
        buildAlignKernel(b, module, align, chip, name, options.routeChecks);
    if (failed(single) ||
        failed(buildAlignChunkedKernels(b, module, align, chip, name,
                                        options.routeChecks)))
      return failure();
    return single;
  }
  if (auto act = dyn_cast<ActivationOp>(op))
    return buildActivationKernel(b, module, act, chip, name);
  if (auto combine = dyn_cast<CombineOp>(op))
    return buildCombineKernel(b, module, combine, chip, name);
  if (isa<RMSNormOp, AddRMSNormOp>(op))
    return buildRMSNormKernel(b, module, op, chip, name);
  unsupported = true;
  return failure();
}

gpu::KernelDim3 mlir::moe::emitLaunchGrid(OpBuilder &b, Location loc,
                                          Operation *op, gpu::GPUFuncOp kernel,
                                          ValueRange args,
                                          const ChipInfo &chip) {
  auto idx = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  auto dim = [&](Value buffer, int64_t d) {
    return memref::DimOp::create(b, loc, buffer, d).getResult();
  };
  auto ceilDiv = [&](Value x, int64_t y) {
    return arith::CeilDivUIOp::create(b, loc, x, idx(y)).getResult();
  };
  Value one = idx(1);
  if (auto gemm = dyn_cast<GroupedMatmulOp>(op)) {
    // Row blocks: R_max / block_m, or fewer when few experts can have
    // routes. The padded count sums roundup(c_e, block_m) over the experts
    // with c_e > 0 routes, at most routes + min(E_l, routes) * (block_m - 1):
    // at T = 1 of 128 experts and k = 8, 8 blocks instead of 121 (the
    // kernel's blocks past the count exit, but each is still scheduled).
    int64_t blockM = gemm.getBlockMAttr().getInt();
    Value routes = dim(args[0], 0);
    if (gemm.getRows() == RowSource::Tokens)
      routes = arith::MulIOp::create(b, loc, routes,
                                     idx(gemm.getTopKAttr().getInt()));
    Value experts = arith::MinUIOp::create(b, loc, dim(args[1], 0), routes);
    Value padded = arith::AddIOp::create(
        b, loc, routes,
        arith::MulIOp::create(b, loc, experts, idx(blockM - 1)));
    Value filledBlocks = ceilDiv(padded, blockM);
    Value maxBlocks =
        arith::DivUIOp::create(b, loc, dim(args[2], 0), idx(blockM));
    Value rows = arith::MinUIOp::create(b, loc, filledBlocks, maxBlocks);
    Value cols = ceilDiv(dim(args.back(), 1), groupedMatmulBlockN(gemm, chip));
    return {rows, cols, one};
  }
  if (isa<GateOp, RMSNormOp, AddRMSNormOp>(op))
    return {dim(args[0], 0), one, one};
  if (isa<AlignOp>(op))
    return {one, one, one};
  // One thread per output element (per run of them, for combine).
  int64_t threads = (*kernel.getKnownBlockSize())[0];
  if (auto combine = dyn_cast<CombineOp>(op))
    threads *= combineVectorWidth(combine);
  Value out = args.back();
  Value rows = dim(out, 0);
  Value cols = dim(out, 1);
  Value total = arith::MulIOp::create(b, loc, rows, cols);
  return {ceilDiv(total, threads), one, one};
}
