//===- KernelTemplates.cpp - the kernel template of each moe op -----------===//
//
// The kernel templates of gate, grouped GEMM, activation, combine and the
// norms (align's is AlignLaunch.cpp), the list of every template, and the
// helpers kernel builders share.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/KernelTemplate.h"

#include "OneShotAllReduce.h"
#include "QuantizeGrid.h"

#include "moe/Conversion/SizeChecks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::moe;

/// Dim `d` of buffer `v`: a constant when static, so that relations the
/// verifier proved fold to true and need no check.
static Value sizeOf(ImplicitLocOpBuilder &b, Value v, int64_t d) {
  int64_t size = cast<MemRefType>(v.getType()).getDimSize(d);
  if (!ShapedType::isDynamic(size))
    return arith::ConstantIndexOp::create(b, size).getResult();
  return memref::DimOp::create(b, v, d).getResult();
}

static Value dimOf(OpBuilder &b, Location loc, Value buffer, int64_t d) {
  return memref::DimOp::create(b, loc, buffer, d).getResult();
}

static Value idxOf(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v).getResult();
}

/// One thread per output element (per `perThread` of them) of the last
/// buffer of `args`.
static gpu::KernelDim3 elementwiseGrid(OpBuilder &b, Location loc,
                                       gpu::GPUFuncOp kernel, ValueRange args,
                                       int64_t perThread) {
  int64_t threads = (*kernel.getKnownBlockSize())[0] * perThread;
  Value out = args.back();
  Value total = arith::MulIOp::create(b, loc, dimOf(b, loc, out, 0),
                                      dimOf(b, loc, out, 1));
  Value one = idxOf(b, loc, 1);
  return {arith::CeilDivUIOp::create(b, loc, total, idxOf(b, loc, threads)),
          one, one};
}

/// One workgroup per row of the first operand.
static gpu::KernelDim3 rowGrid(OpBuilder &b, Location loc, ValueRange args) {
  Value one = idxOf(b, loc, 1);
  return {dimOf(b, loc, args[0], 0), one, one};
}

namespace {
/// The template of ops of type OpTy whose kernel `buildKernel` makes from
/// the op, the chip and the name.
template <typename OpTy, auto buildKernel>
class TemplateOf : public KernelTemplate {
public:
  StringRef opName() const final { return OpTy::getOperationName(); }
  FailureOr<gpu::GPUFuncOp> build(OpBuilder &b, gpu::GPUModuleOp module,
                                  Operation *op, const ChipInfo &chip,
                                  StringRef name,
                                  const KernelOptions &) const final {
    return buildKernel(b, module, cast<OpTy>(op), chip, name);
  }
};

/// A TemplateOf whose kernel takes one workgroup per row of the first
/// operand.
template <typename OpTy, auto buildKernel>
class RowTemplateOf : public TemplateOf<OpTy, buildKernel> {
public:
  FailureOr<gpu::KernelDim3> launchGrid(OpBuilder &b, Location loc, Operation *,
                                        gpu::GPUFuncOp, ValueRange args,
                                        const ChipInfo &) const override {
    return rowGrid(b, loc, args);
  }
};

/// moe.gate: one wave per token (GateKernel.cpp).
class GateTemplate : public RowTemplateOf<GateOp, buildGateKernel> {
public:
  void checkSizes(ImplicitLocOpBuilder &b, Operation *op, ValueRange args,
                  SmallVectorImpl<Value> &ok) const override {
    if (cast<GateOp>(op).getBias())
      ok.push_back(emitSizeCheck(b, op, sizeOf(b, args[1], 0),
                                 sizeOf(b, args[0], 1),
                                 "dim 0 of 'bias' must equal dim 1 of "
                                 "'logits' (E)"));
  }
};

/// Whether `op`'s output is read only where `op` wrote it: by GEMMs that
/// gather their rows through the same sorted route ids, or by a combine
/// that uses only the routes of the experts that `op`'s moe.align kept.
/// Rows that no live block owns (routes of experts outside the local range)
/// are never written; something that reads every row (a combine without
/// ids, an elementwise op) needs them zero, but these readers do not, so
/// the output needs no zero fill.
static bool readOnlyWhereWritten(GroupedMatmulOp op) {
  auto align = op.isRouteOrder()
                   ? AlignOp()
                   : op.getSortedRouteIds().getDefiningOp<AlignOp>();
  return llvm::all_of(op->getUsers(), [&](Operation *user) {
    if (auto combine = dyn_cast<CombineOp>(user)) {
      if (combine.getRoutes() != op.getResult())
        return false;
      // Route order writes the routes whose id is in [0, E).
      if (op.isRouteOrder())
        return combine.getIds() == op.getRouteIds() &&
               !combine.getExpertBegin() &&
               combine.getNumExperts() == op.getWType().getDimSize(0);
      return align && op.getBlockExpertIds() == align.getBlockExpertIds() &&
             combine.getIds() == align.getIds() &&
             combine.getExpertBegin() == align.getExpertBegin() &&
             combine.getNumExperts() == align.getNumExperts();
    }
    auto next = dyn_cast<GroupedMatmulOp>(user);
    return next && next.getRows() == RowSource::Routes &&
           next.getA() == op.getResult() &&
           next.getRouteIds() == op.getRouteIds() &&
           next.getSortedRouteIds() == op.getSortedRouteIds() &&
           next.getBlockExpertIds() == op.getBlockExpertIds();
  });
}

/// The index of the result buffer among the launch arguments (operands,
/// result, extra arguments).
static unsigned resultArgument(GroupedMatmulOp op) {
  return op->getNumOperands();
}

/// moe.grouped_matmul: a workgroup per row block and column block
/// (GroupedMatmulKernel.cpp, RowDotKernel.cpp).
class GroupedMatmulTemplate : public KernelTemplate {
public:
  StringRef opName() const override {
    return GroupedMatmulOp::getOperationName();
  }
  FailureOr<gpu::GPUFuncOp> build(OpBuilder &b, gpu::GPUModuleOp module,
                                  Operation *op, const ChipInfo &chip,
                                  StringRef name,
                                  const KernelOptions &options) const override {
    return buildGroupedMatmulKernel(b, module, cast<GroupedMatmulOp>(op), chip,
                                    name, options);
  }
  bool zeroFillsResults(Operation *op) const override {
    // A GEMM that sums the routes writes every token's row.
    auto gemm = cast<GroupedMatmulOp>(op);
    return !gemm.getSumRoutes() && !readOnlyWhereWritten(gemm);
  }
  SmallVector<Value>
  extraArguments(OpBuilder &b, Location loc, Operation *op,
                 const KernelOptions &options) const override {
    // Route order reports the ids outside [0, E) as moe.align does.
    auto gemm = cast<GroupedMatmulOp>(op);
    if (!gemm.isRouteOrder())
      return {};
    return routeCheckArguments(b, loc, op, gemm.getWType().getDimSize(0),
                               options.routeChecks);
  }
  FailureOr<gpu::KernelDim3> launchGrid(OpBuilder &b, Location loc,
                                        Operation *op, gpu::GPUFuncOp,
                                        ValueRange args,
                                        const ChipInfo &chip) const override {
    // Row blocks: R_max / block_m, or fewer when few experts can have
    // routes. The padded count sums roundup(c_e, block_m) over the experts
    // with c_e > 0 routes, at most routes + min(E_l, routes) * (block_m - 1):
    // at T = 1 of 128 experts and k = 8, 8 blocks instead of 121 (the
    // kernel's blocks past the count exit, but each is still scheduled).
    auto gemm = cast<GroupedMatmulOp>(op);
    int64_t blockM = gemm.getBlockMAttr().getInt();
    Value routes = dimOf(b, loc, args[0], 0);
    if (gemm.getRows() == RowSource::Tokens)
      routes = arith::MulIOp::create(
          b, loc, routes, idxOf(b, loc, gemm.getTopKAttr().getInt()));
    auto columnBlocks = [&]() -> Value {
      return arith::CeilDivUIOp::create(
          b, loc, dimOf(b, loc, args[resultArgument(gemm)], 1),
          idxOf(b, loc, groupedMatmulBlockN(gemm, chip)));
    };
    // Route order: a block per route, or per token when the GEMM sums
    // each token's routes.
    if (gemm.isRouteOrder())
      return gpu::KernelDim3{gemm.getSumRoutes()
                                 ? dimOf(b, loc, args[resultArgument(gemm)], 0)
                                 : routes,
                             columnBlocks(), idxOf(b, loc, 1)};
    Value experts =
        arith::MinUIOp::create(b, loc, dimOf(b, loc, args[1], 0), routes);
    Value padded = arith::AddIOp::create(
        b, loc, routes,
        arith::MulIOp::create(b, loc, experts, idxOf(b, loc, blockM - 1)));
    Value filledBlocks =
        arith::CeilDivUIOp::create(b, loc, padded, idxOf(b, loc, blockM));
    Value maxBlocks = arith::DivUIOp::create(b, loc, dimOf(b, loc, args[2], 0),
                                             idxOf(b, loc, blockM));
    Value rows = arith::MinUIOp::create(b, loc, filledBlocks, maxBlocks);
    return gpu::KernelDim3{rows, columnBlocks(), idxOf(b, loc, 1)};
  }
  void checkSizes(ImplicitLocOpBuilder &b, Operation *op, ValueRange args,
                  SmallVectorImpl<Value> &ok) const override {
    auto gemm = cast<GroupedMatmulOp>(op);
    ok.push_back(emitSizeCheck(b, op, sizeOf(b, args[1], 2),
                               sizeOf(b, args[0], 1),
                               "dim 2 of 'w' must equal dim 1 of 'a' (K)"));
    int64_t topK = gemm.getTopKAttr().getInt();
    if (gemm.isRouteOrder()) {
      // The kernel reads ids[r / k, r % k] for every route r of a.
      Value ids = args[2], k = arith::ConstantIndexOp::create(b, topK);
      ok.push_back(emitSizeCheck(b, op, sizeOf(b, ids, 1), k,
                                 "dim 1 of 'route_ids' must equal top_k"));
      if (gemm.getRows() == RowSource::Tokens)
        ok.push_back(
            emitSizeCheck(b, op, sizeOf(b, ids, 0), sizeOf(b, args[0], 0),
                          "dim 0 of 'route_ids' must equal dim 0 of 'a' (T)"));
      else
        ok.push_back(emitSizeCheck(
            b, op, arith::MulIOp::create(b, sizeOf(b, ids, 0), k),
            sizeOf(b, args[0], 0),
            "dim 0 of 'route_ids' times top_k must equal dim 0 of 'a' "
            "(T * k)"));
    }
    if (!gemm.getWeights())
      return;
    Value weights = args[gemm.isRouteOrder() ? 3 : 5];
    if (gemm.getRows() == RowSource::Tokens) {
      ok.push_back(emitSizeCheck(b, op, sizeOf(b, weights, 0),
                                 sizeOf(b, args[0], 0),
                                 "dim 0 of 'weights' must equal dim 0 of 'a' "
                                 "(T)"));
      ok.push_back(emitSizeCheck(
          b, op, sizeOf(b, weights, 1),
          arith::ConstantIndexOp::create(b, gemm.getTopKAttr().getInt()),
          "dim 1 of 'weights' must equal top_k"));
      return;
    }
    Value routes =
        arith::MulIOp::create(b, sizeOf(b, weights, 0), sizeOf(b, weights, 1));
    ok.push_back(emitSizeCheck(b, op, sizeOf(b, args[0], 0), routes,
                               "dim 0 of 'a' must equal dim 0 times dim 1 "
                               "of 'weights' (T * k)"));
  }
};

/// moe.activation: one thread per output element (ElementwiseKernels.cpp).
class ActivationTemplate
    : public TemplateOf<ActivationOp, buildActivationKernel> {
public:
  FailureOr<gpu::KernelDim3> launchGrid(OpBuilder &b, Location loc, Operation *,
                                        gpu::GPUFuncOp kernel, ValueRange args,
                                        const ChipInfo &) const override {
    return elementwiseGrid(b, loc, kernel, args, 1);
  }
};

/// moe.combine: one thread per run of output columns
/// (ElementwiseKernels.cpp).
class CombineTemplate : public TemplateOf<CombineOp, buildCombineKernel> {
public:
  FailureOr<gpu::KernelDim3> launchGrid(OpBuilder &b, Location loc,
                                        Operation *op, gpu::GPUFuncOp kernel,
                                        ValueRange args,
                                        const ChipInfo &) const override {
    return elementwiseGrid(b, loc, kernel, args,
                           combineVectorWidth(cast<CombineOp>(op)));
  }
  void checkSizes(ImplicitLocOpBuilder &b, Operation *op, ValueRange args,
                  SmallVectorImpl<Value> &ok) const override {
    Value routes =
        arith::MulIOp::create(b, sizeOf(b, args[1], 0), sizeOf(b, args[1], 1));
    ok.push_back(emitSizeCheck(b, op, sizeOf(b, args[0], 0), routes,
                               "dim 0 of 'routes' must equal dim 0 times dim "
                               "1 of 'scale' (T * k)"));
    if (cast<CombineOp>(op).getIds())
      ok.push_back(emitSizeCheck(b, op, sizeOf(b, args[2], 0),
                                 sizeOf(b, args[1], 0),
                                 "dim 0 of 'ids' must equal dim 0 of 'scale' "
                                 "(T)"));
  }
};

/// moe.rms_norm and moe.add_rms_norm: one wave per row
/// (ElementwiseKernels.cpp).
template <typename NormOp>
class RMSNormTemplate : public RowTemplateOf<NormOp, buildRMSNormKernel> {
public:
  void checkSizes(ImplicitLocOpBuilder &b, Operation *op, ValueRange args,
                  SmallVectorImpl<Value> &ok) const override {
    constexpr bool withResidual = std::is_same_v<NormOp, AddRMSNormOp>;
    Value weight = args[withResidual ? 2 : 1];
    ok.push_back(emitSizeCheck(b, op, sizeOf(b, weight, 0),
                               sizeOf(b, args[0], 1),
                               "dim 0 of 'weight' must equal the last dim of "
                               "'x' (H)"));
    if (!withResidual)
      return;
    ok.push_back(emitSizeCheck(b, op, sizeOf(b, args[1], 0),
                               sizeOf(b, args[0], 0),
                               "dim 0 of 'residual' must equal dim 0 of 'x'"));
    ok.push_back(emitSizeCheck(b, op, sizeOf(b, args[1], 1),
                               sizeOf(b, args[0], 1),
                               "dim 1 of 'residual' must equal dim 1 of 'x'"));
  }
};

/// moe.all_reduce_add_rms_norm over several ranks, where prepareCollectives
/// left it: the one-shot kernel (OneShotAllReduceKernel.cpp), its peer table
/// from the runtime, a grid of its plan's workgroups at most.
class OneShotAllReduceTemplate
    : public TemplateOf<AllReduceAddRMSNormOp, buildOneShotAllReduceKernel> {
public:
  SmallVector<Value> extraArguments(OpBuilder &b, Location loc, Operation *op,
                                    const KernelOptions &) const override {
    auto fused = cast<AllReduceAddRMSNormOp>(op);
    // The group's size was found when the kernel was built; the guard
    // around the op has checked the rows (0 here: no check).
    int64_t size = *lookupGroupSize(op, fused.getGroup());
    Value none = idxOf(b, loc, 0);
    return {
        callOneShotTable(b, loc, fused, size, none, none, kOneShotMaxBytes)};
  }
  FailureOr<gpu::KernelDim3> launchGrid(OpBuilder &b, Location loc,
                                        Operation *op, gpu::GPUFuncOp,
                                        ValueRange args,
                                        const ChipInfo &chip) const override {
    auto fused = cast<AllReduceAddRMSNormOp>(op);
    OneShotPlan plan = planOneShotAllReduce(
        fused, chip, *lookupGroupSize(op, fused.getGroup()));
    Value one = idxOf(b, loc, 1);
    return gpu::KernelDim3{
        arith::MinUIOp::create(b, loc, dimOf(b, loc, args[0], 0),
                               idxOf(b, loc, plan.maxWorkgroups)),
        one, one};
  }
  void checkSizes(ImplicitLocOpBuilder &b, Operation *op, ValueRange args,
                  SmallVectorImpl<Value> &ok) const override {
    ok.push_back(emitSizeCheck(b, op, sizeOf(b, args[2], 0),
                               sizeOf(b, args[0], 1),
                               "dim 0 of 'weight' must equal the last dim of "
                               "'x' (H)"));
    for (int64_t d = 0; d < 2; ++d)
      ok.push_back(emitSizeCheck(
          b, op, sizeOf(b, args[1], d), sizeOf(b, args[0], d),
          d == 0 ? "dim 0 of 'residual' must equal dim 0 of 'x'"
                 : "dim 1 of 'residual' must equal dim 1 of 'x'"));
  }
};
/// moe.quantize: one workgroup per row of the input and chunk of its scale
/// groups (QuantizeKernel.cpp).
class QuantizeTemplate : public TemplateOf<QuantizeOp, buildQuantizeKernel> {
public:
  FailureOr<gpu::KernelDim3> launchGrid(OpBuilder &b, Location loc,
                                        Operation *op, gpu::GPUFuncOp,
                                        ValueRange args,
                                        const ChipInfo &) const override {
    Value one = idxOf(b, loc, 1);
    return gpu::KernelDim3{dimOf(b, loc, args[0], 0),
                           quantizeGroupChunks(b, loc, cast<QuantizeOp>(op),
                                               dimOf(b, loc, args[0], 1)),
                           one};
  }
};
} // namespace

ArrayRef<const KernelTemplate *> mlir::moe::kernelTemplates() {
  // A new op with a kernel: its template here.
  static const GateTemplate gate;
  static const GroupedMatmulTemplate groupedMatmul;
  static const ActivationTemplate activation;
  static const CombineTemplate combine;
  static const RMSNormTemplate<RMSNormOp> rmsNorm;
  static const RMSNormTemplate<AddRMSNormOp> addRMSNorm;
  static const OneShotAllReduceTemplate oneShotAllReduce;
  static const QuantizeTemplate quantize;
  static const KernelTemplate *const all[] = {
      &gate,          &alignKernelTemplate(),
      &groupedMatmul, &activation,
      &combine,       &rmsNorm,
      &addRMSNorm,    &oneShotAllReduce,
      &quantize};
  return all;
}

const KernelTemplate *mlir::moe::kernelTemplateOf(Operation *op) {
  for (const KernelTemplate *t : kernelTemplates())
    if (op->getName().getStringRef() == t->opName())
      return t;
  return nullptr;
}

FailureOr<gpu::GPUFuncOp>
mlir::moe::buildMoEKernel(OpBuilder &b, gpu::GPUModuleOp module, Operation *op,
                          const ChipInfo &chip, StringRef name,
                          const KernelOptions &options, bool &unsupported) {
  const KernelTemplate *kernelTemplate = kernelTemplateOf(op);
  unsupported = !kernelTemplate;
  if (!kernelTemplate)
    return failure();
  return kernelTemplate->build(b, module, op, chip, name, options);
}

SmallVector<std::pair<Operation *, std::string>>
mlir::moe::collectKernelOps(ModuleOp module) {
  SmallVector<std::pair<Operation *, std::string>> ops;
  module.walk([&](Operation *op) {
    // Collectives are calls and size checks host code, not kernels; the
    // fused all_reduce + norm that prepareCollectives kept is one.
    if (!isa<MoEDialect>(op->getDialect()) ||
        (isa<CollectiveOpInterface>(op) && !isa<AllReduceAddRMSNormOp>(op)) ||
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
