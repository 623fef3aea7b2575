//===- QuantizeKernel.cpp - the kernel of moe.quantize --------------------===//
//
// Quantizes the rows of a [T, K] activation under a row scheme (per_row,
// block [1, n], mx): a workgroup per row and chunk of kQuantizeWaves scale
// groups, each wave one group (a row's groups side by side on the GPU:
// with a workgroup per row, DeepSeek-V3's 56 groups of x took 15 us at
// T = 16, bench/results/h100/fp8-mma-row-dot run 3). The wave's lanes take the
// group's elements side by side, a wave maximum gives its amax, lane 0 stores
// the scale and every lane rounds its elements, with the rules moe.quantize
// defines (QuantRules.h), so that the codes and scales equal the CPU
// reference's bit for bit.
//
//===----------------------------------------------------------------------===//

#include "QuantizeGrid.h"
#include "moe/Conversion/GPUKernels.h"
#include "moe/Conversion/QuantRules.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace mlir::moe;

/// Waves of a quantize workgroup: each takes one scale group of the row.
static constexpr int64_t kQuantizeWaves = 4;

Value mlir::moe::quantizeGroupChunks(OpBuilder &b, Location loc, QuantizeOp op,
                                     Value rowLength) {
  QuantAttr scheme = op.getScheme();
  auto idx = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  if (scheme.getKind() == QuantKind::PerRow)
    return idx(1);
  int64_t group = scheme.getKind() == QuantKind::Block ? *scheme.getBlockCols()
                                                       : QuantAttr::kMxBlock;
  Value groups = arith::CeilDivUIOp::create(b, loc, rowLength, idx(group));
  // At least one chunk, so that a row of no elements launches a grid.
  return arith::MaxUIOp::create(
      b, loc, arith::CeilDivUIOp::create(b, loc, groups, idx(kQuantizeWaves)),
      idx(1));
}

LogicalResult mlir::moe::checkQuantizeKernel(QuantizeOp op,
                                             const ChipInfo &chip) {
  auto input = cast<RankedTensorType>(op.getInput().getType());
  if (input.getRank() != 2)
    return op.emitOpError() << "has no " << chip.name << " kernel for rank "
                            << input.getRank() << " inputs: expected [T, K]";
  if (!op.getScheme().isRowScheme())
    return op.emitOpError()
           << "has no " << chip.name << " kernel for " << op.getScheme()
           << " yet: expected a scheme whose groups lie in one row "
              "(per_row, block [1, n] or mx)";
  Type value = op.getValues().getType().getElementType();
  if (!isa<Float8E4M3FNType, Float8E4M3FNUZType>(value))
    return op.emitOpError()
           << "has no " << chip.name << " kernel that quantizes to " << value
           << " yet: expected f8E4M3FN or f8E4M3FNUZ";
  return success();
}

FailureOr<gpu::GPUFuncOp>
mlir::moe::buildQuantizeKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                               QuantizeOp op, const ChipInfo &chip,
                               StringRef name) {
  if (failed(checkQuantizeKernel(op, chip)))
    return failure();
  ImplicitLocOpBuilder b(op.getLoc(), builder);
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  QuantAttr scheme = op.getScheme();
  Type valueType = op.getValues().getType().getElementType();
  auto func = createKernel(b, module, name,
                           {bufferTypeOf(op.getInput().getType()),
                            bufferTypeOf(op.getValues().getType()),
                            bufferTypeOf(op.getScales().getType())},
                           kQuantizeWaves * chip.waveSize);
  Value in = func.getArgument(0), values = func.getArgument(1),
        scales = func.getArgument(2);
  Value row = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value thread = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value lane = arith::RemUIOp::create(b, thread, idx(chip.waveSize));
  Value wave = arith::DivUIOp::create(b, thread, idx(chip.waveSize));
  Value len = memref::DimOp::create(b, in, 1);
  bool perRow = scheme.getKind() == QuantKind::PerRow;
  Value group = perRow ? len
                : scheme.getKind() == QuantKind::Block
                    ? idx(*scheme.getBlockCols())
                    : idx(QuantAttr::kMxBlock);
  // At least one group, so that an empty row divides by no zero.
  Value groups = arith::CeilDivUIOp::create(
      b, len, arith::MaxUIOp::create(b, group, idx(1)));
  // Workgroup (row, y) takes group y x waves + wave (and every waves x
  // chunks-th after it, where the launch has chunks = quantizeGroupChunks
  // workgroups a row: none). The chunks are computed here, not read as
  // gpu.grid_dim, which on AMD is a device-library call.
  Value chunk = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value chunks = quantizeGroupChunks(b, b.getLoc(), op, len);
  auto loop = scf::ForOp::create(
      b,
      arith::AddIOp::create(
          b, arith::MulIOp::create(b, chunk, idx(kQuantizeWaves)), wave),
      groups, arith::MulIOp::create(b, chunks, idx(kQuantizeWaves)));
  b.setInsertionPointToStart(loop.getBody());
  Value g = loop.getInductionVar();
  Value lo = arith::MulIOp::create(b, g, group);
  Value hi =
      arith::MinUIOp::create(b, arith::AddIOp::create(b, lo, group), len);
  Value first = arith::AddIOp::create(b, lo, lane);
  auto load = [&](Value i) -> Value {
    Value x = memref::LoadOp::create(b, in, ValueRange{row, i});
    return x.getType().isF32()
               ? x
               : arith::ExtFOp::create(b, b.getF32Type(), x).getResult();
  };
  Value zeroF = arith::ConstantOp::create(b, b.getF32FloatAttr(0.0));
  auto amaxLoop =
      scf::ForOp::create(b, first, hi, idx(chip.waveSize), ValueRange{zeroF});
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(amaxLoop.getBody());
    Value mag = math::AbsFOp::create(b, load(amaxLoop.getInductionVar()));
    scf::YieldOp::create(b, ValueRange{arith::MaximumFOp::create(
                                b, amaxLoop.getRegionIterArgs()[0], mag)});
  }
  // maximumf propagates a NaN, as the reference's running maximum does.
  Value amax = gpu::SubgroupReduceOp::create(b, amaxLoop.getResult(0),
                                             gpu::AllReduceOperation::MAXIMUMF,
                                             /*uniform=*/true);
  GroupScale scale = computeGroupScale(b, scheme, valueType, amax);
  auto ifFirst = scf::IfOp::create(
      b, arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane, idx(0)),
      /*withElseRegion=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifFirst.getThenRegion().front());
    SmallVector<Value> at{row};
    if (!perRow)
      at.push_back(g);
    memref::StoreOp::create(b, scale.stored, scales, at);
  }
  auto store = scf::ForOp::create(b, first, hi, idx(chip.waveSize));
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(store.getBody());
    Value i = store.getInductionVar();
    Value q = quantizeElement(b, scheme, valueType, scale, load(i));
    memref::StoreOp::create(b, q, values, ValueRange{row, i});
  }
  b.setInsertionPointToEnd(&func.getBody().front());
  gpu::ReturnOp::create(b);
  return func;
}
