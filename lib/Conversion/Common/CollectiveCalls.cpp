//===- CollectiveCalls.cpp - collectives as runtime calls -----------------===//
//
// moe.all_reduce, moe.all_gather, moe.reduce_scatter and moe.all_to_all
// over several ranks become calls of the runtime (moe_collective_*: NCCL on
// CUDA, RCCL on HIP, both queued on the stream of the kernels; Open MPI for
// CPU libraries). The libraries gather and scatter along the outermost
// dimension; another `dim` is a transpose around the call.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/CollectiveCalls.h"

#include "moe/Conversion/SizeChecks.h"
#include "moe/Dialect/MoE/MoE.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::moe;

/// The runtime functions (runtime/lib/gpu/Collectives.cpp,
/// runtime/lib/mpi/MpiCollectives.cpp). all_reduce, all_gather and
/// reduce_scatter take
///   (u64 in, u64 out, i64 count, i32 type, u64 group_name, i64 group_size)
/// with count the elements of `in` (all_reduce, all_gather) or of `out`
/// (reduce_scatter). all_to_all is two calls: the counts,
///   (u64 send_counts, u64 recv_counts, u64 group_name, i64 group_size),
/// then the rows,
///   (u64 in, u64 out, i64 in_rows, i64 out_rows, i64 row_elements,
///    u64 send_counts, u64 recv_counts, i32 type, u64 group_name,
///    i64 group_size).
static constexpr StringLiteral kAllReduceFunc = "moe_collective_all_reduce";
static constexpr StringLiteral kAllGatherFunc = "moe_collective_all_gather";
static constexpr StringLiteral kReduceScatterFunc =
    "moe_collective_reduce_scatter";
static constexpr StringLiteral kExchangeCountsFunc =
    "moe_collective_exchange_counts";
static constexpr StringLiteral kAllToAllFunc = "moe_collective_all_to_all";

void mlir::moe::splitAllReduceAddRMSNorm(AllReduceAddRMSNormOp op,
                                         int64_t groupSize) {
  OpBuilder b(op);
  SmallVector<Value> operands(op->getOperands());
  if (groupSize != 1)
    operands[0] = AllReduceOp::create(b, op.getLoc(), operands[0].getType(),
                                      operands[0], op.getGroupAttr());
  SmallVector<NamedAttribute> attrs;
  for (NamedAttribute attr : op->getAttrs())
    if (attr.getName() != op.getGroupAttrName())
      attrs.push_back(attr);
  auto norm = AddRMSNormOp::create(b, op.getLoc(), op->getResultTypes(),
                                   operands, attrs);
  op->replaceAllUsesWith(norm->getResults());
  op->erase();
}

/// The buffer of a value of ranked tensor type `tensor`: same shape and
/// element type, identity layout.
static MemRefType bufferTypeOf(Type tensor) {
  return cast<MemRefType>(bufferization::getMemRefTypeWithStaticIdentityLayout(
      cast<TensorType>(tensor)));
}

/// The address of `buffer`'s first element as an i64.
static Value addressOf(ImplicitLocOpBuilder &b, Value buffer) {
  Value index = memref::ExtractAlignedPointerAsIndexOp::create(b, buffer);
  return arith::IndexCastOp::create(b, b.getI64Type(), index);
}

Value mlir::moe::groupNameAddress(ImplicitLocOpBuilder &b, ModuleOp module,
                                  StringRef name) {
  std::string symbol = ("moe_group_" + name).str();
  auto type =
      MemRefType::get({static_cast<int64_t>(name.size()) + 1}, b.getI8Type());
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

/// The f32 copy of a 16-bit `value` when a sum over `size` ranks must not
/// round its partial sums (more than two ranks), else `value` itself. The
/// ops sum in f32 and round once: a 16-bit sum over two ranks is one
/// addition per element, over more the library would round each partial
/// sum.
static Value widenForSum(ImplicitLocOpBuilder &b, Value value, int64_t size) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getElementType().isF32() || size <= 2)
    return value;
  return arith::ExtFOp::create(b, type.clone(b.getF32Type()), value);
}

/// `value` (a tensor of `type`'s shape, maybe wider) rounded to `type`.
static Value narrowTo(ImplicitLocOpBuilder &b, Value value,
                      RankedTensorType type) {
  if (value.getType() == type)
    return value;
  return arith::TruncFOp::create(b, type, value);
}

/// The sizes of `value` (a ranked tensor) as index values.
static SmallVector<Value> sizesOf(ImplicitLocOpBuilder &b, Value value) {
  return getValueOrCreateConstantIndexOp(
      b, b.getLoc(), tensor::getMixedSizes(b, b.getLoc(), value));
}

/// The product of `sizes`.
static Value product(ImplicitLocOpBuilder &b, ArrayRef<Value> sizes) {
  Value n = arith::ConstantIndexOp::create(b, 1);
  for (Value size : sizes)
    n = arith::MulIOp::create(b, n, size);
  return n;
}

/// Calls `callee` on a buffer of `input` and a new buffer of
/// `resultType` with sizes `resultSizes` (index values, one per dim);
/// `count` elements (see the runtime functions above). Returns the result
/// as a tensor.
static Value callCollective(ImplicitLocOpBuilder &b, Operation *op,
                            func::FuncOp callee, Value input,
                            RankedTensorType resultType,
                            ArrayRef<Value> resultSizes, Value count,
                            StringRef group, int64_t size) {
  // The ops' data tensors are bf16, f16 or f32 (the verifier).
  std::optional<int32_t> code = typeCode(resultType.getElementType());
  assert(code && "collective data tensors are bf16, f16 or f32");
  auto module = op->getParentOfType<ModuleOp>();
  Value in = bufferization::ToBufferOp::create(b, bufferTypeOf(input.getType()),
                                               input, /*read_only=*/true);
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < resultType.getRank(); ++d)
    if (resultType.isDynamicDim(d))
      dynamic.push_back(resultSizes[d]);
  Value out = memref::AllocOp::create(b, bufferTypeOf(resultType), dynamic,
                                      b.getI64IntegerAttr(256));
  func::CallOp::create(
      b, callee,
      ValueRange{addressOf(b, in), addressOf(b, out),
                 arith::IndexCastOp::create(b, b.getI64Type(), count),
                 arith::ConstantIntOp::create(b, *code, 32),
                 groupNameAddress(b, module, group),
                 arith::ConstantIntOp::create(b, size, 64)});
  return bufferization::ToTensorOp::create(b, resultType, out,
                                           /*restrict=*/true,
                                           /*writable=*/true);
}

/// `value` with dim `from` moved to position `to` (a linalg.transpose).
static Value moveDim(ImplicitLocOpBuilder &b, Value value, int64_t from,
                     int64_t to) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> perm;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (d != from)
      perm.push_back(d);
  perm.insert(perm.begin() + to, from);
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, b.getLoc(), value);
  SmallVector<OpFoldResult> outSizes;
  for (int64_t d : perm)
    outSizes.push_back(sizes[d]);
  Value init = tensor::EmptyOp::create(b, outSizes, type.getElementType());
  return linalg::TransposeOp::create(b, value, init, perm).getResult()[0];
}

/// all_reduce: the sum over the ranks, same shape.
static LogicalResult lowerAllReduce(AllReduceOp op, int64_t size,
                                    func::FuncOp callee) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  auto type = cast<RankedTensorType>(op.getType());
  Value input = widenForSum(b, op.getInput(), size);
  auto reduced = cast<RankedTensorType>(input.getType());
  SmallVector<Value> sizes = sizesOf(b, input);
  Value sum = callCollective(b, op, callee, input, reduced, sizes,
                             product(b, sizes), op.getGroup(), size);
  op.replaceAllUsesWith(narrowTo(b, sum, type));
  op.erase();
  return success();
}

/// all_gather along `dim`: the library stacks the ranks' inputs on a new
/// outer dim [N, ...]; that dim moves next to `dim` and merges with it.
static LogicalResult lowerAllGather(AllGatherOp op, int64_t size,
                                    func::FuncOp callee) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  auto inType = cast<RankedTensorType>(op.getInput().getType());
  int64_t dim = op.getDimAttr().getInt();
  SmallVector<Value> inSizes = sizesOf(b, op.getInput());
  SmallVector<int64_t> stackedShape{size};
  llvm::append_range(stackedShape, inType.getShape());
  auto stackedType =
      RankedTensorType::get(stackedShape, inType.getElementType());
  SmallVector<Value> stackedSizes{arith::ConstantIndexOp::create(b, size)};
  llvm::append_range(stackedSizes, inSizes);
  Value stacked =
      callCollective(b, op, callee, op.getInput(), stackedType, stackedSizes,
                     product(b, inSizes), op.getGroup(), size);
  Value moved = dim == 0 ? stacked : moveDim(b, stacked, 0, dim);
  SmallVector<ReassociationIndices> merge;
  for (int64_t d = 0; d < inType.getRank(); ++d) {
    int64_t at = d < dim ? d : d + 1;
    merge.push_back(d == dim ? ReassociationIndices{dim, dim + 1}
                             : ReassociationIndices{at});
  }
  Value result = tensor::CollapseShapeOp::create(b, op.getType(), moved, merge);
  op.replaceAllUsesWith(result);
  op.erase();
  return success();
}

/// reduce_scatter along `dim`: `dim` splits into [N, dim / N], N moves to
/// the outside, and the library gives rank i the sum of slice i.
static LogicalResult lowerReduceScatter(ReduceScatterOp op, int64_t size,
                                        func::FuncOp callee) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  auto type = cast<RankedTensorType>(op.getType());
  int64_t dim = op.getDimAttr().getInt();
  Value input = widenForSum(b, op.getInput(), size);
  auto inType = cast<RankedTensorType>(input.getType());
  SmallVector<Value> inSizes = sizesOf(b, input);
  Value n = arith::ConstantIndexOp::create(b, size);
  if (inType.isDynamicDim(dim)) {
    // The verifier checked static sizes; a dynamic one is checked here (the
    // call then moves the whole slices, never past the input).
    declareCheckState(op->getParentOfType<ModuleOp>());
    std::string what = ("dim " + Twine(dim) + " of 'input' modulo the " +
                        Twine(size) + " ranks of '" + op.getGroup() + "'")
                           .str();
    emitSizeCheck(b, op, arith::RemUIOp::create(b, inSizes[dim], n),
                  arith::ConstantIndexOp::create(b, 0), what);
  }
  SmallVector<Value> outSizes(inSizes);
  outSizes[dim] = arith::DivUIOp::create(b, inSizes[dim], n);
  if (dim != 0) {
    SmallVector<int64_t> splitShape;
    SmallVector<OpFoldResult> splitSizes;
    SmallVector<ReassociationIndices> split;
    for (int64_t d = 0; d < inType.getRank(); ++d) {
      int64_t at = static_cast<int64_t>(splitShape.size());
      if (d == dim) {
        int64_t slice = inType.isDynamicDim(d) ? ShapedType::kDynamic
                                               : inType.getDimSize(d) / size;
        splitShape.append({size, slice});
        splitSizes.append(
            {b.getIndexAttr(size), inType.isDynamicDim(d)
                                       ? OpFoldResult(outSizes[d])
                                       : OpFoldResult(b.getIndexAttr(slice))});
        split.push_back({at, at + 1});
      } else {
        splitShape.push_back(inType.getDimSize(d));
        splitSizes.push_back(
            inType.isDynamicDim(d)
                ? OpFoldResult(inSizes[d])
                : OpFoldResult(b.getIndexAttr(inType.getDimSize(d))));
        split.push_back({at});
      }
    }
    Value expanded = tensor::ExpandShapeOp::create(
        b, RankedTensorType::get(splitShape, inType.getElementType()), input,
        split, splitSizes);
    input = moveDim(b, expanded, dim, 0);
  }
  auto reducedType = type.clone(inType.getElementType());
  Value mine = callCollective(b, op, callee, input, reducedType, outSizes,
                              product(b, outSizes), op.getGroup(), size);
  op.replaceAllUsesWith(narrowTo(b, mine, type));
  op.erase();
  return success();
}

/// all_to_all: the counts first (rank r's send_counts[i] becomes rank i's
/// recv_counts[r]; the call returns their sum, a host value: on GPU targets
/// it waits for the stream), then the rows, into a buffer of the result's
/// row capacity or, when that is dynamic, of the received total. The
/// runtime checks the counts against both buffers' rows.
static LogicalResult lowerAllToAll(AllToAllOp op, int64_t size,
                                   func::FuncOp exchangeCounts,
                                   func::FuncOp exchangeRows) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  auto inType = cast<RankedTensorType>(op.getInput().getType());
  auto outType = cast<RankedTensorType>(op.getResult().getType());
  auto countsType = cast<RankedTensorType>(op.getRecvCounts().getType());
  std::optional<int32_t> code = typeCode(outType.getElementType());
  assert(code && "all_to_all data tensors are bf16, f16 or f32");
  auto module = op->getParentOfType<ModuleOp>();
  Value name = groupNameAddress(b, module, op.getGroup());
  Value groupSize = arith::ConstantIntOp::create(b, size, 64);
  Value send = bufferization::ToBufferOp::create(
      b, bufferTypeOf(op.getSendCounts().getType()), op.getSendCounts(),
      /*read_only=*/true);
  Value recv = memref::AllocOp::create(b, bufferTypeOf(countsType),
                                       ValueRange{}, b.getI64IntegerAttr(64));
  Value received =
      func::CallOp::create(
          b, exchangeCounts,
          ValueRange{addressOf(b, send), addressOf(b, recv), name, groupSize})
          .getResult(0);

  SmallVector<Value> inSizes = sizesOf(b, op.getInput());
  Value in =
      bufferization::ToBufferOp::create(b, bufferTypeOf(inType), op.getInput(),
                                        /*read_only=*/true);
  Value outRows =
      outType.isDynamicDim(0)
          ? arith::IndexCastOp::create(b, b.getIndexType(), received)
                .getResult()
          : arith::ConstantIndexOp::create(b, outType.getDimSize(0))
                .getResult();
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < outType.getRank(); ++d)
    if (outType.isDynamicDim(d))
      dynamic.push_back(d == 0 ? outRows : inSizes[d]);
  Value out = memref::AllocOp::create(b, bufferTypeOf(outType), dynamic,
                                      b.getI64IntegerAttr(256));
  auto i64 = [&](Value index) {
    return arith::IndexCastOp::create(b, b.getI64Type(), index).getResult();
  };
  func::CallOp::create(
      b, exchangeRows,
      ValueRange{addressOf(b, in), addressOf(b, out), i64(inSizes[0]),
                 i64(outRows), i64(product(b, ArrayRef(inSizes).drop_front())),
                 addressOf(b, send), addressOf(b, recv),
                 arith::ConstantIntOp::create(b, *code, 32), name, groupSize});
  Value rows = bufferization::ToTensorOp::create(b, outType, out,
                                                 /*restrict=*/true,
                                                 /*writable=*/true);
  Value counts = bufferization::ToTensorOp::create(b, countsType, recv,
                                                   /*restrict=*/true,
                                                   /*writable=*/true);
  op.replaceAllUsesWith(ValueRange{rows, counts});
  op.erase();
  return success();
}

LogicalResult mlir::moe::lowerCollectivesToCalls(ModuleOp module) {
  SmallVector<Operation *> ops;
  module.walk([&](Operation *op) {
    if (isa<AllReduceOp, AllGatherOp, ReduceScatterOp, AllToAllOp>(op))
      ops.push_back(op);
  });
  OpBuilder b(module.getBodyRegion());
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  auto declare = [&](StringRef name, ArrayRef<Type> args,
                     ArrayRef<Type> results = {}) {
    auto callee = module.lookupSymbol<func::FuncOp>(name);
    if (!callee) {
      callee = func::FuncOp::create(b, module.getLoc(), name,
                                    b.getFunctionType(args, results));
      callee.setPrivate();
    }
    return callee;
  };
  SmallVector<Type> dataArgs{i64, i64, i64, i32, i64, i64};
  for (Operation *op : ops) {
    StringRef group = cast<CollectiveOpInterface>(op).getGroupName();
    FailureOr<int64_t> size = lookupGroupSize(op, group);
    if (failed(size))
      return failure();
    if (*size == 1)
      continue;
    LogicalResult lowered =
        TypeSwitch<Operation *, LogicalResult>(op)
            .Case([&](AllReduceOp ar) {
              return lowerAllReduce(ar, *size,
                                    declare(kAllReduceFunc, dataArgs));
            })
            .Case([&](AllGatherOp ag) {
              return lowerAllGather(ag, *size,
                                    declare(kAllGatherFunc, dataArgs));
            })
            .Case([&](ReduceScatterOp rs) {
              return lowerReduceScatter(rs, *size,
                                        declare(kReduceScatterFunc, dataArgs));
            })
            .Case([&](AllToAllOp a2a) {
              return lowerAllToAll(
                  a2a, *size,
                  declare(kExchangeCountsFunc, {i64, i64, i64, i64}, {i64}),
                  declare(kAllToAllFunc,
                          {i64, i64, i64, i64, i64, i64, i64, i32, i64, i64}));
            });
    if (failed(lowered))
      return failure();
  }
  return success();
}
