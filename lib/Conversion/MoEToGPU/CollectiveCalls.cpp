//===- CollectiveCalls.cpp - moe collectives on GPU targets ---------------===//
//
// Collectives over one rank become what they compute there; over several,
// moe.all_reduce_add_rms_norm becomes moe.all_reduce + moe.add_rms_norm, and
// moe.all_reduce becomes a call of the runtime's moe_collective_all_reduce
// (NCCL on CUDA, RCCL on HIP), queued on the stream of the kernels.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/GPUKernels.h"

#include "moe/Dialect/MoE/MoE.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::moe;

/// The runtime function (runtime/lib/gpu/Collectives.cpp):
///   moe_collective_all_reduce(u64 in, u64 out, i64 count, i32 type,
///                             u64 group_name, i64 group_size)
static constexpr StringLiteral kAllReduceFunc = "moe_collective_all_reduce";

LogicalResult mlir::moe::prepareCollectives(ModuleOp module,
                                            bool keepUnsupported) {
  SmallVector<Operation *> collectives;
  module.walk([&](Operation *op) {
    if (isa<MoEDialect>(op->getDialect()) && op->hasAttr("group"))
      collectives.push_back(op);
  });
  for (Operation *op : collectives) {
    StringRef group = op->getAttrOfType<StringAttr>("group").getValue();
    FailureOr<int64_t> size = lookupGroupSize(op, group);
    if (failed(size))
      return failure();
    if (*size != 1 && isa<AllReduceOp>(op))
      continue;
    OpBuilder b(op);
    if (auto fused = dyn_cast<AllReduceAddRMSNormOp>(op)) {
      SmallVector<Value> operands(op->getOperands());
      if (*size != 1)
        operands[0] =
            AllReduceOp::create(b, op->getLoc(), operands[0].getType(),
                                operands[0], fused.getGroupAttr());
      SmallVector<NamedAttribute> attrs;
      for (NamedAttribute attr : op->getAttrs())
        if (attr.getName() != "group")
          attrs.push_back(attr);
      auto norm = AddRMSNormOp::create(b, op->getLoc(), op->getResultTypes(),
                                       operands, attrs);
      op->replaceAllUsesWith(norm->getResults());
    } else if (*size == 1 && op->getOperandTypes() == op->getResultTypes()) {
      // all_reduce, all_gather, reduce_scatter and all_to_all (data and
      // counts) return their operands on one rank.
      op->replaceAllUsesWith(op->getOperands());
    } else if (keepUnsupported) {
      continue;
    } else {
      return op->emitOpError()
             << "runs over group '" << group << "' of " << *size
             << " ranks, which GPU targets support only for moe.all_reduce "
                "and moe.all_reduce_add_rms_norm (expected one of those, or "
                "a group of one rank)";
    }
    op->erase();
  }
  return success();
}

/// The address of `buffer`'s first element as an i64.
static Value addressOf(ImplicitLocOpBuilder &b, Value buffer) {
  Value index = memref::ExtractAlignedPointerAsIndexOp::create(b, buffer);
  return arith::IndexCastOp::create(b, b.getI64Type(), index);
}

/// A NUL-terminated host global holding `name`; its address as an i64.
static Value groupName(ImplicitLocOpBuilder &b, ModuleOp module,
                       StringRef name) {
  std::string symbol = ("moe_group_" + name).str();
  auto type = MemRefType::get({static_cast<int64_t>(name.size()) + 1},
                              b.getI8Type());
  auto global = module.lookupSymbol<memref::GlobalOp>(symbol);
  if (!global) {
    SmallVector<int8_t> bytes(name.begin(), name.end());
    bytes.push_back(0);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    global = memref::GlobalOp::create(
        b, symbol, b.getStringAttr("private"), type,
        DenseElementsAttr::get(
            RankedTensorType::get(type.getShape(), b.getI8Type()),
            ArrayRef<int8_t>(bytes)),
        /*constant=*/true, /*alignment=*/IntegerAttr());
  }
  return addressOf(b, memref::GetGlobalOp::create(b, type, global.getName()));
}

/// The element type code of the runtime call: 0 f32, 1 f16, 2 bf16.
static std::optional<int32_t> typeCode(Type element) {
  if (element.isF32())
    return 0;
  if (element.isF16())
    return 1;
  if (element.isBF16())
    return 2;
  return std::nullopt;
}

/// Replaces `op` (over `size` > 1 ranks) by a buffer and a runtime call. The
/// op sums in f32 and rounds once: a 16-bit all_reduce over two ranks does
/// exactly that (one addition per element), over more the collective library
/// would round each partial sum, so those run in f32 between conversions.
static LogicalResult lowerAllReduce(ModuleOp module, AllReduceOp op,
                                    int64_t size, func::FuncOp callee) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  auto type = cast<RankedTensorType>(op.getType());
  Type element = type.getElementType();
  Value input = op.getInput();
  RankedTensorType reduced = type;
  if (!element.isF32() && size > 2) {
    reduced = type.clone(b.getF32Type());
    input = arith::ExtFOp::create(b, reduced, input);
  }
  std::optional<int32_t> code = typeCode(reduced.getElementType());
  if (!code)
    return op.emitOpError()
           << "has no GPU lowering for element type " << element
           << " (expected f32, f16 or bf16)";
  MemRefType bufferType = bufferTypeOf(reduced);
  Value in = bufferization::ToBufferOp::create(b, bufferType, input,
                                               /*read_only=*/true);
  SmallVector<Value> sizes;
  int64_t staticCount = 1;
  for (int64_t d = 0; d < reduced.getRank(); ++d)
    if (reduced.isDynamicDim(d))
      sizes.push_back(memref::DimOp::create(b, in, d));
    else
      staticCount *= reduced.getDimSize(d);
  Value count = arith::ConstantIndexOp::create(b, staticCount);
  for (Value size : sizes)
    count = arith::MulIOp::create(b, count, size);
  Value out = memref::AllocOp::create(b, bufferType, sizes,
                                      b.getI64IntegerAttr(256));
  func::CallOp::create(
      b, callee,
      ValueRange{addressOf(b, in), addressOf(b, out),
                 arith::IndexCastOp::create(b, b.getI64Type(), count),
                 arith::ConstantIntOp::create(b, *code, 32),
                 groupName(b, module, op.getGroup()),
                 arith::ConstantIntOp::create(b, size, 64)});
  Value result = bufferization::ToTensorOp::create(
      b, reduced, out, /*restrict=*/true, /*writable=*/true);
  if (reduced != type)
    result = arith::TruncFOp::create(b, type, result);
  op.replaceAllUsesWith(result);
  op.erase();
  return success();
}

LogicalResult mlir::moe::lowerAllReducesToCalls(ModuleOp module) {
  SmallVector<AllReduceOp> ops;
  module.walk([&](AllReduceOp op) { ops.push_back(op); });
  if (ops.empty())
    return success();
  OpBuilder b(module.getBodyRegion());
  auto i64 = b.getI64Type();
  auto callee = module.lookupSymbol<func::FuncOp>(kAllReduceFunc);
  if (!callee) {
    callee = func::FuncOp::create(
        b, module.getLoc(), kAllReduceFunc,
        b.getFunctionType({i64, i64, i64, b.getI32Type(), i64, i64}, {}));
    callee.setPrivate();
  }
  for (AllReduceOp op : ops) {
    FailureOr<int64_t> size = lookupGroupSize(op, op.getGroup());
    if (failed(size) || failed(lowerAllReduce(module, op, *size, callee)))
      return failure();
  }
  return success();
}
