//===- LaunchKernels.cpp - moe ops to launches of their kernels -----------===//
//
// Replaces each moe op by buffers and a gpu.launch_func of its kernel template.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/Passes.h"

#include "moe/Conversion/GPUKernels.h"
#include "moe/Conversion/SizeChecks.h"
#include "moe/Passes/Passes.h"
#include "moe/Target/TargetAttr.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::moe {
#define GEN_PASS_DEF_CONVERTMOETOGPULAUNCHPASS
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

/// Activations and norms over more than two dims run their rank-2 kernels
/// on the leading dims collapsed into rows.
static void collapseLeadingDims(ModuleOp module) {
  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) {
    if (isa<ActivationOp, RMSNormOp, AddRMSNormOp>(op) &&
        cast<RankedTensorType>(op->getResult(0).getType()).getRank() > 2)
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    OpBuilder b(op);
    Location loc = op->getLoc();
    int64_t rank = cast<RankedTensorType>(op->getResult(0).getType()).getRank();
    SmallVector<ReassociationIndices> rows(2);
    for (int64_t d = 0; d + 1 < rank; ++d)
      rows[0].push_back(d);
    rows[1].push_back(rank - 1);
    SmallVector<Value> operands;
    for (Value v : op->getOperands()) {
      auto type = cast<RankedTensorType>(v.getType());
      operands.push_back(
          type.getRank() == rank
              ? tensor::CollapseShapeOp::create(b, loc, v, rows).getResult()
              : v);
    }
    SmallVector<Type> types;
    for (Type t : op->getResultTypes())
      types.push_back(tensor::CollapseShapeOp::inferCollapsedType(
          cast<RankedTensorType>(t), rows));
    Operation *flat = b.create(loc, op->getName().getIdentifier(), operands,
                               types, op->getAttrs());
    SmallVector<Value> results;
    for (auto [value, type] :
         llvm::zip(flat->getResults(), op->getResultTypes())) {
      // The leading sizes are the input's, the last one the flat result's.
      SmallVector<OpFoldResult> sizes =
          tensor::getMixedSizes(b, loc, op->getOperand(0));
      auto resultType = cast<RankedTensorType>(type);
      sizes.back() = tensor::getMixedSize(b, loc, value, 1);
      results.push_back(tensor::ExpandShapeOp::create(b, loc, resultType, value,
                                                      rows, sizes));
    }
    op->replaceAllUsesWith(results);
    op->erase();
  }
}

LogicalResult mlir::moe::prepareForKernels(ModuleOp module,
                                           bool keepUnsupported) {
  // moe.experts has no kernel of its own; moe-optimize expands it, and this
  // does without it (block_m 16, the pass's default, unless a tile says).
  RewritePatternSet expand(module.getContext());
  populateExpandExpertsPatterns(expand, /*blockM=*/16);
  if (failed(applyPatternsGreedily(module, std::move(expand))))
    return failure();
  if (failed(prepareCollectives(module, keepUnsupported)))
    return failure();
  collapseLeadingDims(module);
  return success();
}

/// The dynamic sizes of result `index` of `op`, from its operand buffers.
static SmallVector<Value> resultSizes(OpBuilder &b, Operation *op,
                                      unsigned index, ValueRange args) {
  Location loc = op->getLoc();
  auto idx = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  auto dim = [&](Value buffer, int64_t d) {
    return memref::DimOp::create(b, loc, buffer, d).getResult();
  };
  auto type = cast<RankedTensorType>(op->getResult(index).getType());
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      continue;
    Value size;
    if (auto align = dyn_cast<AlignOp>(op)) {
      // R_max = roundup(T * k + E_l * (block_m - 1), block_m).
      int64_t blockM = align.getBlockMAttr().getInt();
      Value tokens = dim(args[0], 0);
      Value topK = dim(args[0], 1);
      Value routes = arith::MulIOp::create(b, loc, tokens, topK);
      Value padded = arith::AddIOp::create(
          b, loc, routes,
          idx(align.getNumExpertsAttr().getInt() * (blockM - 1)));
      Value blocks = arith::CeilDivUIOp::create(b, loc, padded, idx(blockM));
      size =
          index == 0
              ? arith::MulIOp::create(b, loc, blocks, idx(blockM)).getResult()
              : blocks;
    } else if (auto gemm = dyn_cast<GroupedMatmulOp>(op)) {
      size = dim(args[0], 0);
      if (gemm.getRows() == RowSource::Tokens)
        size = arith::MulIOp::create(b, loc, size,
                                     idx(gemm.getTopKAttr().getInt()));
    } else if (isa<CombineOp>(op)) {
      size = d == 0 ? dim(args[1], 0) : dim(args[0], 1);
    } else if (isa<ActivationOp>(op) && d == 1) {
      size = arith::DivUIOp::create(b, loc, dim(args[0], 1), idx(2));
    } else {
      // gate [T, k], activation rows, norms: the first operand's size.
      size = dim(args[0], d);
    }
    sizes.push_back(size);
  }
  return sizes;
}

/// The size relations between `op`'s operand buffers that its kernel relies
/// on (reading within bounds) and that the verifier could not prove (rank-2
/// operands: rank-3 norms are collapsed to rows before this): each
/// becomes a run-time check recorded in `moe_check_state` (emitSizeCheck).
/// Returns whether all hold, or null when none needs checking.
static Value emitSizeChecks(ImplicitLocOpBuilder &b, Operation *op,
                            ValueRange args) {
  // Static sizes are constants, so that relations the verifier proved need
  // no check.
  auto dim = [&](Value v, int64_t d) -> Value {
    int64_t size = cast<MemRefType>(v.getType()).getDimSize(d);
    if (!ShapedType::isDynamic(size))
      return arith::ConstantIndexOp::create(b, size).getResult();
    return memref::DimOp::create(b, v, d).getResult();
  };
  auto idx = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, v).getResult();
  };
  SmallVector<Value> ok;
  if (isa<GroupedMatmulOp>(op))
    ok.push_back(emitSizeCheck(b, op, dim(args[1], 2), dim(args[0], 1),
                               "dim 2 of 'w' must equal dim 1 of 'a' (K)"));
  if (auto gemm = dyn_cast<GroupedMatmulOp>(op); gemm && gemm.getWeights()) {
    Value weights = args[5];
    if (gemm.getRows() == RowSource::Tokens) {
      ok.push_back(emitSizeCheck(b, op, dim(weights, 0), dim(args[0], 0),
                                 "dim 0 of 'weights' must equal dim 0 of 'a' "
                                 "(T)"));
      ok.push_back(emitSizeCheck(b, op, dim(weights, 1),
                                 idx(gemm.getTopKAttr().getInt()),
                                 "dim 1 of 'weights' must equal top_k"));
    } else {
      Value routes = arith::MulIOp::create(b, dim(weights, 0), dim(weights, 1));
      ok.push_back(emitSizeCheck(b, op, dim(args[0], 0), routes,
                                 "dim 0 of 'a' must equal dim 0 times dim 1 "
                                 "of 'weights' (T * k)"));
    }
  } else if (auto combine = dyn_cast<CombineOp>(op)) {
    Value routes = arith::MulIOp::create(b, dim(args[1], 0), dim(args[1], 1));
    ok.push_back(emitSizeCheck(b, op, dim(args[0], 0), routes,
                               "dim 0 of 'routes' must equal dim 0 times dim "
                               "1 of 'scale' (T * k)"));
    if (combine.getIds())
      ok.push_back(emitSizeCheck(b, op, dim(args[2], 0), dim(args[1], 0),
                                 "dim 0 of 'ids' must equal dim 0 of 'scale' "
                                 "(T)"));
  } else if (isa<RMSNormOp, AddRMSNormOp>(op)) {
    Value weight = args[isa<AddRMSNormOp>(op) ? 2 : 1];
    ok.push_back(emitSizeCheck(b, op, dim(weight, 0), dim(args[0], 1),
                               "dim 0 of 'weight' must equal the last dim of "
                               "'x' (H)"));
    if (isa<AddRMSNormOp>(op))
      for (int64_t d = 0; d < 2; ++d)
        ok.push_back(emitSizeCheck(
            b, op, dim(args[1], d), dim(args[0], d),
            d == 0 ? "dim 0 of 'residual' must equal dim 0 of 'x'"
                   : "dim 1 of 'residual' must equal dim 1 of 'x'"));
  } else if (auto gate = dyn_cast<GateOp>(op); gate && gate.getBias()) {
    ok.push_back(emitSizeCheck(b, op, dim(args[1], 0), dim(args[0], 1),
                               "dim 0 of 'bias' must equal dim 1 of 'logits' "
                               "(E)"));
  }
  Value all;
  for (Value v : ok)
    if (!matchPattern(v, m_One()))
      all = all ? arith::AndIOp::create(b, all, v).getResult() : v;
  return all;
}

/// The launches of the chunked align kernels (buildAlignChunkedKernels,
/// next to `single` in its module) for `align` with buffers `args`, each
/// with an empty grid unless T*k > kAlignChunkRoutes; returns the grid size
/// of the single-workgroup kernel (1 otherwise, else 0), or null after a
/// diagnostic.
static Value launchChunkedAlign(OpBuilder &b, Location loc, AlignOp align,
                                gpu::GPUFuncOp single, ValueRange args) {
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
  if (!count || !scan || !place) {
    align.emitOpError() << "internal: the chunked align kernels of "
                        << single.getName() << " are missing";
    return Value();
  }
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
  return arith::SelectOp::create(b, loc, chunked, zero, one);
}

/// The route check arguments of an align kernel: the address of this
/// thread's host words that the runtime maps for the device
/// (moe_device_check_block; 0 when it records none) and the check's tag.
static SmallVector<Value> routeCheckArgs(OpBuilder &b, Location loc,
                                         AlignOp align, bool enabled) {
  auto i64 = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v))
        .getResult();
  };
  if (!enabled)
    return {i64(0), i64(0)};
  auto module = align->getParentOfType<ModuleOp>();
  constexpr StringLiteral kBlock = "moe_device_check_block";
  auto type = FunctionType::get(b.getContext(), {}, {b.getI64Type()});
  if (!module.lookupSymbol(kBlock)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    func::FuncOp::create(b, loc, kBlock, type).setPrivate();
  }
  Value status = func::CallOp::create(b, loc, kBlock, TypeRange{b.getI64Type()})
                     .getResult(0);
  int64_t tag = declareRouteCheck(
      b, align, describeRouteIdRange(align.getRouteIdBound()));
  return {status, i64(tag)};
}

/// Whether `op`'s output is read only where `op` wrote it: by GEMMs that
/// gather their rows through the same sorted route ids, or by a combine
/// that uses only the routes of the experts that `op`'s moe.align kept.
/// Rows that no live block owns (routes of experts outside the local range)
/// are never written; something that reads every row (a combine without
/// ids, an elementwise op) needs them zero, but these readers do not, so
/// the output needs no zero fill.
static bool readOnlyWhereWritten(GroupedMatmulOp op) {
  auto align = op.getSortedRouteIds().getDefiningOp<AlignOp>();
  return llvm::all_of(op->getUsers(), [&](Operation *user) {
    if (auto combine = dyn_cast<CombineOp>(user))
      return align && combine.getRoutes() == op.getResult() &&
             op.getBlockExpertIds() == align.getBlockExpertIds() &&
             combine.getIds() == align.getIds() &&
             combine.getExpertBegin() == align.getExpertBegin() &&
             combine.getNumExperts() == align.getNumExperts();
    auto next = dyn_cast<GroupedMatmulOp>(user);
    return next && next.getRows() == RowSource::Routes &&
           next.getA() == op.getResult() &&
           next.getSortedRouteIds() == op.getSortedRouteIds() &&
           next.getBlockExpertIds() == op.getBlockExpertIds();
  });
}

/// Replaces `op` by buffers and a launch of `kernel`; a GEMM's output is
/// zero-filled first unless `writtenRowsOnly` (readOnlyWhereWritten, decided
/// before any op was replaced).
static LogicalResult launch(Operation *op, gpu::GPUFuncOp kernel,
                            const ChipInfo &chip, bool writtenRowsOnly,
                            bool routeChecks) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  SmallVector<Value> args;
  for (Value operand : op->getOperands()) {
    if (!isa<RankedTensorType>(operand.getType())) {
      args.push_back(operand);
      continue;
    }
    args.push_back(bufferization::ToBufferOp::create(
        b, loc, bufferTypeOf(operand.getType()), operand, /*read_only=*/true));
  }
  SmallVector<Value> buffers;
  for (unsigned i = 0; i < op->getNumResults(); ++i) {
    Value buffer = memref::AllocOp::create(
        b, loc, bufferTypeOf(op->getResult(i).getType()),
        resultSizes(b, op, i, args), b.getI64IntegerAttr(256));
    if (isa<GroupedMatmulOp>(op) && !writtenRowsOnly) {
      Type element = getElementTypeOrSelf(buffer.getType());
      gpu::MemsetOp::create(
          b, loc, Type(), ValueRange{}, buffer,
          arith::ConstantOp::create(b, loc, b.getZeroAttr(element)));
    }
    buffers.push_back(buffer);
  }
  args.append(buffers);
  if (auto align = dyn_cast<AlignOp>(op))
    args.append(routeCheckArgs(b, loc, align, routeChecks));
  if (kernel.getNumArguments() != args.size() ||
      llvm::any_of(llvm::zip(kernel.getArgumentTypes(), args), [](auto pair) {
        return std::get<0>(pair) != std::get<1>(pair).getType();
      }))
    return op->emitOpError() << "internal: the arguments do not match the "
                                "signature of kernel "
                             << kernel.getName();
  gpu::KernelDim3 grid = emitLaunchGrid(b, loc, op, kernel, args, chip);
  if (auto align = dyn_cast<AlignOp>(op)) {
    grid.x = launchChunkedAlign(b, loc, align, kernel, args);
    if (!grid.x)
      return failure();
  }
  // A failed size check launches an empty grid (the runtime skips it) and
  // the runtime reports the check.
  ImplicitLocOpBuilder ib(loc, b);
  if (Value sizesOk = emitSizeChecks(ib, op, args))
    grid.x = arith::SelectOp::create(b, loc, sizesOk, grid.x,
                                     arith::ConstantIndexOp::create(b, loc, 0));
  std::optional<ArrayRef<int32_t>> block = kernel.getKnownBlockSize();
  auto threads = [&](int64_t d) {
    return arith::ConstantIndexOp::create(b, loc, (*block)[d]).getResult();
  };
  Value dynamicShared;
  if (auto bytes = kernel->getAttrOfType<IntegerAttr>(
          MoEDialect::getDynamicSharedBytesAttrName()))
    dynamicShared =
        arith::ConstantIntOp::create(b, loc, b.getI32Type(), bytes.getInt());
  gpu::LaunchFuncOp::create(b, loc, kernel, grid,
                            {threads(0), threads(1), threads(2)}, dynamicShared,
                            args);
  SmallVector<Value> results;
  for (auto [buffer, result] : llvm::zip(buffers, op->getResults()))
    results.push_back(bufferization::ToTensorOp::create(
        b, loc, result.getType(), buffer, /*restrict=*/true,
        /*writable=*/true));
  op->replaceAllUsesWith(results);
  op->erase();
  return success();
}

namespace {
struct ConvertMoEToGPULaunchPass
    : mlir::moe::impl::ConvertMoEToGPULaunchPassBase<
          ConvertMoEToGPULaunchPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    const ChipInfo *target = lookupChip(chip);
    if (!target) {
      module.emitError() << "unknown chip '" << chip << "'; expected one of "
                         << knownChipNames();
      return signalPassFailure();
    }
    if (failed(prepareForKernels(module, /*keepUnsupported=*/false)) ||
        failed(lowerCollectivesToCalls(module)))
      return signalPassFailure();
    lowerCheckSizeOps(module);
    SmallVector<std::pair<Operation *, std::string>> ops =
        collectKernelOps(module);
    if (ops.empty())
      return;
    KernelOptions kernelOptions;
    kernelOptions.gemmLoads = gemmLoads;
    kernelOptions.routeChecks = routeChecks;
    OpBuilder b(&getContext());
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    b.getUnitAttr());
    declareCheckState(module);
    b.setInsertionPointToEnd(module.getBody());
    // Which GEMM outputs need no zero fill, from the ops as they are now
    // (launch replaces the align whose results the test compares).
    llvm::SmallPtrSet<Operation *, 8> writtenRowsOnly;
    for (auto &entry : ops)
      if (auto gemm = dyn_cast<GroupedMatmulOp>(entry.first))
        if (readOnlyWhereWritten(gemm))
          writtenRowsOnly.insert(gemm);
    auto kernels = gpu::GPUModuleOp::create(
        b, module.getLoc(), "moe_kernels",
        b.getArrayAttr({getGPUTargetAttr(&getContext(), *target)}));
    for (auto &[op, name] : ops) {
      bool unsupported;
      FailureOr<gpu::GPUFuncOp> kernel = buildMoEKernel(
          b, kernels, op, *target, name, kernelOptions, unsupported);
      if (failed(kernel)) {
        if (unsupported)
          op->emitOpError()
              << "has no " << target->name << " kernel template yet";
        return signalPassFailure();
      }
      if (failed(launch(op, *kernel, *target, writtenRowsOnly.contains(op),
                        routeChecks)))
        return signalPassFailure();
    }
  }
};
} // namespace
