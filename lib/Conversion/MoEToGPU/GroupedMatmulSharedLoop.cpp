//===- GroupedMatmulSharedLoop.cpp - the shared-tile k loop ---------------===//
//
// The shared-tile k loop of the grouped GEMM emitter.
//
//===----------------------------------------------------------------------===//

#include "GroupedMatmulEmitter.h"

#include "MMAAtom.h"
#include "MMASync.h"
#include "SharedTiles.h"
#include "WarpgroupMMA.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::moe;

/// Shared tiles: wave `slice` (waveId / wavesN) computes rows
/// slice * rowGroup * 16 .., wave `wave` its tilesPerWave column tiles,
/// all at once (no loops over row or column groups).
void GroupedMatmulEmitter::emitSharedTileRoles() {
  atom = makeAtom(b, chip, mma, depth, element, lane);
  zeroAcc = arith::ConstantOp::create(
      b, DenseElementsAttr::get(atom->accType, b.getF32FloatAttr(0.0)));
  Value waveRows = arith::MulIOp::create(b, slice, idx(plan.rowGroup * mma.m));
  for (int64_t t = 0; t < plan.rowGroup; ++t)
    tileRows.push_back(arith::AddIOp::create(b, waveRows, idx(t * mma.m)));
  Value waveCols = arith::AddIOp::create(
      b, arith::MulIOp::create(b, colTile, idx(plan.blockN)),
      arith::MulIOp::create(b, wave, idx(plan.tilesPerWave * mma.n)));
  for (int64_t c = 0; c < plan.group; ++c)
    tileCols.push_back(arith::AddIOp::create(b, waveCols, idx(c * mma.n)));
}

/// Warpgroup tiles: wave w is wave w % 4 of warpgroup w / 4, which takes
/// row tiles (w / 4 / wavesN) * rowGroup .. of 64 rows and the
/// (w / 4 % wavesN)-th tilesPerWave column tiles; the wave's accumulators
/// are rows 16 * (w % 4) .. of each of its warpgroup's row tiles.
void GroupedMatmulEmitter::emitWarpgroupRoles() {
  atom = makeAtom(b, chip, mma, depth, element, lane);
  zeroAcc = arith::ConstantOp::create(
      b, DenseElementsAttr::get(atom->accType, b.getF32FloatAttr(0.0)));
  Value group = arith::DivUIOp::create(b, waveId, idx(kWarpgroupWaves));
  Value quarter = arith::RemUIOp::create(b, waveId, idx(kWarpgroupWaves));
  warpgroupRow = arith::MulIOp::create(
      b, arith::DivUIOp::create(b, group, idx(plan.wavesN)),
      idx(plan.rowGroup * kWarpgroupRows));
  warpgroupCol = arith::MulIOp::create(
      b, arith::RemUIOp::create(b, group, idx(plan.wavesN)),
      idx(plan.tilesPerWave * mma.n));
  Value waveRows = arith::AddIOp::create(
      b, warpgroupRow, arith::MulIOp::create(b, quarter, idx(mma.m)));
  for (int64_t t = 0; t < plan.rowGroup; ++t)
    tileRows.push_back(
        arith::AddIOp::create(b, waveRows, idx(t * kWarpgroupRows)));
  Value waveCols = arith::AddIOp::create(
      b, arith::MulIOp::create(b, colTile, idx(plan.blockN)), warpgroupCol);
  for (int64_t c = 0; c < plan.group; ++c)
    tileCols.push_back(arith::AddIOp::create(b, waveCols, idx(c * mma.n)));
}

/// This thread's copies of one stage: chunk i = thread + j * threads of the
/// rows x chunks of A (the block's routes, gathered) or of the weights
/// (gate rows of the block's columns, then up rows); the plan makes the
/// threads divide the chunks.
SmallVector<GroupedMatmulEmitter::SharedCopy>
GroupedMatmulEmitter::sharedCopies(int64_t rows, bool ofB) {
  const SharedTilePlan &ring = *plan.shared;
  int64_t chunks = ring.chunks();
  SmallVector<SharedCopy> copies;
  for (int64_t j = 0; j < rows * chunks / ring.threads; ++j) {
    Value i = arith::AddIOp::create(b, thread, idx(j * ring.threads));
    SharedCopy c;
    c.row = arith::DivUIOp::create(b, i, idx(chunks));
    c.chunk = arith::RemUIOp::create(b, i, idx(chunks));
    if (!ofB) {
      auto [r, valid] = route(c.row);
      Value aRow =
          tokenRows ? arith::DivUIOp::create(b, r, idx(topK)).getResult() : r;
      c.src = arith::SelectOp::create(b, valid, aRow, zero);
      c.valid = valid;
    } else {
      Value chain = arith::DivUIOp::create(b, c.row, idx(plan.blockN));
      Value col = arith::AddIOp::create(
          b, arith::MulIOp::create(b, colTile, idx(plan.blockN)),
          arith::RemUIOp::create(b, c.row, idx(plan.blockN)));
      c.valid = lt(col, idx(outCols));
      Value safe = arith::SelectOp::create(b, c.valid, col, zero);
      c.src = safe;
      if (act && act.getLayout() == GateUpLayout::Split)
        c.src = arith::AddIOp::create(
            b, safe, arith::MulIOp::create(b, chain, idx(outCols)));
      else if (act)
        c.src = arith::AddIOp::create(b, arith::MulIOp::create(b, safe, idx(2)),
                                      chain);
    }
    copies.push_back(c);
  }
  return copies;
}

void GroupedMatmulEmitter::issueSharedTile(SharedTiles &tiles,
                                           ArrayRef<SharedCopy> aCopies,
                                           ArrayRef<SharedCopy> bCopies,
                                           Value kTileIndex, Value stage) {
  Value k0 = arith::MulIOp::create(b, kTileIndex, idx(plan.shared->kTile));
  // A K that the k tile does not divide (the plan keeps K a multiple of the
  // 8-element chunk): the last tile's chunks past K are zero-filled, on
  // both sides, and read k 0.
  bool tail = depth % plan.shared->kTile != 0;
  auto kOf = [&](const SharedCopy &c) -> std::pair<Value, Value> {
    Value k =
        arith::AddIOp::create(b, k0, arith::MulIOp::create(b, c.chunk, idx(8)));
    if (!tail)
      return {k, c.valid};
    Value inside = lt(k, idx(depth));
    return {arith::SelectOp::create(b, inside, k, zero),
            arith::AndIOp::create(b, c.valid, inside)};
  };
  for (const SharedCopy &c : aCopies) {
    auto [k, valid] = kOf(c);
    tiles.copy(b, stage, /*ofB=*/false, c.row, c.chunk, a, ValueRange{c.src, k},
               valid, /*streaming=*/false);
  }
  for (const SharedCopy &c : bCopies) {
    auto [k, valid] = kOf(c);
    tiles.copy(b, stage, /*ofB=*/true, c.row, c.chunk, w,
               ValueRange{expert, c.src, k}, valid, /*streaming=*/true);
  }
  tiles.commit(b);
}

/// One stage's MMAs: per 16 k, an ldmatrix x4 of A per row tile (lanes
/// 0-15 address rows 0-15 at the k chunk, lanes 16-31 the next chunk: the
/// a0a1, a2a3, a4a5, a6a7 registers) and an ldmatrix x4 of weights per two
/// column tiles (lanes 0-7 and 8-15 the first tile's rows at the two
/// chunks, lanes 16-31 the second's: b0b1, b2b3 of each), x2 for a last
/// odd tile.
void GroupedMatmulEmitter::multiplySharedTile(SharedTiles &tiles, Value stage,
                                              SmallVector<Value> &acc) {
  int64_t chains = plan.chains();
  bool bf16 = element.isBF16();
  Value aLaneRow = arith::RemUIOp::create(b, lane, idx(16));
  Value aLaneChunk = arith::DivUIOp::create(b, lane, idx(16));
  Value bLaneRow =
      arith::AddIOp::create(b, arith::RemUIOp::create(b, lane, idx(8)),
                            arith::MulIOp::create(b, aLaneChunk, idx(8)));
  Value bLaneChunk = arith::RemUIOp::create(
      b, arith::DivUIOp::create(b, lane, idx(8)), idx(2));
  Value waveCol = arith::MulIOp::create(b, wave, idx(plan.tilesPerWave * 8));
  SmallVector<SmallVector<Value>> sums;
  for (Value v : acc) {
    SmallVector<Value> c;
    for (int64_t i = 0; i < 4; ++i)
      c.push_back(vector::ExtractOp::create(b, v, i));
    sums.push_back(c);
  }
  auto regsOf = [&](ArrayRef<Value> pairs) {
    SmallVector<Value> regs;
    for (Value p : pairs)
      regs.push_back(mmaRegister(b, p));
    return regs;
  };
  for (int64_t kk = 0; kk < plan.shared->kTile / 16; ++kk) {
    SmallVector<SmallVector<Value>> aRegs, bRegs(chains);
    for (Value tileRow : tileRows)
      aRegs.push_back(regsOf(tiles.readMatrices(
          b, stage, /*ofB=*/false, arith::AddIOp::create(b, tileRow, aLaneRow),
          arith::AddIOp::create(b, aLaneChunk, idx(2 * kk)), 4)));
    for (int64_t h = 0; h < chains / plan.group; ++h)
      for (int64_t c = 0; c < plan.group; c += 2) {
        bool pair = c + 1 < plan.group;
        Value row = arith::AddIOp::create(
            b, arith::AddIOp::create(b, waveCol, idx(h * plan.blockN + c * 8)),
            bLaneRow);
        SmallVector<Value> m = regsOf(tiles.readMatrices(
            b, stage, /*ofB=*/true, row,
            arith::AddIOp::create(b, bLaneChunk, idx(2 * kk)), pair ? 4 : 2));
        bRegs[h * plan.group + c] = {m[0], m[1]};
        if (pair)
          bRegs[h * plan.group + c + 1] = {m[2], m[3]};
      }
    for (int64_t t = 0; t < plan.rowGroup; ++t)
      for (int64_t i = 0; i < chains; ++i)
        sums[t * chains + i] =
            mmaSyncM16N8K16(b, bf16, aRegs[t], bRegs[i], sums[t * chains + i]);
  }
  for (size_t i = 0; i < acc.size(); ++i)
    acc[i] = vector::FromElementsOp::create(b, atom->accType, sums[i]);
}

/// One stage's warpgroup MMAs: per 16 k, one m64nNk16 per 64-row tile and
/// chain (gate, up) of the warpgroup's N = tilesPerWave * 8 columns, both
/// operands read from the stage through descriptors; then the warpgroup
/// waits until at most `pending` stages' MMAs are in flight (the copies
/// that overwrite a stage wait for its MMAs).
void GroupedMatmulEmitter::multiplyWarpgroupTile(SharedTiles &tiles,
                                                 Value stage,
                                                 SmallVector<Value> &acc,
                                                 int64_t pending) {
  int64_t chains = plan.chains(), links = plan.gated ? 2 : 1;
  int64_t rowBytes = plan.shared->kTile * elementBytes;
  bool bf16 = element.isBF16();
  auto i64 = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, b.getI64Type(), v);
  };
  // sums[t * links + h]: this lane's values of row tile t, chain h, in the
  // order of the m16n8 fragments of its column tiles.
  SmallVector<SmallVector<Value>> sums;
  for (int64_t t = 0; t < plan.rowGroup; ++t)
    for (int64_t h = 0; h < links; ++h) {
      SmallVector<Value> values;
      for (int64_t c = 0; c < plan.group; ++c)
        for (int64_t v = 0; v < 4; ++v)
          values.push_back(vector::ExtractOp::create(
              b, acc[t * chains + h * plan.group + c], v));
      sums.push_back(values);
    }
  SmallVector<Value> aRowAt, bRowAt;
  for (int64_t t = 0; t < plan.rowGroup; ++t)
    aRowAt.push_back(tiles.rowAddress(
        b, stage, /*ofB=*/false,
        arith::AddIOp::create(b, warpgroupRow, idx(t * kWarpgroupRows))));
  for (int64_t h = 0; h < links; ++h)
    bRowAt.push_back(tiles.rowAddress(
        b, stage, /*ofB=*/true,
        arith::AddIOp::create(b, warpgroupCol, idx(h * plan.blockN))));
  warpgroupFence(b);
  for (int64_t kk = 0; kk < plan.shared->kTile / 16; ++kk) {
    Value kBytes = i64(kk * 16 * elementBytes);
    SmallVector<Value> bDescriptors;
    for (Value at : bRowAt)
      bDescriptors.push_back(warpgroupDescriptor(
          b, arith::AddIOp::create(b, at, kBytes), rowBytes));
    for (int64_t t = 0; t < plan.rowGroup; ++t) {
      Value aDescriptor = warpgroupDescriptor(
          b, arith::AddIOp::create(b, aRowAt[t], kBytes), rowBytes);
      for (int64_t h = 0; h < links; ++h)
        sums[t * links + h] = warpgroupMMA(
            b, bf16, aDescriptor, bDescriptors[h], sums[t * links + h]);
    }
  }
  warpgroupCommitAndWait(b, pending);
  for (int64_t t = 0; t < plan.rowGroup; ++t)
    for (int64_t h = 0; h < links; ++h)
      for (int64_t c = 0; c < plan.group; ++c)
        acc[t * chains + h * plan.group + c] = vector::FromElementsOp::create(
            b, atom->accType,
            ArrayRef<Value>(sums[t * links + h]).slice(4 * c, 4));
}

/// The ring: `ahead` k tiles are copied ahead; each iteration waits for its
/// tile (and syncs the workgroup), starts the copies of the tile `ahead`
/// tiles on into the stage whose MMAs are done, and multiplies its own.
/// ldmatrix plans: ahead = stages - 1 (the MMAs are done at the barrier).
/// Warpgroup plans with three stages or more keep one stage's MMAs in
/// flight while the next stage's are issued (ahead = stages - 2), and wait
/// for them after the loop. Returns the sums, per chain and row tile.
SmallVector<Value> GroupedMatmulEmitter::emitSharedKLoop() {
  const SharedTilePlan &ring = *plan.shared;
  int64_t stages = ring.stages,
          kTiles = llvm::divideCeil(depth, ring.kTile); // a tail tile too
  int64_t mmasInFlight = plan.warpgroup && stages >= 3 ? 1 : 0;
  int64_t aheadTiles = stages - 1 - mmasInFlight;
  SharedTiles tiles(b, ring, sharedRing);
  SmallVector<SharedCopy> aCopies = sharedCopies(ring.aRows, /*ofB=*/false);
  SmallVector<SharedCopy> bCopies = sharedCopies(ring.bRows, /*ofB=*/true);
  for (int64_t s = 0; s < aheadTiles; ++s) {
    if (s < kTiles)
      issueSharedTile(tiles, aCopies, bCopies, idx(s), idx(s));
    else
      tiles.commit(b);
  }
  SmallVector<Value> inits(plan.rowGroup * plan.chains(), zeroAcc);
  auto kLoop = scf::ForOp::create(b, zero, idx(kTiles), idx(1), inits);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(kLoop.getBody());
  Value kt = kLoop.getInductionVar();
  tiles.waitAndSync(b, aheadTiles - 1, /*asyncProxy=*/plan.warpgroup);
  Value next = arith::AddIOp::create(b, kt, idx(aheadTiles));
  auto ahead = scf::IfOp::create(b, lt(next, idx(kTiles)),
                                 /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(&ahead.getThenRegion().front());
    issueSharedTile(tiles, aCopies, bCopies, next,
                    arith::RemUIOp::create(b, next, idx(stages)));
    b.setInsertionPointToStart(&ahead.getElseRegion().front());
    tiles.commit(b);
  }
  SmallVector<Value> acc(kLoop.getRegionIterArgs());
  Value stage = arith::RemUIOp::create(b, kt, idx(stages));
  if (plan.warpgroup)
    multiplyWarpgroupTile(tiles, stage, acc, mmasInFlight);
  else
    multiplySharedTile(tiles, stage, acc);
  scf::YieldOp::create(b, acc);
  b.setInsertionPointAfter(kLoop);
  if (mmasInFlight)
    warpgroupCommitAndWait(b, 0);
  return SmallVector<Value>(kLoop.getResults());
}
