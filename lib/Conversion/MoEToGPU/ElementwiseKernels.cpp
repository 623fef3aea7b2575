//===- ElementwiseKernels.cpp - activation, combine and RMSNorm kernels ---===//
//
// Emits the kernels of moe.activation, moe.combine, moe.rms_norm and moe.add_rms_norm.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/GPUKernels.h"

#include "moe/Conversion/ActivationMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::moe;

static Value idx(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

/// `v` (a scalar or a vector) in f32.
static Value widen(ImplicitLocOpBuilder &b, Value v) {
  Type f32 = b.getF32Type();
  if (getElementTypeOrSelf(v.getType()).isF32())
    return v;
  if (auto vector = dyn_cast<VectorType>(v.getType()))
    f32 = VectorType::get(vector.getShape(), f32);
  return arith::ExtFOp::create(b, f32, v);
}

/// f32 `v` (a scalar or a vector) rounded to `type`.
static Value narrow(ImplicitLocOpBuilder &b, Value v, Type type) {
  return getElementTypeOrSelf(type).isF32()
             ? v
             : arith::TruncFOp::create(b, type, v).getResult();
}

/// The global thread id; the body runs under `id < total`.
static Value globalThread(ImplicitLocOpBuilder &b, int64_t threads,
                          Value total) {
  Value id = arith::AddIOp::create(
      b,
      arith::MulIOp::create(b, gpu::BlockIdOp::create(b, gpu::Dimension::x),
                            idx(b, threads)),
      gpu::ThreadIdOp::create(b, gpu::Dimension::x));
  auto inside = scf::IfOp::create(
      b, arith::CmpIOp::create(b, arith::CmpIPredicate::slt, id, total),
      /*withElseRegion=*/false);
  b.setInsertionPointToStart(&inside.getThenRegion().front());
  return id;
}

static LogicalResult requireRank2(Operation *op, Value v) {
  if (cast<RankedTensorType>(v.getType()).getRank() == 2)
    return success();
  return op->emitOpError() << "has no kernel template for rank "
                           << cast<RankedTensorType>(v.getType()).getRank()
                           << " yet (expected rank 2)";
}

FailureOr<gpu::GPUFuncOp>
mlir::moe::buildActivationKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                                 ActivationOp op, const ChipInfo &chip,
                                 StringRef name) {
  if (failed(requireRank2(op, op.getInput())))
    return failure();
  ImplicitLocOpBuilder b(op.getLoc(), builder);
  int64_t threads = kElementwiseWaves * chip.waveSize;
  auto func = createKernel(b, module, name,
                           {bufferTypeOf(op.getInput().getType()),
                            bufferTypeOf(op.getResult().getType())},
                           threads);
  Value in = func.getArgument(0), out = func.getArgument(1);
  Value rows = memref::DimOp::create(b, out, 0);
  Value cols = memref::DimOp::create(b, out, 1);
  Value id = globalThread(b, threads, arith::MulIOp::create(b, rows, cols));
  Value m = arith::DivUIOp::create(b, id, cols);
  Value n = arith::RemUIOp::create(b, id, cols);
  ActivationAttr act = op.getKind();
  Value gateCol = n, upCol;
  if (act.getLayout() == GateUpLayout::Split) {
    upCol = arith::AddIOp::create(b, n, cols);
  } else {
    gateCol = arith::MulIOp::create(b, n, idx(b, 2));
    upCol = arith::AddIOp::create(b, gateCol, idx(b, 1));
  }
  Value g = widen(b, memref::LoadOp::create(b, in, ValueRange{m, gateCol}));
  Value u = widen(b, memref::LoadOp::create(b, in, ValueRange{m, upCol}));
  Type element = op.getResult().getType().getElementType();
  memref::StoreOp::create(
      b, narrow(b, emitGatedActivationF32(b, act, g, u), element), out,
      ValueRange{m, n});
  b.setInsertionPointToEnd(&func.getBody().front());
  gpu::ReturnOp::create(b);
  return func;
}

int64_t mlir::moe::combineVectorWidth(CombineOp op) {
  int64_t hidden = op.getResult().getType().getDimSize(1);
  int64_t width = 16 / (op.getResult().getType().getElementTypeBitWidth() / 8);
  return !ShapedType::isDynamic(hidden) && hidden % width == 0 ? width : 1;
}

FailureOr<gpu::GPUFuncOp>
mlir::moe::buildCombineKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                              CombineOp op, const ChipInfo &chip,
                              StringRef name) {
  ImplicitLocOpBuilder b(op.getLoc(), builder);
  int64_t threads = kElementwiseWaves * chip.waveSize;
  // The arguments follow the operands (routes, scale, ids, begin), then
  // the result.
  SmallVector<Type> args{bufferTypeOf(op.getRoutes().getType()),
                         bufferTypeOf(op.getScale().getType())};
  if (op.getIds())
    args.push_back(bufferTypeOf(op.getIds().getType()));
  if (op.getExpertBegin())
    args.push_back(b.getIndexType());
  args.push_back(bufferTypeOf(op.getResult().getType()));
  auto func = createKernel(b, module, name, args, threads);
  Value routes = func.getArgument(0), scale = func.getArgument(1);
  Value ids = op.getIds() ? func.getArgument(2) : Value();
  Value begin = op.getExpertBegin() ? func.getArgument(3) : idx(b, 0);
  Value end = op.getIds()
                  ? arith::AddIOp::create(b, begin, idx(b, *op.getNumExperts()))
                        .getResult()
                  : Value();
  Value out = func.getArguments().back();
  Value tokens = memref::DimOp::create(b, out, 0);
  Value hidden = memref::DimOp::create(b, out, 1);
  Value topK = memref::DimOp::create(b, scale, 1);
  // Each thread sums `width` consecutive columns with vector loads.
  int64_t width = combineVectorWidth(op);
  Value runs = arith::DivUIOp::create(b, hidden, idx(b, width));
  Value id = globalThread(b, threads, arith::MulIOp::create(b, tokens, runs));
  Value t = arith::DivUIOp::create(b, id, runs);
  Value h = arith::MulIOp::create(b, arith::RemUIOp::create(b, id, runs),
                                  idx(b, width));
  Type element = op.getResult().getType().getElementType();
  auto elementsType = VectorType::get({width}, element);
  auto sumsType = VectorType::get({width}, b.getF32Type());
  IntegerAttr runAlign =
      b.getI64IntegerAttr(width * element.getIntOrFloatBitWidth() / 8);
  Value zero = arith::ConstantOp::create(
      b, DenseElementsAttr::get(sumsType, b.getF32FloatAttr(0.0)));
  auto loop = scf::ForOp::create(b, idx(b, 0), topK, idx(b, 1), zero);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value j = loop.getInductionVar();
    Value r = arith::AddIOp::create(b, arith::MulIOp::create(b, t, topK), j);
    Value s = vector::BroadcastOp::create(
        b, sumsType, memref::LoadOp::create(b, scale, ValueRange{t, j}));
    // Rows of H (a multiple of the run) elements in 16-byte aligned
    // buffers (the host ABI): the run is aligned to its size.
    Value v = widen(b, vector::LoadOp::create(b, elementsType, routes,
                                              ValueRange{r, h},
                                              /*nontemporal=*/false, runAlign));
    Value term = arith::MulFOp::create(b, s, v);
    if (ids) {
      // A route of an expert that is not local: its row was not written.
      Value id = arith::IndexCastOp::create(
          b, b.getIndexType(),
          memref::LoadOp::create(b, ids, ValueRange{t, j}));
      Value local = arith::AndIOp::create(
          b, arith::CmpIOp::create(b, arith::CmpIPredicate::sge, id, begin),
          arith::CmpIOp::create(b, arith::CmpIPredicate::slt, id, end));
      term = arith::SelectOp::create(b, local, term, zero);
    }
    scf::YieldOp::create(b, ValueRange{arith::AddFOp::create(
                                b, loop.getRegionIterArgs()[0], term)});
  }
  vector::StoreOp::create(b, narrow(b, loop.getResult(0), elementsType), out,
                          ValueRange{t, h}, /*nontemporal=*/false, runAlign);
  b.setInsertionPointToEnd(&func.getBody().front());
  gpu::ReturnOp::create(b);
  return func;
}

/// Sum of `v` over the lanes of a wave: butterfly shuffles (xor).
static Value waveSum(ImplicitLocOpBuilder &b, Value v, int64_t waveSize) {
  Value width = arith::ConstantOp::create(b, b.getI32IntegerAttr(waveSize));
  for (int64_t offset = waveSize / 2; offset >= 1; offset /= 2) {
    Value off = arith::ConstantOp::create(b, b.getI32IntegerAttr(offset));
    Value other = gpu::ShuffleOp::create(b, v, off, width,
                                         gpu::ShuffleMode::XOR)
                      .getShuffleResult();
    v = arith::AddFOp::create(b, v, other);
  }
  return v;
}

FailureOr<gpu::GPUFuncOp>
mlir::moe::buildRMSNormKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                              Operation *norm, const ChipInfo &chip,
                              StringRef name) {
  auto plain = dyn_cast<RMSNormOp>(norm);
  auto fused = dyn_cast<AddRMSNormOp>(norm);
  if (!plain && !fused)
    return norm->emitOpError() << "is not an RMSNorm";
  Value x = plain ? plain.getX() : fused.getX();
  if (failed(requireRank2(norm, x)))
    return failure();
  ImplicitLocOpBuilder b(norm->getLoc(), builder);
  SmallVector<Type> args{bufferTypeOf(x.getType())};
  if (fused)
    args.push_back(bufferTypeOf(fused.getResidual().getType()));
  args.push_back(
      bufferTypeOf((plain ? plain.getWeight() : fused.getWeight()).getType()));
  args.push_back(bufferTypeOf(norm->getResult(0).getType()));
  if (fused)
    args.push_back(bufferTypeOf(fused.getResidualOut().getType()));
  // One wave per row.
  auto func = createKernel(b, module, name, args, chip.waveSize);
  Value in = func.getArgument(0);
  Value residual = fused ? func.getArgument(1) : Value();
  Value weight = func.getArgument(fused ? 2 : 1);
  Value out = func.getArgument(fused ? 3 : 2);
  Value residualOut = fused ? func.getArgument(4) : Value();
  Type element = cast<MemRefType>(in.getType()).getElementType();
  float eps = (plain ? plain.getEpsilon() : fused.getEpsilon()).convertToFloat();
  float offset = (plain ? plain.getOffset() : fused.getOffset()).convertToFloat();

  Value row = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value lane = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value hidden = memref::DimOp::create(b, in, 1);
  Value step = idx(b, chip.waveSize);
  // The value normalized: x, or x + residual rounded to the element type
  // (stored as residual_out), as the op's semantics round it.
  auto value = [&](Value h) -> Value {
    Value v = widen(b, memref::LoadOp::create(b, in, ValueRange{row, h}));
    if (!fused)
      return v;
    Value r = widen(b, memref::LoadOp::create(b, residual, ValueRange{row, h}));
    Value s = narrow(b, arith::AddFOp::create(b, v, r), element);
    memref::StoreOp::create(b, s, residualOut, ValueRange{row, h});
    return widen(b, s);
  };
  Value zero = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0));
  auto sumLoop = scf::ForOp::create(b, lane, hidden, step, zero);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(sumLoop.getBody());
    Value v = value(sumLoop.getInductionVar());
    scf::YieldOp::create(
        b, ValueRange{arith::AddFOp::create(b, sumLoop.getRegionIterArgs()[0],
                                            arith::MulFOp::create(b, v, v))});
  }
  Value total = waveSum(b, sumLoop.getResult(0), chip.waveSize);
  Value hiddenF = arith::SIToFPOp::create(
      b, b.getF32Type(),
      arith::IndexCastOp::create(b, b.getI64Type(), hidden));
  Value inv = math::RsqrtOp::create(
      b, arith::AddFOp::create(b, arith::DivFOp::create(b, total, hiddenF),
                               arith::ConstantOp::create(
                                   b, b.getF32FloatAttr(eps))));
  auto writeLoop = scf::ForOp::create(b, lane, hidden, step);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(writeLoop.getBody());
    Value h = writeLoop.getInductionVar();
    // residual_out was written by this same lane in the first loop.
    Value v = widen(b, memref::LoadOp::create(b, fused ? residualOut : in,
                                              ValueRange{row, h}));
    Value w = arith::AddFOp::create(
        b, widen(b, memref::LoadOp::create(b, weight, ValueRange{h})),
        arith::ConstantOp::create(b, b.getF32FloatAttr(offset)));
    Value y = arith::MulFOp::create(b, arith::MulFOp::create(b, v, inv), w);
    memref::StoreOp::create(b, narrow(b, y, element), out, ValueRange{row, h});
  }
  gpu::ReturnOp::create(b);
  return func;
}
