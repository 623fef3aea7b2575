//===- GroupedMatmulEmitter.h - the grouped GEMM emitter --------*- C++ -*-===//
//
// The class that emits the grouped GEMM kernel of one plan as a gpu.func,
// shared by GroupedMatmulKernel.cpp and GroupedMatmulSharedLoop.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_MOETOGPU_GROUPEDMATMULEMITTER_H
#define MOE_CONVERSION_MOETOGPU_GROUPEDMATMULEMITTER_H

#include "AlignParts.h"
#include "GroupedMatmulPlan.h"
#include "MMAAtom.h"
#include "SharedTiles.h"
#include "moe/Dialect/MoE/MoE.h"
#include "moe/Target/Chip.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <optional>
#include <utility>

namespace mlir::moe {

/// Why the grouped GEMM kernels cannot take `op`'s quantized operands (a
/// diagnostic), or success: fp8 weights (and fp8 A) or fp4 weights with
/// static weight scales, multiplied by the row-dot plans; no fp4 A, no
/// quantizing epilogue yet (GroupedMatmulQuant.cpp).
LogicalResult checkQuantizedGemmOperands(GroupedMatmulOp op,
                                         const ChipInfo &chip);

/// Emits the kernel of one plan, phase by phase (signature, lane roles and
/// the live-block guard, row tiles, column groups, the k loop, K-slice
/// reduction, epilogue). The phases share the values they build through
/// the members; the plan decides everything, the emitter nothing.
class GroupedMatmulEmitter {
public:
  GroupedMatmulEmitter(ImplicitLocOpBuilder &b, GroupedMatmulOp op,
                       const ChipInfo &chip, const GroupedMatmulPlan &plan)
      : b(b), op(op), chip(chip), plan(plan), mma(plan.mma),
        act(op.getActivationAttr()), topK(op.getTopKAttr().getInt()),
        tokenRows(op.getRows() == RowSource::Tokens),
        sumRoutes(op.getSumRoutes()), numExperts(op.getWType().getDimSize(0)),
        depth(op.getWType().getDimSize(2)),
        outCols(cast<RankedTensorType>(op.getResult().getType()).getDimSize(1)),
        element(op.getAType().getElementType()),
        elementBytes(element.getIntOrFloatBitWidth() / 8),
        wElement(op.getWType().getElementType()),
        outElement(
            cast<RankedTensorType>(op.getResult().getType()).getElementType()),
        aQuant(op.getAQuantAttr()), wQuant(op.getWQuantAttr()) {}

  gpu::GPUFuncOp emit(gpu::GPUModuleOp module, StringRef name) {
    gpu::GPUFuncOp func = emitSignature(module, name);
    emitLaneRoles();
    emitLiveGuard();
    if (plan.shared) {
      if (plan.warpgroup)
        emitWarpgroupRoles();
      else
        emitSharedTileRoles();
      SmallVector<Value> sums = emitSharedKLoop();
      emitEpilogue(sums);
      b.setInsertionPointToEnd(&func.getBody().front());
      gpu::ReturnOp::create(b);
      return func;
    }
    if (plan.rowDot) {
      if (plan.mmaRowDot) {
        if (int64_t blocks = plan.minWorkgroupsPerSM(plan.threads(chip)))
          func->setAttr("nvvm.minctasm", b.getI32IntegerAttr(blocks));
        emitMMARowDot();
      } else
        emitRowDot();
      b.setInsertionPointToEnd(&func.getBody().front());
      gpu::ReturnOp::create(b);
      return func;
    }
    emitRowTiles();
    emitColumnGroups();
    SmallVector<Value> sums =
        plan.staging ? emitStagedKLoop() : emitRegisterKLoop();
    if (plan.slices > 1)
      emitSliceReduction(func, sums);
    emitEpilogue(sums);
    b.setInsertionPointToEnd(&func.getBody().front());
    gpu::ReturnOp::create(b);
    return func;
  }

private:
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value i32ToIndex(Value v) {
    return arith::IndexCastOp::create(b, b.getIndexType(), v);
  }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::slt, x, y);
  }

  gpu::GPUFuncOp emitSignature(gpu::GPUModuleOp module, StringRef name);
  void emitLaneRoles();
  void emitLiveGuard();
  void emitRouteCheck();
  void emitTokenRoutes(Value token);
  /// The align helpers' view of this kernel's routes (AlignParts.h): each
  /// lane a thread of one wave over the routes of `routeIds`.
  AlignThreads routeThreads() {
    return {thread, chip.waveSize, routes, idx(topK)};
  }
  void emitRowTiles();
  void emitColumnGroups();
  SmallVector<Value> emitStagedKLoop();
  SmallVector<Value> emitRegisterKLoop();
  void emitSharedTileRoles();
  void emitWarpgroupRoles();
  SmallVector<Value> emitSharedKLoop();
  struct SharedCopy {
    Value row, chunk; ///< where in the stage
    Value src;        ///< A row, or weight row of the expert
    Value valid;      ///< false: zero-fill (padding row, column past N)
  };
  SmallVector<SharedCopy> sharedCopies(int64_t rows, bool ofB);
  void issueSharedTile(SharedTiles &tiles, ArrayRef<SharedCopy> aCopies,
                       ArrayRef<SharedCopy> bCopies, Value kTileIndex,
                       Value stage);
  void multiplySharedTile(SharedTiles &tiles, Value stage,
                          SmallVector<Value> &acc);
  void multiplyWarpgroupTile(SharedTiles &tiles, Value stage,
                             SmallVector<Value> &acc, int64_t pending);
  void emitSliceReduction(gpu::GPUFuncOp func, SmallVector<Value> &sums);
  // The row-dot plan (RowDotKernel.cpp).
  void emitRowDot();
  Value rowDotPassEnd();
  struct PassRoute {
    Value route, valid, aRow;
  };
  void emitRowDotLoop(ArrayRef<PassRoute> routes, Value waveCol);
  SmallVector<Value> loadRowDotStep(ArrayRef<PassRoute> routes, Value waveCol,
                                    Value step);
  SmallVector<Value> rowDotGroup(Value waveFirst, Value chunk);
  struct SummedRun {
    Value route; ///< j: the token's route the run reads
    Value k;     ///< k of the run within route j's rows (0 past the end)
    Value valid; ///< inside k x K
  };
  Value rowDotRunK(Value step, int64_t u);
  SummedRun summedRun(Value k);
  Value laneOfRoute(Value value, Value j);
  Value widenRun(Value run, VectorType f32Type);
  void emitRowDotEpilogue(ArrayRef<PassRoute> routes, ArrayRef<Value> sums,
                          ArrayRef<Value> cols);
  /// The loop over `steps` steps of the row-dot kernels (RowDotSteps.cpp):
  /// `sums` f32 sums and the values `load(step)` returns are carried; each
  /// step loads the next one's runs first, then calls `multiply`, and after
  /// each group of kIters steps `finishGroup` and zeros the sums.
  void emitRowDotSteps(
      int64_t steps, int64_t kIters, int64_t sums,
      function_ref<SmallVector<Value>(Value step)> load,
      function_ref<void(Value step, ValueRange runs, SmallVector<Value> &acc)>
          multiply,
      function_ref<void(Value step, ArrayRef<Value> acc)> finishGroup);
  /// The K slices' sums added in LDS (lane 0's of each wave, or every
  /// lane's), then `epilogue` in slice 0 (RowDotSteps.cpp).
  SmallVector<Value> emitRowDotGroupEnd(
      Value s, int64_t kIters, ArrayRef<Value> acc,
      function_ref<void(Value step, ArrayRef<Value> acc)> finishGroup);
  void emitSlicesEpilogue(ArrayRef<Value> sums, bool perLane,
                          function_ref<void(ArrayRef<Value> total)> epilogue);
  /// Steps of a row-dot wave per column group: its slice's runs, unroll a
  /// step.
  int64_t rowDotKIters() const {
    return plan.runsPerLane / (plan.unroll * plan.slices);
  }
  // The mma_row_dot plan (MMARowDotKernel.cpp).
  void emitMMARowDot();
  int64_t mmaRowDotKIters() const;
  std::pair<Value, Value> mmaTileRow(Value tile, int64_t half);
  std::pair<Value, Value> mmaRowDotRunK(Value step, int64_t u);
  Value mmaRowDotKStep(Value step);
  std::pair<Value, Value> mmaRowDotStepK(Value step);
  SmallVector<Value> mmaRowDotStepRows(Value waveTile, Value step);
  SmallVector<Value> loadMMARowDotStep(Value waveTile, Value step,
                                       ArrayRef<PassRoute> aRoutes,
                                       ArrayRef<PassRoute> outRoutes,
                                       bool scalesOnly = false);
  void multiplyFp8MMARowDot(ValueRange current, SmallVector<Value> &acc);
  void emitStagedMMARowDotSteps(
      ArrayRef<PassRoute> aRoutes, ArrayRef<PassRoute> outRoutes,
      Value waveTile, int64_t sums,
      function_ref<void(Value step, ArrayRef<Value> acc)> finishGroup);
  /// An mma_row_dot plan of fp8 weights (fp8 A): m16n8k32 e4m3 MMAs.
  bool fp8MMARowDot() const { return isa<Float8E4M3FNType>(wElement); }
  SmallVector<Value> widenMMARowDotWord(Value packed, int64_t w,
                                        Value scalePair);
  SmallVector<Value> mmaRowDotARegisters(Value run, int64_t w);
  void emitMMARowDotLoop(ArrayRef<PassRoute> aRoutes,
                         ArrayRef<PassRoute> outRoutes, Value waveTile);
  void emitMMARowDotEpilogue(ArrayRef<PassRoute> routes, ArrayRef<Value> sums,
                             ArrayRef<Value> tiles);
  void emitEpilogue(ArrayRef<Value> sums);
  /// The expert bias of weight row `row` of `e` in f32 (the op's bias).
  Value biasAt(Value e, Value row);
  /// sum_routes: per column of `cols` (inside the output), the token's
  /// routes' biases times their weights, summed over the wave's lanes j < k.
  SmallVector<Value> summedRouteBiases(ArrayRef<Value> cols);

  std::pair<Value, Value> route(Value rowInBlock);
  std::pair<Value, Value> weightRowsOf(Value col);
  std::pair<Value, Value> kOfStep(Value s);
  Value masked(Value v, Value valid);
  /// A zero of `type` (a vector of the row-dot runs, or an f32 scale).
  Value zeroOf(Type type);
  /// The f32 scale of the element at `indices` ([E, N, K] of w, [M, K] of
  /// a) of the quantized operand whose scales are `scales` under `scheme`.
  Value scaleAt(Value scales, QuantAttr scheme, ValueRange indices);
  /// fp4 weights (packed two per byte along K, low nibble first): the
  /// bytes' base pointer and one run's kLoad / 2 bytes from it (widened by
  /// widenPackedFp4, PackedFp4.h).
  bool packedFp4() const { return isa<Float4E2M1FNType>(wElement); }
  Value packedWeightBase();
  Value loadPackedFp4Run(Value expert, Value row, Value k);
  Value weightCol(int64_t i) const {
    return i < plan.group ? gateCols[i] : upCols[i - plan.group];
  }
  SmallVector<Value> maskStep(ArrayRef<Value> frags, Value s);
  void multiplyStep(ArrayRef<Value> aFrags, ArrayRef<Value> bFrags,
                    SmallVector<Value> &acc);
  int64_t numA() const { return static_cast<int64_t>(aRows.size()); }

  ImplicitLocOpBuilder &b;
  GroupedMatmulOp op;
  const ChipInfo &chip;
  const GroupedMatmulPlan &plan;
  const MMAShape mma;
  // Facts of the op.
  ActivationAttr act;
  int64_t topK;
  bool tokenRows;
  /// sum_routes: a workgroup computes a token's columns over its k routes
  /// (the A rows t*k .. t*k+k-1 read as one row of k x K).
  bool sumRoutes;
  int64_t numExperts, depth, outCols;
  /// K of the rows a row-dot lane streams: k x K with sum_routes, else K.
  int64_t streamDepth() const { return sumRoutes ? topK * depth : depth; }
  Type element; ///< A's element type (bf16, f16; fp8 with a_scales)
  int64_t elementBytes;
  Type wElement;   ///< W's element type (A's, or fp8 with w_scales)
  Type outElement; ///< the result's element type
  /// The schemes of quantized operands (null: not quantized).
  QuantAttr aQuant, wQuant;
  // Kernel arguments.
  Value a, w, wPacked, sorted, blocks, countRef, weights, bias, aScales,
      wScales, out;
  // Route order: the routes' ids [T, k] and the route check's arguments.
  Value routeIds, checkStatus, checkTag;
  // sum_routes: lane j < k holds the expert of the token's route j (i32, -1
  // for an id outside [0, E)) and its weight (f32, 0 for such an id).
  Value laneExpert, laneScale;
  // Lane roles and the block's rows.
  Value blockRow, colTile, thread, lane, waveId, wave, slice, zero, routes;
  // mma_row_dot: this lane's MMA row (lane / 4) and lane of its quad.
  Value quadRow, quadLane;
  // The shared-tile ring (dynamic shared memory).
  Value sharedRing;
  // A row-dot plan's LDS for the sums of slices 1..slices-1.
  Value rowDotPartials;
  /// The LDS buffers of a staged plan's stages (plan.staging).
  SmallVector<Value> stageBuffers;
  // A warpgroup plan's first A row and first column (within the block) of
  // this wave's warpgroup.
  Value warpgroupRow, warpgroupCol;
  Value rowBase, expert;
  // The MMA atom and its zeros.
  std::optional<MMAAtom> atom;
  VectorType vecType;
  Value zeroVec, zeroAcc;
  /// Row-dot runs of W when its element type is not A's (fp8 weights;
  /// fp4: the run's kLoad / 2 packed bytes).
  VectorType wVecType;
  IntegerAttr wAlign;
  // The row tiles of the group: first rows, and this lane's (A row, valid).
  SmallVector<Value> tileRows;
  SmallVector<std::pair<Value, Value>> aRows;
  // The column tiles of the group: first columns, gate and up weight rows.
  SmallVector<Value> tileCols, gateCols, upCols;
  // The k range of this lane's slice.
  int64_t kEnd = 0;
  Value kBegin;
  IntegerAttr align;
};

} // namespace mlir::moe

#endif // MOE_CONVERSION_MOETOGPU_GROUPEDMATMULEMITTER_H
