//===- GroupedMatmulKernel.cpp - the grouped GEMM kernel template ---------===//
//
// Emits the MFMA grouped GEMM of moe.grouped_matmul as a gpu.func.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/GPUKernels.h"

#include "moe/Conversion/ActivationMath.h"
#include "moe/Target/MMALayout.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::moe;

/// The 16-row MMA shape of `chip` for 2-byte elements (16x16x16 on gfx942,
/// 16x16x32 on gfx950).
static std::optional<MMAShape> pickMMA(const ChipInfo &chip) {
  std::optional<MMAShape> best;
  for (const MMAShape &s : chip.bf16MMA)
    if (s.m == 16 && s.n == 16 && (!best || s.k > best->k))
      best = s;
  return best;
}

LogicalResult mlir::moe::checkGroupedMatmulKernel(GroupedMatmulOp op,
                                                  const ChipInfo &chip) {
  if (chip.waveSize != 64)
    return op.emitOpError() << "has no kernel template for " << chip.name
                            << " yet (only the wave64 MFMA targets gfx942 "
                               "and gfx950)";
  Type element = op.getA().getType().getElementType();
  if (!element.isBF16() && !element.isF16())
    return op.emitOpError() << "expected bf16 or f16 operands for the MFMA "
                               "kernel, got "
                            << element;
  auto wType = op.getW().getType();
  if (!wType.hasStaticShape())
    return op.emitOpError() << "expected static weight shapes [E, N, K] for "
                               "the kernel, got "
                            << wType;
  std::optional<MMAShape> mma = pickMMA(chip);
  int64_t k = wType.getDimSize(2);
  if (!mma || k % mma->k != 0)
    return op.emitOpError() << "expected K (" << k << ") to be a multiple of "
                            << (mma ? mma->k : 0) << " (the MFMA k of "
                            << chip.name << "); masked K tails come later";
  int64_t n = cast<RankedTensorType>(op.getResult().getType()).getDimSize(1);
  if (ShapedType::isDynamic(n))
    return op.emitOpError() << "expected a static output width for the kernel";
  // The template computes lane roles with closed forms; they must be the
  // documented MFMA layout that MMALayout encodes (and its tests check).
  MMALayout layout(*mma, chip.waveSize);
  int64_t run = layout.aValuesPerLane();
  for (int64_t lane = 0; lane < chip.waveSize; ++lane)
    for (int64_t v = 0; v < layout.dValuesPerLane(); ++v)
      if (!(layout.d(lane, v) ==
            TilePos{layout.dValuesPerLane() * (lane / mma->m) + v,
                    lane % mma->n}))
        return op.emitOpError() << "internal: the kernel's D lane mapping "
                                   "disagrees with MMALayout on "
                                << chip.name;
  for (int64_t lane = 0; lane < chip.waveSize; ++lane)
    for (int64_t v = 0; v < run; ++v)
      if (!(layout.a(lane, v) ==
            TilePos{lane % mma->m, (lane / mma->m) * run + v}) ||
          !(layout.b(lane, v) ==
            TilePos{(lane / mma->n) * run + v, lane % mma->n}))
        return op.emitOpError() << "internal: the kernel's A/B lane mapping "
                                   "disagrees with MMALayout on "
                                << chip.name;
  return success();
}

static MemRefType memrefOf(Value tensor) {
  auto t = cast<RankedTensorType>(tensor.getType());
  return MemRefType::get(t.getShape(), t.getElementType());
}

FailureOr<gpu::GPUFuncOp>
mlir::moe::buildGroupedMatmulKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                                    GroupedMatmulOp op, const ChipInfo &chip,
                                    StringRef name) {
  if (failed(checkGroupedMatmulKernel(op, chip)))
    return failure();
  MMAShape mma = *pickMMA(chip);
  MMALayout layout(mma, chip.waveSize);
  ActivationAttr act = op.getActivationAttr();
  TileAttr tile = op.getTileAttr();
  int64_t blockM = op.getBlockMAttr().getInt();
  int64_t blockN = tile ? tile.getBlockN() : 64;
  blockN = std::max<int64_t>(blockN, mma.n);
  int64_t topK = op.getTopKAttr().getInt();
  bool tokenRows = op.getRows() == RowSource::Tokens;
  auto wType = op.getW().getType();
  int64_t numExperts = wType.getDimSize(0), depth = wType.getDimSize(2);
  int64_t outCols =
      cast<RankedTensorType>(op.getResult().getType()).getDimSize(1);
  Type element = op.getA().getType().getElementType();

  SmallVector<Type> args{memrefOf(op.getA()), memrefOf(op.getW()),
                         memrefOf(op.getSortedRouteIds()),
                         memrefOf(op.getBlockExpertIds()),
                         memrefOf(op.getPaddedCount())};
  if (op.getWeights())
    args.push_back(memrefOf(op.getWeights()));
  args.push_back(memrefOf(op.getResult()));

  ImplicitLocOpBuilder b(op.getLoc(), builder);
  b.setInsertionPointToEnd(module.getBody());
  auto func = gpu::GPUFuncOp::create(b, name, b.getFunctionType(args, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
  func.setKnownBlockSizeAttr(
      b.getDenseI32ArrayAttr({static_cast<int32_t>(chip.waveSize), 1, 1}));
  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  Value a = entry.getArgument(0), w = entry.getArgument(1);
  Value sorted = entry.getArgument(2), blocks = entry.getArgument(3);
  Value countRef = entry.getArgument(4);
  Value weights = op.getWeights() ? entry.getArgument(5) : Value();
  Value out = entry.getArguments().back();

  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  auto i32ToIndex = [&](Value v) {
    return arith::IndexCastOp::create(b, b.getIndexType(), v).getResult();
  };
  auto lt = [&](Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::slt, x, y);
  };
  Value blockRow = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value colTile = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value lane = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value zero = idx(0);
  Value routes = tokenRows
                     ? arith::MulIOp::create(b, memref::DimOp::create(b, a, 0),
                                             idx(topK))
                           .getResult()
                     : memref::DimOp::create(b, a, 0).getResult();

  // Blocks past the padded count, or without an expert, have nothing to do.
  Value count = i32ToIndex(memref::LoadOp::create(b, countRef, ValueRange{}));
  Value rowBase = arith::MulIOp::create(b, blockRow, idx(blockM));
  Value expert = i32ToIndex(memref::LoadOp::create(b, blocks, blockRow));
  Value live = arith::AndIOp::create(
      b, lt(rowBase, count),
      arith::AndIOp::create(
          b, arith::CmpIOp::create(b, arith::CmpIPredicate::sge, expert, zero),
          lt(expert, idx(numExperts))));
  auto ifLive = scf::IfOp::create(b, live, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&ifLive.getThenRegion().front());

  // Lane roles (MMALayout): A row lane % 16 and k run (lane / 16) * kRun;
  // B column lane % 16 with the same k run; D rows 4 * (lane / 16) + v.
  int64_t kRun = layout.aValuesPerLane();
  Value laneRow = arith::RemUIOp::create(b, lane, idx(mma.m));
  Value laneGroup = arith::DivUIOp::create(b, lane, idx(mma.m));
  Value kLane = arith::MulIOp::create(b, laneGroup, idx(kRun));
  auto vecType = VectorType::get({kRun}, element);
  auto accType = VectorType::get({layout.dValuesPerLane()}, b.getF32Type());
  Value zeroVec = arith::ConstantOp::create(
      b, DenseElementsAttr::get(vecType, b.getZeroAttr(element)));
  Value zeroAcc = arith::ConstantOp::create(
      b, DenseElementsAttr::get(accType, b.getF32FloatAttr(0.0)));
  auto route = [&](Value rowInBlock) {
    Value r = i32ToIndex(memref::LoadOp::create(
        b, sorted, ValueRange{arith::AddIOp::create(b, rowBase, rowInBlock)}));
    Value valid = arith::AndIOp::create(
        b, arith::CmpIOp::create(b, arith::CmpIPredicate::sge, r, zero),
        lt(r, routes));
    return std::make_pair(r, valid);
  };
  auto mfma = [&](Value x, Value y, Value acc) {
    return amdgpu::MFMAOp::create(
        b, accType, b.getI32IntegerAttr(mma.m), b.getI32IntegerAttr(mma.n),
        b.getI32IntegerAttr(mma.k), b.getI32IntegerAttr(1), x, y, acc);
  };

  auto rowTiles = scf::ForOp::create(b, zero, idx(blockM), idx(mma.m));
  b.setInsertionPointToStart(rowTiles.getBody());
  Value tileRow = rowTiles.getInductionVar();
  // This lane's A row: a gathered token (or route); sentinels read row 0
  // and are zeroed.
  auto [aRoute, aValid] = route(arith::AddIOp::create(b, tileRow, laneRow));
  Value aRow = tokenRows ? arith::DivUIOp::create(b, aRoute, idx(topK))
                               .getResult()
                         : aRoute;
  aRow = arith::SelectOp::create(b, aValid, aRow, zero);

  auto colTiles = scf::ForOp::create(b, zero, idx(blockN), idx(mma.n));
  b.setInsertionPointToStart(colTiles.getBody());
  // Output column of this lane; the gate/up columns of W it reads.
  Value col = arith::AddIOp::create(
      b, arith::AddIOp::create(b, arith::MulIOp::create(b, colTile,
                                                        idx(blockN)),
                               colTiles.getInductionVar()),
      laneRow);
  Value colValid = lt(col, idx(outCols));
  Value safeCol = arith::SelectOp::create(b, colValid, col, zero);
  Value gateCol = safeCol, upCol;
  if (act) {
    if (act.getLayout() == GateUpLayout::Split) {
      upCol = arith::AddIOp::create(b, safeCol, idx(outCols));
    } else {
      gateCol = arith::MulIOp::create(b, safeCol, idx(2));
      upCol = arith::AddIOp::create(b, gateCol, idx(1));
    }
  }
  SmallVector<Value> inits{zeroAcc};
  if (act)
    inits.push_back(zeroAcc);
  auto kLoop = scf::ForOp::create(b, zero, idx(depth), idx(mma.k), inits);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(kLoop.getBody());
    Value k = arith::AddIOp::create(b, kLoop.getInductionVar(), kLane);
    Value aVec = vector::LoadOp::create(b, vecType, a, ValueRange{aRow, k});
    aVec = arith::SelectOp::create(b, aValid, aVec, zeroVec);
    Value gVec =
        vector::LoadOp::create(b, vecType, w, ValueRange{expert, gateCol, k});
    SmallVector<Value> next{mfma(aVec, gVec, kLoop.getRegionIterArgs()[0])};
    if (act) {
      Value uVec =
          vector::LoadOp::create(b, vecType, w, ValueRange{expert, upCol, k});
      next.push_back(mfma(aVec, uVec, kLoop.getRegionIterArgs()[1]));
    }
    scf::YieldOp::create(b, next);
  }

  // Epilogue: D element v of this lane is row 4 * (lane / 16) + v.
  for (int64_t v = 0; v < layout.dValuesPerLane(); ++v) {
    Value rowInTile = arith::AddIOp::create(
        b, arith::MulIOp::create(b, laneGroup, idx(layout.dValuesPerLane())),
        idx(v));
    auto [r, valid] = route(arith::AddIOp::create(b, tileRow, rowInTile));
    auto store = scf::IfOp::create(
        b, arith::AndIOp::create(b, valid, colValid), /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&store.getThenRegion().front());
    Value g = vector::ExtractOp::create(b, kLoop.getResult(0), v);
    Value u = act ? vector::ExtractOp::create(b, kLoop.getResult(1), v)
                        .getResult()
                  : Value();
    if (weights) {
      Value scale = memref::LoadOp::create(
          b, weights,
          ValueRange{arith::DivUIOp::create(b, r, idx(topK)),
                     arith::RemUIOp::create(b, r, idx(topK))});
      g = arith::MulFOp::create(b, g, scale);
      if (u)
        u = arith::MulFOp::create(b, u, scale);
    }
    Value result = act ? emitGatedActivationF32(b, act, g, u) : g;
    result = arith::TruncFOp::create(b, element, result);
    memref::StoreOp::create(b, result, out, ValueRange{r, col});
  }
  b.setInsertionPointToEnd(&entry);
  gpu::ReturnOp::create(b);
  return func;
}
