//===- IREEModule.cpp - the host program as an IREE input module
//-----------===//
//
// buildIREEModule (include/moe/Target/IREEModule.h): host functions on
// memrefs become functions on tensors; a launch becomes a
// hal.dispatch.extern, whose written buffers are results tied to their
// arguments. Each buffer's current tensor is kept in a map as launches
// write it.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/IREEModule.h"

#include "moe/Conversion/SizeChecks.h"
#include "moe/Target/IREEKernelABI.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::moe;

std::string mlir::moe::ireeObjectPath(StringRef module, StringRef chip) {
  return (module + "." + chip + ".hsaco").str();
}

/// `#hal.<data>` or `!hal.<data>`: IREE's attributes and types, opaque here.
static Attribute halAttr(MLIRContext *ctx, StringRef data) {
  return OpaqueAttr::get(StringAttr::get(ctx, "hal"), data, NoneType::get(ctx));
}

/// Whether `op` takes and gives only integers, indices and floats.
static bool isScalarOp(Operation *op) {
  auto scalar = [](Type t) { return t.isIntOrIndexOrFloat(); };
  return llvm::all_of(op->getOperandTypes(), scalar) &&
         llvm::all_of(op->getResultTypes(), scalar);
}

/// A run-time size check (an scf.if that only records a mismatch in the
/// moe_check_state global for the moe runtime to report).
static bool isHostCheck(scf::IfOp op) {
  if (op.getNumResults() != 0)
    return false;
  auto isCheckState = [](Value v) {
    auto global = v.getDefiningOp<memref::GetGlobalOp>();
    return global && global.getName() == kCheckStateSymbol;
  };
  // Scalar arithmetic, nested ifs, and loads and stores of the check state.
  WalkResult walk = op.walk([&](Operation *inner) {
    if (inner == op.getOperation() || isa<scf::IfOp, scf::YieldOp>(inner))
      return WalkResult::advance();
    if (auto global = dyn_cast<memref::GetGlobalOp>(inner))
      return isCheckState(global.getResult()) ? WalkResult::advance()
                                              : WalkResult::interrupt();
    if (auto load = dyn_cast<memref::LoadOp>(inner))
      return isCheckState(load.getMemRef()) ? WalkResult::advance()
                                            : WalkResult::interrupt();
    if (auto store = dyn_cast<memref::StoreOp>(inner))
      return isCheckState(store.getMemRef()) ? WalkResult::advance()
                                             : WalkResult::interrupt();
    return isScalarOp(inner) && isMemoryEffectFree(inner)
               ? WalkResult::advance()
               : WalkResult::interrupt();
  });
  return !walk.wasInterrupted();
}

namespace {
/// Converts the host functions of one program.
class HostToIREE {
public:
  HostToIREE(ModuleOp program, ModuleOp out, ArrayRef<const ChipInfo *> chips,
             StringRef suffix)
      : program(program), out(out), chips(chips), suffix(suffix),
        ctx(program.getContext()) {}

  LogicalResult convertFunction(func::FuncOp func) {
    SmallVector<Type> inputs, results;
    if (failed(convertTypes(func, func.getArgumentTypes(), inputs)) ||
        failed(convertTypes(func, func.getResultTypes(), results)))
      return failure();
    OpBuilder b = OpBuilder::atBlockEnd(out.getBody());
    auto converted =
        func::FuncOp::create(b, func.getLoc(), (func.getName() + suffix).str(),
                             b.getFunctionType(inputs, results));
    converted.setVisibility(func.getVisibility());
    Block *entry = converted.addEntryBlock();
    map.clear();
    views.clear();
    for (auto [from, to] :
         llvm::zip(func.getArguments(), entry->getArguments()))
      map.map(from, to);
    b.setInsertionPointToEnd(entry);
    return convertBlock(func.front(), b);
  }

private:
  LogicalResult convertTypes(Operation *op, TypeRange types,
                             SmallVectorImpl<Type> &out) {
    for (Type type : types) {
      auto memref = dyn_cast<MemRefType>(type);
      if (!memref) {
        out.push_back(type);
        continue;
      }
      if (!isIREEBinding(memref))
        return op->emitError()
               << "--emit=iree: expected contiguous row-major buffers in "
                  "the default memory space, found "
               << type;
      out.push_back(
          RankedTensorType::get(memref.getShape(), memref.getElementType()));
    }
    return success();
  }

  /// The tensors' dynamic sizes.
  SmallVector<Value> dynamicDims(OpBuilder &b, Location loc,
                                 ArrayRef<Value> tensors) {
    SmallVector<Value> dims;
    for (Value t : tensors) {
      auto type = cast<RankedTensorType>(t.getType());
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (type.isDynamicDim(d))
          dims.push_back(tensor::DimOp::create(b, loc, t, d));
    }
    return dims;
  }

  LogicalResult convertBlock(Block &block, OpBuilder &b) {
    for (Operation &op : block)
      if (failed(convertOp(&op, b)))
        return failure();
    return success();
  }

  LogicalResult convertOp(Operation *op, OpBuilder &b) {
    Location loc = op->getLoc();
    auto mapped = [&](ValueRange values) {
      return llvm::map_to_vector(values,
                                 [&](Value v) { return current(b, v); });
    };
    if (isa<memref::DeallocOp>(op))
      return success();
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      func::ReturnOp::create(b, loc, mapped(ret.getOperands()));
      return success();
    }
    if (auto yield = dyn_cast<scf::YieldOp>(op)) {
      // A buffer made outside the branch would alias the if's result.
      for (Value v : yield.getOperands())
        if (isa<BaseMemRefType>(v.getType()) &&
            !regions.back()->isAncestor(rootOf(v).getParentRegion()))
          return op->emitError()
                 << "--emit=iree: expected a branch to yield buffers it made, "
                    "found one made outside it (an alias tensors cannot "
                    "express)";
      scf::YieldOp::create(b, loc, mapped(yield.getOperands()));
      return success();
    }
    if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
      MemRefType type = alloc.getType();
      map.map(alloc.getResult(),
              tensor::EmptyOp::create(b, loc, type.getShape(),
                                      type.getElementType(),
                                      mapped(alloc.getDynamicSizes())));
      return success();
    }
    if (auto dim = dyn_cast<memref::DimOp>(op)) {
      map.map(dim.getResult(),
              tensor::DimOp::create(b, loc, current(b, dim.getSource()),
                                    map.lookup(dim.getIndex())));
      return success();
    }
    if (auto memset = dyn_cast<gpu::MemsetOp>(op)) {
      if (views.count(memset.getDst()) ||
          !memset.getAsyncDependencies().empty())
        return op->emitError() << "--emit=iree: expected a synchronous fill "
                                  "of a whole buffer, found a fill of a view "
                                  "or an asynchronous one";
      if (failed(checkWritable(op, memset.getDst())))
        return failure();
      map.map(memset.getDst(),
              linalg::FillOp::create(b, loc, map.lookup(memset.getValue()),
                                     map.lookup(memset.getDst()))
                  .getResult(0));
      return success();
    }
    if (isa<memref::CastOp, memref::CollapseShapeOp, memref::ExpandShapeOp>(op))
      return convertView(op, b);
    if (auto call = dyn_cast<func::CallOp>(op)) {
      auto callee = program.lookupSymbol<func::FuncOp>(call.getCallee());
      if (!callee || callee.isExternal())
        return op->emitError()
               << "--emit=iree: expected calls of host functions, found a "
                  "call of the runtime's @"
               << call.getCallee() << ", which has no IREE form yet";
      SmallVector<Type> results;
      if (failed(convertTypes(op, call.getResultTypes(), results)))
        return failure();
      auto converted =
          func::CallOp::create(b, loc, (call.getCallee() + suffix).str(),
                               results, mapped(call.getOperands()));
      map.map(call.getResults(), converted.getResults());
      return success();
    }
    if (auto branch = dyn_cast<scf::IfOp>(op))
      return isHostCheck(branch) ? success() : convertIf(branch, b);
    if (auto launch = dyn_cast<gpu::LaunchFuncOp>(op))
      return convertLaunch(launch, b);
    if (isScalarOp(op) && op->getNumRegions() == 0 && isMemoryEffectFree(op)) {
      b.clone(*op, map);
      return success();
    }
    InFlightDiagnostic error =
        op->emitError()
        << "--emit=iree: expected host code of buffers, sizes, launches, "
           "calls, scf.if and scalar arithmetic, found '"
        << op->getName() << "'";
    if (auto global = dyn_cast<memref::GetGlobalOp>(op))
      error << " (global @" << global.getName() << ")";
    return error << ", which has no IREE form yet";
  }

  /// A cast or reshape of a buffer is taken where it is used (current), of
  /// the buffer's tensor then: launches may write the buffer in between.
  LogicalResult convertView(Operation *op, OpBuilder &b) {
    SmallVector<Type> types;
    if (failed(convertTypes(op, op->getResultTypes(), types)))
      return failure();
    views[op->getResult(0)] = op;
    return success();
  }

  /// The tensor of `value` now: its map entry, or a view of its buffer's
  /// current tensor, built at `b`.
  Value current(OpBuilder &b, Value value) {
    Operation *view = views.lookup(value);
    if (!view)
      return map.lookup(value);
    Location loc = view->getLoc();
    Value source = current(b, view->getOperand(0));
    auto type = cast<MemRefType>(value.getType());
    auto tensorType =
        RankedTensorType::get(type.getShape(), type.getElementType());
    if (isa<memref::CastOp>(view))
      return tensor::CastOp::create(b, loc, tensorType, source);
    if (auto collapse = dyn_cast<memref::CollapseShapeOp>(view))
      return tensor::CollapseShapeOp::create(
          b, loc, source, collapse.getReassociationIndices());
    auto expand = cast<memref::ExpandShapeOp>(view);
    SmallVector<OpFoldResult> shape;
    for (OpFoldResult size : expand.getMixedOutputShape())
      shape.push_back(isa<Value>(size) ? map.lookup(cast<Value>(size)) : size);
    return tensor::ExpandShapeOp::create(
        b, loc, tensorType, source, expand.getReassociationIndices(), shape);
  }

  LogicalResult convertIf(scf::IfOp branch, OpBuilder &b) {
    SmallVector<Type> results;
    if (failed(convertTypes(branch, branch.getResultTypes(), results)))
      return failure();
    auto converted = scf::IfOp::create(
        b, branch.getLoc(), results, map.lookup(branch.getCondition()),
        /*withElseRegion=*/!branch.getElseRegion().empty());
    for (auto [from, to] :
         llvm::zip(branch->getRegions(), converted->getRegions())) {
      if (from.empty())
        continue;
      Block &block = to.front();
      if (!block.empty())
        block.getTerminator()->erase();
      OpBuilder inner = OpBuilder::atBlockEnd(&block);
      regions.push_back(&from);
      LogicalResult result = convertBlock(from.front(), inner);
      regions.pop_back();
      if (failed(result))
        return failure();
    }
    map.map(branch.getResults(), converted.getResults());
    return success();
  }

  /// A launch as hal.dispatch.extern: workload = the grid, count = the
  /// workload; arguments = the bindings' tensors, then the i32 constants.
  LogicalResult convertLaunch(gpu::LaunchFuncOp launch, OpBuilder &b) {
    Location loc = launch.getLoc();
    auto kernel = SymbolTable::lookupNearestSymbolFrom<gpu::GPUFuncOp>(
        launch, launch.getKernel());
    if (!kernel)
      return launch.emitError()
             << "--emit=iree: no kernel " << launch.getKernel();
    FailureOr<IREEKernelABI> abi = planIREEKernelABI(kernel);
    if (failed(abi))
      return failure();
    if (launch.getDynamicSharedMemorySize())
      return launch.emitError()
             << "--emit=iree: " << kernel.getName()
             << " takes dynamic shared memory, which the IREE module does not "
                "carry yet (expected none)";
    FailureOr<SmallVector<int64_t, 3>> workgroupSize =
        constantWorkgroupSize(launch, kernel.getName(), "--emit=iree");
    if (failed(workgroupSize))
      return failure();

    SmallVector<Value> operands;
    for (Value v : launch.getKernelOperands()) {
      Value m = current(b, v);
      if (!m)
        return launch.emitError()
               << "--emit=iree: a kernel operand of " << kernel.getName()
               << " is a buffer view, which has no IREE form yet";
      operands.push_back(m);
    }
    SmallVector<Value> tensors, arguments;
    for (unsigned arg : abi->bindings)
      tensors.push_back(operands[arg]);
    arguments = tensors;
    llvm::append_range(arguments,
                       packIREEConstants(b, loc, *abi, operands,
                                         [&](Value t, unsigned d) -> Value {
                                           return tensor::DimOp::create(b, loc,
                                                                        t, d);
                                         }));
    SmallVector<Value> argumentDims = dynamicDims(b, loc, tensors);

    SmallVector<Type> resultTypes;
    SmallVector<Value> resultTensors;
    SmallVector<Attribute> tied;
    std::string bindings;
    for (auto [i, written] : llvm::enumerate(abi->written)) {
      Value original = launch.getKernelOperands()[abi->bindings[i]];
      bindings += llvm::formatv("{0}#hal.pipeline.binding<storage_buffer{1}>",
                                i ? ", " : "", written ? "" : ", ReadOnly");
      if (!written)
        continue;
      if (Operation *view = views.lookup(original))
        if (views.count(view->getOperand(0)))
          return launch.emitError()
                 << "--emit=iree: " << kernel.getName()
                 << " writes a view of a view of a buffer, which has no IREE "
                    "form yet";
      if (llvm::count(launch.getKernelOperands(), original) > 1)
        return launch.emitError()
               << "--emit=iree: " << kernel.getName()
               << " writes a buffer it also takes as another argument; "
                  "expected distinct buffers";
      if (failed(checkWritable(launch, original)))
        return failure();
      resultTypes.push_back(tensors[i].getType());
      resultTensors.push_back(tensors[i]);
      tied.push_back(b.getIndexAttr(i));
    }
    SmallVector<Value> resultDims = dynamicDims(b, loc, resultTensors);
    SmallVector<Value> workload = {map.lookup(launch.getGridSizeX()),
                                   map.lookup(launch.getGridSizeY()),
                                   map.lookup(launch.getGridSizeZ())};

    SmallVector<Attribute> targets, ordinals, objects;
    for (auto [i, chip] : llvm::enumerate(chips)) {
      targets.push_back(halAttr(
          ctx, llvm::formatv("executable.target<\"rocm\", \"rocm-hsaco-fb\", "
                             "{{target_arch = \"{0}\"}>",
                             chip->name)
                   .str()));
      ordinals.push_back(b.getIndexAttr(i));
      std::string path = ireeObjectPath(
          kernel->getParentOfType<gpu::GPUModuleOp>().getName(), chip->name);
      objects.push_back(b.getArrayAttr({halAttr(
          ctx,
          llvm::formatv("executable.object<{{path = \"{0}\"}>", path).str())}));
    }
    std::string constants =
        abi->constants.empty()
            ? ""
            : llvm::formatv("constants = {0}, ", abi->constants.size()).str();
    NamedAttrList properties;
    properties.append("export_name", b.getStringAttr(kernel.getName()));
    properties.append("layout",
                      halAttr(ctx, "pipeline.layout<" + constants +
                                       "bindings = [" + bindings + "]>"));
    properties.append(
        "operandSegmentSizes",
        b.getDenseI32ArrayAttr({static_cast<int32_t>(workload.size()),
                                static_cast<int32_t>(arguments.size()),
                                static_cast<int32_t>(argumentDims.size()),
                                static_cast<int32_t>(resultDims.size())}));
    properties.append("subgroup_size", b.getIndexAttr(chips.front()->waveSize));
    properties.append("target_objects", b.getArrayAttr(objects));
    properties.append("target_ordinals", b.getArrayAttr(ordinals));
    properties.append("targets", b.getArrayAttr(targets));
    properties.append("tied_operands", b.getArrayAttr(tied));
    properties.append(
        "workgroup_size",
        b.getArrayAttr(llvm::map_to_vector(*workgroupSize, [&](int64_t s) {
          return Attribute(b.getIndexAttr(s));
        })));

    OperationState state(loc, "hal.dispatch.extern");
    state.addOperands(workload);
    state.addOperands(arguments);
    state.addOperands(argumentDims);
    state.addOperands(resultDims);
    state.addTypes(resultTypes);
    state.propertiesAttr = properties.getDictionary(ctx);
    // IREE reads subgroup_size; its ROCm samples also spell the discardable
    // subgroupSize, which IREE ignores and readers look for.
    state.addAttribute("subgroupSize",
                       b.getI64IntegerAttr(chips.front()->waveSize));
    // The workgroup count region, then one (empty: unconditional) region
    // per target.
    for (size_t i = 0; i < 1 + chips.size(); ++i)
      state.addRegion();
    Operation *extern_ = b.create(state);
    Block *count = new Block();
    extern_->getRegion(0).push_back(count);
    count->addArgument(OpaqueType::get(StringAttr::get(ctx, "hal"), "device"),
                       loc);
    SmallVector<Value> counts;
    for (size_t i = 0; i < workload.size(); ++i)
      counts.push_back(count->addArgument(b.getIndexType(), loc));
    OpBuilder inner = OpBuilder::atBlockEnd(count);
    OperationState ret(loc, "hal.return");
    ret.addOperands(counts);
    inner.create(ret);

    unsigned result = 0;
    for (auto [i, written] : llvm::enumerate(abi->written))
      if (written)
        updateBuffer(b, launch.getKernelOperands()[abi->bindings[i]],
                     extern_->getResult(result++));
    return success();
  }

  /// The buffer a view is of (one level: views of views are diagnosed).
  Value rootOf(Value buffer) {
    Operation *view = views.lookup(buffer);
    return view ? view->getOperand(0) : buffer;
  }

  /// Diagnoses a write by `op` into `buffer` that tensors in a branch cannot
  /// express: one made outside the branch being converted.
  LogicalResult checkWritable(Operation *op, Value buffer) {
    if (regions.empty() ||
        regions.back()->isAncestor(rootOf(buffer).getParentRegion()))
      return success();
    return op->emitError() << "--emit=iree: expected writes in a branch to "
                              "buffers made in it, found a write to one made "
                              "outside it, which has no IREE form yet";
  }

  /// After a launch wrote `buffer`: its tensor is `written`; a view's
  /// buffer gets the view undone (the cast back, the inverse reshape).
  void updateBuffer(OpBuilder &b, Value buffer, Value written) {
    Operation *view = views.lookup(buffer);
    if (!view) {
      map.map(buffer, written);
      return;
    }
    Location loc = view->getLoc();
    Value source = view->getOperand(0);
    Value old = map.lookup(source);
    Value undone;
    if (isa<memref::CastOp>(view)) {
      undone = tensor::CastOp::create(b, loc, old.getType(), written);
    } else if (auto collapse = dyn_cast<memref::CollapseShapeOp>(view)) {
      SmallVector<OpFoldResult> shape = tensor::getMixedSizes(b, loc, old);
      undone = tensor::ExpandShapeOp::create(b, loc, old.getType(), written,
                                             collapse.getReassociationIndices(),
                                             shape);
    } else {
      undone = tensor::CollapseShapeOp::create(
          b, loc, written,
          cast<memref::ExpandShapeOp>(view).getReassociationIndices());
    }
    map.map(source, undone);
  }

  ModuleOp program, out;
  ArrayRef<const ChipInfo *> chips;
  StringRef suffix;
  MLIRContext *ctx;
  IRMapping map;
  /// The views (casts, reshapes) of buffers, by their value.
  DenseMap<Value, Operation *> views;
  /// The scf.if regions being converted, innermost last.
  SmallVector<Region *> regions;
};
} // namespace

FailureOr<OwningOpRef<ModuleOp>>
mlir::moe::buildIREEModule(ModuleOp program, ArrayRef<const ChipInfo *> chips,
                           StringRef suffix) {
  OwningOpRef<ModuleOp> out = ModuleOp::create(program.getLoc());
  HostToIREE converter(program, *out, chips, suffix);
  for (auto func : program.getOps<func::FuncOp>())
    if (!func.isExternal() && failed(converter.convertFunction(func)))
      return failure();
  return out;
}
