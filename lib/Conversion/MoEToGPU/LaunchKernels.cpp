//===- LaunchKernels.cpp - moe ops to launches of their kernels -----------===//
//
// convert-moe-to-gpu-launch: each moe op becomes buffers and a
// gpu.launch_func of its kernel template, one conversion pattern per template.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/Passes.h"

#include "moe/Conversion/CollectiveCalls.h"
#include "moe/Conversion/KernelTemplate.h"
#include "moe/Conversion/SizeChecks.h"
#include "moe/Passes/Passes.h"
#include "moe/Target/TargetAttr.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
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
    if (isa<ActivationOp, RMSNormOp, AddRMSNormOp, AllReduceAddRMSNormOp>(op) &&
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

KernelBufferTypeConverter::KernelBufferTypeConverter() {
  // Conversions added later are tried first.
  addConversion([](Type type) { return type; });
  addConversion(
      [](RankedTensorType type) -> Type { return bufferTypeOf(type); });
  addTargetMaterialization([](OpBuilder &b, MemRefType type, ValueRange inputs,
                              Location loc) -> Value {
    if (inputs.size() != 1 || !isa<TensorType>(inputs[0].getType()))
      return Value();
    return bufferization::ToBufferOp::create(b, loc, type, inputs[0],
                                             /*read_only=*/true);
  });
  addSourceMaterialization([](OpBuilder &b, TensorType type, ValueRange inputs,
                              Location loc) -> Value {
    if (inputs.size() != 1 || !isa<MemRefType>(inputs[0].getType()))
      return Value();
    return bufferization::ToTensorOp::create(b, loc, type, inputs[0],
                                             /*restrict=*/true,
                                             /*writable=*/true);
  });
}

LogicalResult
mlir::moe::buildKernels(gpu::GPUModuleOp module,
                        ArrayRef<std::pair<Operation *, std::string>> ops,
                        KernelLaunchState &state) {
  OpBuilder b(module.getContext());
  for (auto &[op, name] : ops) {
    const KernelTemplate *kernelTemplate = kernelTemplateOf(op);
    if (!kernelTemplate) {
      InFlightDiagnostic diag = op->emitOpError()
                                << "has no " << state.chip.name
                                << " kernel template yet";
      // moe.experts reaches here only when --moe-expand-experts refused it.
      if (auto experts = dyn_cast<ExpertsOp>(op);
          experts && experts.isQuantized())
        diag << " (quantized weights or activations run on the CPU "
                "reference only so far)";
      return diag;
    }
    // Decided on the program as written: the launches replace the readers.
    if (kernelTemplate->zeroFillsResults(op))
      state.zeroFilled.insert(op);
    FailureOr<gpu::GPUFuncOp> kernel =
        kernelTemplate->build(b, module, op, state.chip, name, state.options);
    if (failed(kernel))
      return failure();
    state.kernels[op] = *kernel;
  }
  return success();
}

namespace {
/// The launch of one op's kernel (KernelTemplate): its operands as buffers
/// (the type converter's), a buffer per result sized by the op's
/// reifyResultShapes, and a gpu.launch_func whose grid is empty when a size
/// check fails (the runtime skips it and reports the check).
class LaunchKernelPattern : public ConversionPattern {
public:
  LaunchKernelPattern(const TypeConverter &converter, MLIRContext *ctx,
                      const KernelTemplate &kernelTemplate,
                      KernelLaunchState &state)
      : ConversionPattern(converter, kernelTemplate.opName(), /*benefit=*/1,
                          ctx),
        kernelTemplate(kernelTemplate), state(state) {}

  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    gpu::GPUFuncOp kernel = state.kernels.lookup(op);
    if (!kernel)
      return rewriter.notifyMatchFailure(op, "no kernel was built for it");
    Location loc = op->getLoc();
    SmallVector<Value> buffers;
    if (failed(allocateResults(rewriter, op, buffers)))
      return failure();
    SmallVector<Value> args(operands);
    args.append(buffers);
    args.append(
        kernelTemplate.extraArguments(rewriter, loc, op, state.options));
    if (kernel.getNumArguments() != args.size() ||
        llvm::any_of(llvm::zip(kernel.getArgumentTypes(), args), [](auto pair) {
          return std::get<0>(pair) != std::get<1>(pair).getType();
        }))
      return op->emitOpError() << "internal: the arguments do not match the "
                                  "signature of kernel "
                               << kernel.getName();
    FailureOr<gpu::KernelDim3> grid =
        kernelTemplate.launchGrid(rewriter, loc, op, kernel, args, state.chip);
    if (failed(grid))
      return failure();
    ImplicitLocOpBuilder ib(loc, rewriter);
    SmallVector<Value> ok;
    kernelTemplate.checkSizes(ib, op, args, ok);
    Value sizesOk;
    for (Value v : ok)
      if (!matchPattern(v, m_One()))
        sizesOk =
            sizesOk ? arith::AndIOp::create(ib, sizesOk, v).getResult() : v;
    if (sizesOk)
      grid->x = arith::SelectOp::create(ib, sizesOk, grid->x,
                                        arith::ConstantIndexOp::create(ib, 0));
    ArrayRef<int32_t> block = *kernel.getKnownBlockSize();
    auto threads = [&](int64_t d) {
      return arith::ConstantIndexOp::create(ib, block[d]).getResult();
    };
    Value dynamicShared;
    if (auto bytes = kernel->getAttrOfType<IntegerAttr>(
            MoEDialect::getDynamicSharedBytesAttrName()))
      dynamicShared =
          arith::ConstantIntOp::create(ib, ib.getI32Type(), bytes.getInt());
    gpu::LaunchFuncOp::create(ib, kernel, *grid,
                              {threads(0), threads(1), threads(2)},
                              dynamicShared, args);
    rewriter.replaceOp(op, buffers);
    return success();
  }

private:
  /// A buffer per result of `op`, zero-filled where the state says.
  LogicalResult allocateResults(ConversionPatternRewriter &rewriter,
                                Operation *op,
                                SmallVectorImpl<Value> &buffers) const {
    Location loc = op->getLoc();
    ReifiedRankedShapedTypeDims shapes;
    if (failed(reifyResultShapes(rewriter, op, shapes)))
      return op->emitOpError() << "internal: its result sizes are unknown";
    for (auto [result, shape] : llvm::zip(op->getResults(), shapes)) {
      auto type = getTypeConverter()->convertType<MemRefType>(result.getType());
      SmallVector<Value> sizes;
      for (auto [d, size] : llvm::enumerate(shape))
        if (type.isDynamicDim(d))
          sizes.push_back(getValueOrCreateConstantIndexOp(rewriter, loc, size));
      Value buffer = memref::AllocOp::create(rewriter, loc, type, sizes,
                                             rewriter.getI64IntegerAttr(256));
      if (state.zeroFilled.contains(op))
        gpu::MemsetOp::create(
            rewriter, loc, Type(), ValueRange{}, buffer,
            arith::ConstantOp::create(
                rewriter, loc, rewriter.getZeroAttr(type.getElementType())));
      buffers.push_back(buffer);
    }
    return success();
  }

  const KernelTemplate &kernelTemplate;
  KernelLaunchState &state;
};
} // namespace

void mlir::moe::populateMoEToGPUConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns,
    KernelLaunchState &state) {
  for (const KernelTemplate *kernelTemplate : kernelTemplates())
    patterns.add<LaunchKernelPattern>(converter, patterns.getContext(),
                                      *kernelTemplate, state);
}

namespace {
struct ConvertMoEToGPULaunchPass
    : mlir::moe::impl::ConvertMoEToGPULaunchPassBase<
          ConvertMoEToGPULaunchPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    const ChipInfo *chip = lookupChip(target);
    if (!chip) {
      module.emitError() << "unknown chip '" << target << "'; expected one of "
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
    KernelLaunchState state{*chip};
    state.options.gemmLoads = gemmLoads;
    state.options.routeChecks = routeChecks;
    OpBuilder b(&getContext());
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    b.getUnitAttr());
    declareCheckState(module);
    b.setInsertionPointToEnd(module.getBody());
    auto kernels = gpu::GPUModuleOp::create(
        b, module.getLoc(), "moe_kernels",
        b.getArrayAttr({getGPUTargetAttr(&getContext(), *chip)}));
    if (failed(buildKernels(kernels, ops, state)))
      return signalPassFailure();
    ConversionTarget conversionTarget(getContext());
    conversionTarget.addIllegalDialect<MoEDialect>();
    conversionTarget.markUnknownOpDynamicallyLegal(
        [](Operation *) { return true; });
    KernelBufferTypeConverter converter;
    RewritePatternSet patterns(&getContext());
    populateMoEToGPUConversionPatterns(converter, patterns, state);
    if (failed(applyPartialConversion(module, conversionTarget,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
