//===- GroupedMatmulKernel.cpp - the grouped GEMM kernel template ---------===//
//
// Emits the grouped GEMM of moe.grouped_matmul (MFMA or mma.sync) as a
// gpu.func.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/GPUKernels.h"

#include "GroupedMatmulEmitter.h"
#include "GroupedMatmulPlan.h"
#include "MMAAtom.h"
#include "SharedTiles.h"
#include "moe/Conversion/ActivationMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::moe;

LogicalResult mlir::moe::checkGroupedMatmulKernel(GroupedMatmulOp op,
                                                  const ChipInfo &chip) {
  if (op.isQuantized() && failed(checkQuantizedGemmOperands(op, chip)))
    return failure();
  if (Value bias = op.getBias();
      bias && !cast<RankedTensorType>(bias.getType()).hasStaticShape())
    return op.emitOpError() << "expected a static bias [E, N] for the kernel, "
                               "got "
                            << bias.getType();
  Type element = op.getAType().getElementType();
  if (!element.isBF16() && !element.isF16() && !op.getAScales())
    return op.emitOpError() << "expected bf16 or f16 operands for the "
                            << chip.name << " kernel, got " << element;
  auto wType = op.getWType();
  if (!wType.hasStaticShape())
    return op.emitOpError() << "expected static weight shapes [E, N, K] for "
                               "the kernel, got "
                            << wType;
  std::optional<MMAShape> mma = pickMMA(chip);
  int64_t k = wType.getDimSize(2);
  if (!mma)
    return op.emitOpError() << "has no 16-row bf16 MMA on " << chip.name;
  std::string why;
  if (!laneRolesOf(chip, *mma, why))
    return op.emitOpError()
           << "has no lane roles for the " << mma->m << "x" << mma->n << "x"
           << mma->k << " MMA on " << chip.name << ": " << why;
  // A lane loads kLoad consecutive k at once; a K tail shorter than the
  // step is masked, but not one that splits a lane's load.
  int64_t kLoad = kLoadOf(chip, *mma, k);
  if (k % kLoad != 0)
    return op.emitOpError()
           << "expected K (" << k << ") to be a multiple of " << kLoad
           << " (the k a lane loads at once on " << chip.name << ")";
  int64_t n = cast<RankedTensorType>(op.getResult().getType()).getDimSize(1);
  if (ShapedType::isDynamic(n))
    return op.emitOpError() << "expected a static output width for the kernel";
  return success();
}

int64_t mlir::moe::groupedMatmulBlockN(GroupedMatmulOp op,
                                       const ChipInfo &chip) {
  if (GemmPlanAttr attr = op.getPlanAttr())
    return attr.getBlockN();
  // The output width does not depend on how the k loop loads.
  std::string error;
  std::optional<GroupedMatmulPlan> plan = planGroupedMatmul(
      chip, groupedMatmulProblem(op, GemmLoads::Registers), error);
  return plan ? plan->blockN : 16;
}

gpu::GPUFuncOp GroupedMatmulEmitter::emitSignature(gpu::GPUModuleOp module,
                                                   StringRef name) {
  // The operands (a, w, the routing, weights), the result, then in route
  // order the route check's host words and tag (routeCheckArguments).
  bool routeOrder = op.isRouteOrder();
  SmallVector<Type> args{bufferTypeOf(op.getAType()),
                         bufferTypeOf(op.getWType())};
  if (routeOrder)
    args.push_back(bufferTypeOf(op.getRouteIds().getType()));
  else
    args.append({bufferTypeOf(op.getSortedRouteIds().getType()),
                 bufferTypeOf(op.getBlockExpertIds().getType()),
                 bufferTypeOf(op.getPaddedCount().getType())});
  if (op.getWeights())
    args.push_back(bufferTypeOf(op.getWeights().getType()));
  if (op.getBias())
    args.push_back(
        bufferTypeOf(cast<RankedTensorType>(op.getBias().getType())));
  for (Value scales : {op.getAScales(), op.getWScales()})
    if (scales)
      args.push_back(bufferTypeOf(cast<RankedTensorType>(scales.getType())));
  args.push_back(
      bufferTypeOf(cast<RankedTensorType>(op.getResult().getType())));
  unsigned resultArg = args.size() - 1;
  if (routeOrder)
    args.append({b.getI64Type(), b.getI64Type()});
  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  SmallVector<Type> ldsTypes;
  if (plan.slices > 1)
    ldsTypes.push_back(MemRefType::get({plan.partialElems(chip)},
                                       b.getF32Type(), AffineMap(), workgroup));
  if (plan.staging)
    for (int64_t stage = 0; stage < plan.staging->stages; ++stage)
      ldsTypes.push_back(MemRefType::get({plan.staging->bufferElems()}, element,
                                         AffineMap(), workgroup));
  auto func = createKernel(b, module, name, args, plan.threads(chip), ldsTypes);
  Block &entry = func.getBody().front();
  a = entry.getArgument(0);
  w = entry.getArgument(1);
  unsigned next = 2;
  if (routeOrder) {
    routeIds = entry.getArgument(next++);
  } else {
    sorted = entry.getArgument(next++);
    blocks = entry.getArgument(next++);
    countRef = entry.getArgument(next++);
  }
  weights = op.getWeights() ? entry.getArgument(next++) : Value();
  bias = op.getBias() ? entry.getArgument(next++) : Value();
  aScales = op.getAScales() ? entry.getArgument(next++) : Value();
  wScales = op.getWScales() ? entry.getArgument(next++) : Value();
  // (The block arguments after the kernel arguments are the LDS.)
  out = entry.getArgument(resultArg);
  if (routeOrder) {
    checkStatus = entry.getArgument(resultArg + 1);
    checkTag = entry.getArgument(resultArg + 2);
  }
  if (plan.rowDot && plan.slices > 1)
    rowDotPartials = func.getWorkgroupAttributions()[0];
  if (plan.staging)
    for (BlockArgument buffer :
         func.getWorkgroupAttributions().take_back(plan.staging->stages))
      stageBuffers.push_back(buffer);
  if (plan.shared) {
    // The ring is dynamic shared memory: more than the 48 KiB a kernel may
    // declare statically.
    int64_t elems = plan.shared->bytes(elementBytes) / elementBytes;
    Value bytes = gpu::DynamicSharedMemoryOp::create(
        b, MemRefType::get({ShapedType::kDynamic}, b.getI8Type(), AffineMap(),
                           workgroup));
    sharedRing = memref::ViewOp::create(
        b, MemRefType::get({elems}, element, AffineMap(), workgroup), bytes,
        idx(0), ValueRange{});
    func->setAttr(MoEDialect::getDynamicSharedBytesAttrName(),
                  b.getI64IntegerAttr(elems * elementBytes));
  }
  return func;
}

void GroupedMatmulEmitter::emitLaneRoles() {
  blockRow = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  colTile = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  thread = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  lane = arith::RemUIOp::create(b, thread, idx(chip.waveSize));
  waveId = arith::DivUIOp::create(b, thread, idx(chip.waveSize));
  wave = arith::RemUIOp::create(b, waveId, idx(plan.wavesN));
  slice = arith::DivUIOp::create(b, waveId, idx(plan.wavesN));
  zero = idx(0);
  routes = tokenRows ? arith::MulIOp::create(b, memref::DimOp::create(b, a, 0),
                                             idx(topK))
                           .getResult()
                     : memref::DimOp::create(b, a, 0).getResult();
}

/// Blocks past the padded count, or without an expert, have nothing to do:
/// the rest of the kernel is inside `if (live)`.
void GroupedMatmulEmitter::emitLiveGuard() {
  Value live;
  if (routeIds && sumRoutes) {
    // Block t is token t; the lanes hold its routes' experts (a route of an
    // id outside [0, E) contributes nothing).
    emitRouteCheck();
    rowBase = blockRow;
    Value tokens = arith::DivUIOp::create(b, routes, idx(topK));
    live = lt(blockRow, tokens);
    emitTokenRoutes(arith::SelectOp::create(b, live, blockRow, zero));
  } else if (routeIds) {
    // Route order: block r is route r, its expert the route's id.
    emitRouteCheck();
    rowBase = blockRow;
    Value inside = lt(blockRow, routes);
    Value r = arith::SelectOp::create(b, inside, blockRow, zero);
    expert = localExpertOf(b, routeThreads(), routeIds, /*begin=*/Value(), r);
    live = inside;
  } else {
    Value count = i32ToIndex(memref::LoadOp::create(b, countRef, ValueRange{}));
    rowBase = arith::MulIOp::create(b, blockRow, idx(plan.blockM));
    expert = i32ToIndex(memref::LoadOp::create(b, blocks, blockRow));
    live = lt(rowBase, count);
  }
  if (expert)
    live = arith::AndIOp::create(
        b, live,
        arith::AndIOp::create(
            b,
            arith::CmpIOp::create(b, arith::CmpIPredicate::sge, expert, zero),
            lt(expert, idx(numExperts))));
  auto ifLive = scf::IfOp::create(b, live, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&ifLive.getThenRegion().front());
}

/// Route order: the first wave of workgroup (0, 0) counts the routes whose
/// id is outside [0, E) (each lane every waveSize-th route) and its thread 0
/// records them in the call's check words, as moe.align's kernels do.
void GroupedMatmulEmitter::emitRouteCheck() {
  Value first = arith::AndIOp::create(
      b,
      arith::AndIOp::create(
          b, arith::CmpIOp::create(b, arith::CmpIPredicate::eq, blockRow, zero),
          arith::CmpIOp::create(b, arith::CmpIPredicate::eq, colTile, zero)),
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, waveId, zero));
  auto ifFirst = scf::IfOp::create(b, first, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifFirst.getThenRegion().front());
  Type i32 = b.getI32Type();
  Value none = arith::ConstantIntOp::create(b, i32, INT32_MAX);
  Value zero32 = arith::ConstantIntOp::create(b, i32, 0);
  auto loop = scf::ForOp::create(b, lane, routes, idx(chip.waveSize),
                                 ValueRange{zero32, none});
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(loop.getBody());
    Value r = loop.getInductionVar();
    Value bad = routeIdOutside(b, routeThreads(), routeIds, r, numExperts);
    Value r32 = arith::IndexCastOp::create(b, i32, r);
    ValueRange acc = loop.getRegionIterArgs();
    scf::YieldOp::create(
        b,
        ValueRange{arith::AddIOp::create(b, acc[0],
                                         arith::ExtUIOp::create(b, i32, bad)),
                   arith::MinSIOp::create(
                       b, acc[1], arith::SelectOp::create(b, bad, r32, none))});
  }
  Value count = gpu::SubgroupReduceOp::create(
      b, loop.getResult(0), gpu::AllReduceOperation::ADD, /*uniform=*/true);
  Value firstBad = gpu::SubgroupReduceOp::create(
      b, loop.getResult(1), gpu::AllReduceOperation::MINSI, /*uniform=*/true);
  reportBadRoutes(b, routeThreads(), routeIds, count, firstBad, checkStatus,
                  checkTag);
}

/// sum_routes: lane j < k loads the expert id and weight of route j of
/// `token` (a token of the call); an id outside [0, E), and the lanes past
/// k, hold expert -1 and weight 0.
void GroupedMatmulEmitter::emitTokenRoutes(Value token) {
  Type i32 = b.getI32Type();
  Value mine = lt(lane, idx(topK));
  Value j = arith::SelectOp::create(b, mine, lane, zero);
  Value r =
      arith::AddIOp::create(b, arith::MulIOp::create(b, token, idx(topK)), j);
  Value e = localExpertOf(b, routeThreads(), routeIds, /*begin=*/Value(), r);
  Value valid = arith::AndIOp::create(
      b, mine,
      arith::CmpIOp::create(b, arith::CmpIPredicate::ult, e, idx(numExperts)));
  laneExpert =
      arith::SelectOp::create(b, valid, arith::IndexCastOp::create(b, i32, e),
                              arith::ConstantIntOp::create(b, i32, -1));
  Value scale =
      weights
          ? memref::LoadOp::create(b, weights, ValueRange{token, j}).getResult()
          : arith::ConstantOp::create(b, b.getF32FloatAttr(1.0)).getResult();
  laneScale = arith::SelectOp::create(
      b, valid, scale, arith::ConstantOp::create(b, b.getF32FloatAttr(0.0)));
}

std::pair<Value, Value> GroupedMatmulEmitter::route(Value rowInBlock) {
  if (routeIds) {
    Value r = arith::AddIOp::create(b, rowBase, rowInBlock);
    return {r, lt(r, routes)};
  }
  Value r = i32ToIndex(memref::LoadOp::create(
      b, sorted, ValueRange{arith::AddIOp::create(b, rowBase, rowInBlock)}));
  Value valid = arith::AndIOp::create(
      b, arith::CmpIOp::create(b, arith::CmpIPredicate::sge, r, zero),
      lt(r, routes));
  return {r, valid};
}

/// The loop over row-tile groups; this lane's A rows of each tile of the
/// group: gathered tokens (or routes); sentinels read row 0 and are zeroed.
void GroupedMatmulEmitter::emitRowTiles() {
  atom = makeAtom(b, chip, mma, depth, element, lane);
  vecType = VectorType::get({atom->kLoad}, element);
  zeroVec = arith::ConstantOp::create(
      b, DenseElementsAttr::get(vecType, b.getZeroAttr(element)));
  zeroAcc = arith::ConstantOp::create(
      b, DenseElementsAttr::get(atom->accType, b.getF32FloatAttr(0.0)));
  auto rowTiles =
      scf::ForOp::create(b, zero, idx(plan.blockM), idx(plan.rowGroup * mma.m));
  b.setInsertionPointToStart(rowTiles.getBody());
  for (int64_t t = 0; t < plan.rowGroup; ++t)
    tileRows.push_back(
        arith::AddIOp::create(b, rowTiles.getInductionVar(), idx(t * mma.m)));
  for (Value tileRow : tileRows)
    for (Value rowInTile : atom->aRows) {
      auto [aRoute, aValid] =
          route(arith::AddIOp::create(b, tileRow, rowInTile));
      Value aRow =
          tokenRows ? arith::DivUIOp::create(b, aRoute, idx(topK)).getResult()
                    : aRoute;
      aRows.push_back({arith::SelectOp::create(b, aValid, aRow, zero), aValid});
    }
}

/// The loop over this wave's column tiles, `group` at a time; per tile its
/// first column and the gate/up rows of W that this lane loads (its B
/// column); then the k range of this lane's slice.
void GroupedMatmulEmitter::emitColumnGroups() {
  int64_t waveWidth = plan.tilesPerWave * mma.n;
  Value waveCols = arith::MulIOp::create(b, wave, idx(waveWidth));
  auto colGroups = scf::ForOp::create(
      b, waveCols, arith::AddIOp::create(b, waveCols, idx(waveWidth)),
      idx(plan.group * mma.n));
  b.setInsertionPointToStart(colGroups.getBody());
  Value groupCol = arith::AddIOp::create(
      b, arith::MulIOp::create(b, colTile, idx(plan.blockN)),
      colGroups.getInductionVar());
  for (int64_t c = 0; c < plan.group; ++c) {
    Value tileCol = arith::AddIOp::create(b, groupCol, idx(c * mma.n));
    Value bCol = arith::AddIOp::create(b, tileCol, atom->bCol);
    Value safeCol =
        arith::SelectOp::create(b, lt(bCol, idx(outCols)), bCol, zero);
    auto [gateCol, upCol] = weightRowsOf(safeCol);
    tileCols.push_back(tileCol);
    gateCols.push_back(gateCol);
    upCols.push_back(upCol);
  }
  kEnd = plan.steps * atom->kStep;
  kBegin = arith::MulIOp::create(b, slice, idx(plan.sliceSteps * atom->kStep));
  // Rows of K elements and k at a multiple of kLoad: each lane's run is
  // aligned to its size when the buffers are (the host ABI: 16 bytes).
  align = b.getI64IntegerAttr(atom->kLoad * elementBytes);
}

/// This lane's first k of step `s` (from kBegin) and whether it is inside
/// K: K is rounded up to the step; the lanes whose k run starts at or past
/// K (the tail) read row 0 and zero the result.
std::pair<Value, Value> GroupedMatmulEmitter::kOfStep(Value s) {
  Value k = arith::AddIOp::create(
      b, kBegin,
      arith::AddIOp::create(b, arith::MulIOp::create(b, s, idx(atom->kStep)),
                            atom->kOffset));
  if (kEnd == depth)
    return {k, Value()};
  Value kValid = lt(k, idx(depth));
  return {arith::SelectOp::create(b, kValid, k, zero), kValid};
}

Value GroupedMatmulEmitter::masked(Value v, Value valid) {
  if (!valid)
    return v;
  Value zeros =
      v.getType() == zeroVec.getType() ? zeroVec : zeroOf(v.getType());
  return arith::SelectOp::create(b, valid, v, zeros).getResult();
}

/// The weight rows of output column `col` (inside the output): the column's
/// row, or with a gated epilogue its gate and up rows (split: up rows after
/// the gate rows; interleaved: gate and up rows alternate).
std::pair<Value, Value> GroupedMatmulEmitter::weightRowsOf(Value col) {
  if (!act)
    return {col, Value()};
  if (act.getLayout() == GateUpLayout::Split)
    return {col, arith::AddIOp::create(b, col, idx(outCols))};
  Value gate = arith::MulIOp::create(b, col, idx(2));
  return {gate, arith::AddIOp::create(b, gate, idx(1))};
}

/// The staged loop's masks: zero A of sentinel rows and the k past K. The
/// operands of one step are A of each row (slot j), then the weight rows of
/// each chain (gate of each tile, then up of each tile).
SmallVector<Value> GroupedMatmulEmitter::maskStep(ArrayRef<Value> frags,
                                                  Value s) {
  Value kValid = kOfStep(s).second;
  SmallVector<Value> result;
  for (auto [j, raw] : llvm::enumerate(frags)) {
    Value v = masked(raw, kValid);
    if (j < aRows.size())
      v = arith::SelectOp::create(b, aRows[j].second, v, zeroVec);
    result.push_back(v);
  }
  return result;
}

/// acc[t * chains + i] += A(row tile t) x B(chain i); accumulators per row
/// tile: gate of each column tile, then up of each.
void GroupedMatmulEmitter::multiplyStep(ArrayRef<Value> aFrags,
                                        ArrayRef<Value> bFrags,
                                        SmallVector<Value> &acc) {
  int64_t chains = plan.chains(), aPerTile = atom->roles.aRows.size();
  for (int64_t i = 0; i < chains; ++i)
    for (int64_t t = 0; t < plan.rowGroup; ++t)
      acc[t * chains + i] =
          atom->multiply(b, aFrags.slice(t * aPerTile, aPerTile), bFrags[i],
                         acc[t * chains + i]);
}

/// Step s's copies go to stage s % stages, `stages - 1` steps ahead of its
/// MMAs (emitStagedSteps). Returns the sums, per chain and row tile.
SmallVector<Value> GroupedMatmulEmitter::emitStagedKLoop() {
  int64_t stages = plan.staging->stages, chains = plan.chains();
  int64_t nA = numA();
  std::unique_ptr<StagedLoads> loads =
      StagedLoads::create(chip, *plan.staging, stageBuffers, waveId, lane);
  auto issue = [&](Value s, int64_t stage) {
    Value k = kOfStep(s).first;
    for (auto [j, row] : llvm::enumerate(aRows))
      loads->copy(b, stage, j, a, ValueRange{row.first, k},
                  /*streaming=*/false);
    for (int64_t i = 0; i < chains; ++i)
      loads->copy(b, stage, nA + i, w, ValueRange{expert, weightCol(i), k},
                  /*streaming=*/true);
    loads->endStep(b);
  };
  auto body = [&](Value s, int64_t stage, ArrayRef<Value> state) {
    SmallVector<Value> acc(state);
    SmallVector<Value> raw;
    for (int64_t j = 0; j < nA + chains; ++j)
      raw.push_back(loads->read(b, stage, j));
    SmallVector<Value> frags = maskStep(raw, s);
    multiplyStep(ArrayRef<Value>(frags).take_front(nA),
                 ArrayRef<Value>(frags).drop_front(nA), acc);
    return acc;
  };
  return emitStagedSteps(
      b, *loads, stages, plan.sliceSteps, issue,
      [&] { return SmallVector<Value>(plan.rowGroup * chains, zeroAcc); },
      body);
}

/// The k loop takes plan.unroll steps per iteration and issues all their
/// loads before any MMA. Returns the sums, per chain and row tile.
SmallVector<Value> GroupedMatmulEmitter::emitRegisterKLoop() {
  int64_t unroll = plan.unroll, chains = plan.chains();
  SmallVector<Value> inits(plan.rowGroup * chains, zeroAcc);
  auto kLoop = scf::ForOp::create(
      b, kBegin,
      arith::AddIOp::create(b, kBegin, idx(plan.sliceSteps * atom->kStep)),
      idx(unroll * atom->kStep), inits);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(kLoop.getBody());
    SmallVector<SmallVector<Value>> aVecs(unroll), bVecs(unroll);
    for (int64_t u = 0; u < unroll; ++u) {
      Value k = arith::AddIOp::create(
          b, kLoop.getInductionVar(),
          arith::AddIOp::create(b, atom->kOffset, idx(u * atom->kStep)));
      Value kValid = Value();
      if (kEnd != depth) {
        kValid = lt(k, idx(depth));
        k = arith::SelectOp::create(b, kValid, k, zero);
      }
      auto load = [&](Value base, ValueRange indices) {
        Value v = vector::LoadOp::create(b, vecType, base, indices,
                                         /*nontemporal=*/false, align);
        return masked(v, kValid);
      };
      for (auto [aRow, aValid] : aRows) {
        Value v = load(a, ValueRange{aRow, k});
        aVecs[u].push_back(arith::SelectOp::create(b, aValid, v, zeroVec));
      }
      for (int64_t i = 0; i < chains; ++i)
        bVecs[u].push_back(load(w, ValueRange{expert, weightCol(i), k}));
    }
    SmallVector<Value> acc(kLoop.getRegionIterArgs());
    for (int64_t u = 0; u < unroll; ++u)
      multiplyStep(aVecs[u], bVecs[u], acc);
    scf::YieldOp::create(b, acc);
  }
  return SmallVector<Value>(kLoop.getResults());
}

/// K slices: waves of slice > 0 leave their partial sums in LDS; slice 0
/// adds them (into `sums`) and runs the epilogue.
void GroupedMatmulEmitter::emitSliceReduction(gpu::GPUFuncOp func,
                                              SmallVector<Value> &sums) {
  int64_t chains = plan.chains(), accValues = plan.accValues;
  Value partials = func.getWorkgroupAttributions()[0];
  auto slot = [&](Value s, int64_t i, int64_t v) {
    // [slice - 1][wave][chain][value][lane], lanes contiguous.
    Value at = arith::AddIOp::create(
        b,
        arith::MulIOp::create(b, arith::SubIOp::create(b, s, idx(1)),
                              idx(plan.wavesN)),
        wave);
    at = arith::AddIOp::create(b, arith::MulIOp::create(b, at, idx(chains)),
                               idx(i));
    at = arith::AddIOp::create(b, arith::MulIOp::create(b, at, idx(accValues)),
                               idx(v));
    return arith::AddIOp::create(
        b, arith::MulIOp::create(b, at, idx(chip.waveSize)), lane);
  };
  auto isFirst =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, slice, zero);
  auto store = scf::IfOp::create(b, isFirst, /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&store.getElseRegion().front());
    for (int64_t i = 0; i < chains; ++i)
      for (int64_t v = 0; v < accValues; ++v)
        memref::StoreOp::create(b, vector::ExtractOp::create(b, sums[i], v),
                                partials, ValueRange{slot(slice, i, v)});
  }
  gpu::BarrierOp::create(b);
  auto reduce = scf::IfOp::create(b, isFirst, /*withElseRegion=*/false);
  // The barrier after the epilogue keeps the next group's stores from
  // overwriting partials that slice 0 has not read yet.
  gpu::BarrierOp::create(b);
  b.setInsertionPoint(reduce.getThenRegion().front().getTerminator());
  for (int64_t s = 1; s < plan.slices; ++s)
    for (int64_t i = 0; i < chains; ++i)
      for (int64_t v = 0; v < accValues; ++v) {
        Value part =
            memref::LoadOp::create(b, partials, ValueRange{slot(idx(s), i, v)});
        Value sum = arith::AddFOp::create(
            b, vector::ExtractOp::create(b, sums[i], v), part);
        sums[i] = vector::InsertOp::create(b, sum, sums[i], v);
      }
}

Value GroupedMatmulEmitter::biasAt(Value e, Value row) {
  Value v = memref::LoadOp::create(b, bias, ValueRange{e, row});
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, b.getF32Type(), v);
}

/// Accumulator value v of this lane is tile element atom.d[v]: the expert
/// bias, the routed weight, then the gated activation, then a masked store; the
/// routes and weights of the lane's rows are loaded once per row tile. Values
/// in consecutive columns of a row (atom.dColumnRun) are stored together when
/// the width keeps the run inside a row and aligned (an even width for
/// pairs): one route, weight and store per run.
void GroupedMatmulEmitter::emitEpilogue(ArrayRef<Value> sums) {
  int64_t chains = plan.chains();
  int64_t run = outCols % atom->dColumnRun() == 0 ? atom->dColumnRun() : 1;
  auto runType = VectorType::get({run}, element);
  for (auto [t, tileRow] : llvm::enumerate(tileRows)) {
    // The route (and routed weight) of each of this lane's rows, loaded
    // once for all column tiles.
    struct RowRoute {
      Value r, valid, scale;
    };
    SmallVector<RowRoute> rowRoutes;
    for (int64_t v0 = 0; v0 < static_cast<int64_t>(atom->d.size()); v0 += run) {
      auto [r, valid] =
          route(arith::AddIOp::create(b, tileRow, atom->d[v0].first));
      Value scale;
      if (weights) {
        Value safe = arith::SelectOp::create(b, valid, r, zero);
        scale = memref::LoadOp::create(
            b, weights,
            ValueRange{arith::DivUIOp::create(b, safe, idx(topK)),
                       arith::RemUIOp::create(b, safe, idx(topK))});
      }
      rowRoutes.push_back({r, valid, scale});
    }
    for (int64_t c = 0; c < plan.group; ++c) {
      Value gateSum = sums[t * chains + c];
      Value upSum = act ? sums[t * chains + plan.group + c] : Value();
      for (int64_t v0 = 0; v0 < static_cast<int64_t>(atom->d.size());
           v0 += run) {
        auto [r, valid, scale] = rowRoutes[v0 / run];
        Value col = arith::AddIOp::create(b, tileCols[c], atom->d[v0].second);
        auto store = scf::IfOp::create(
            b, arith::AndIOp::create(b, valid, lt(col, idx(outCols))),
            /*withElseRegion=*/false);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&store.getThenRegion().front());
        SmallVector<Value> results;
        for (int64_t v = v0; v < v0 + run; ++v) {
          Value g = vector::ExtractOp::create(b, gateSum, v);
          Value u = act ? vector::ExtractOp::create(b, upSum, v).getResult()
                        : Value();
          if (bias) {
            // The run's values are consecutive columns.
            auto [gateRow, upRow] =
                weightRowsOf(arith::AddIOp::create(b, col, idx(v - v0)));
            g = arith::AddFOp::create(b, g, biasAt(expert, gateRow));
            if (u)
              u = arith::AddFOp::create(b, u, biasAt(expert, upRow));
          }
          if (scale) {
            g = arith::MulFOp::create(b, g, scale);
            if (u)
              u = arith::MulFOp::create(b, u, scale);
          }
          Value result = act ? emitGatedActivationF32(b, act, g, u) : g;
          results.push_back(arith::TruncFOp::create(b, element, result));
        }
        if (run == 1) {
          memref::StoreOp::create(b, results[0], out, ValueRange{r, col});
          continue;
        }
        vector::StoreOp::create(
            b, vector::FromElementsOp::create(b, runType, results), out,
            ValueRange{r, col}, /*nontemporal=*/false,
            llvm::MaybeAlign(run * elementBytes));
      }
    }
  }
}

FailureOr<gpu::GPUFuncOp> mlir::moe::buildGroupedMatmulKernel(
    OpBuilder &builder, gpu::GPUModuleOp module, GroupedMatmulOp op,
    const ChipInfo &chip, StringRef name, const KernelOptions &options) {
  if (failed(checkGroupedMatmulKernel(op, chip)))
    return failure();
  // The op's plan when it has one (written by --moe-plan-kernels or by
  // hand), else the planner's for `options`.
  std::string error;
  GroupedMatmulProblem problem =
      groupedMatmulProblem(op, options.gemmLoads, options.tokens);
  std::optional<GroupedMatmulPlan> plan;
  if (GemmPlanAttr attr = op.getPlanAttr()) {
    plan = planFromAttr(chip, problem, attr, error);
    if (!plan)
      return op.emitOpError()
             << "has a plan that cannot run on " << chip.name << ": " << error;
  } else {
    plan = planGroupedMatmul(chip, problem, error);
    if (!plan)
      return op.emitOpError() << error;
    // The launch grid (groupedMatmulBlockN) then reads the plan this
    // kernel was built from.
    op.setPlanAttr(toAttr(op.getContext(), *plan));
  }
  ImplicitLocOpBuilder b(op.getLoc(), builder);
  return GroupedMatmulEmitter(b, op, chip, *plan).emit(module, name);
}
