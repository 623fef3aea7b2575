//===- MMAAtom.cpp - the per-target part of the grouped GEMM -------------===//
//
// Lane roles and MMA instructions per chip: amdgpu.mfma (wave64) and
// nvvm.mma.sync m16n8k16 (warp32).
//
//===----------------------------------------------------------------------===//

#include "MMAAtom.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::moe;

std::optional<MMAShape> mlir::moe::pickMMA(const ChipInfo &chip) {
  std::optional<MMAShape> best;
  for (const MMAShape &s : chip.bf16MMA)
    if (s.m == 16 && (!best || s.k > best->k))
      best = s;
  return best;
}

/// MMAs per k step: as many as make each lane's load 8 consecutive k (16
/// bytes) when K is a multiple of 8, else 1.
static int64_t mmasPerStep(const ChipInfo &chip, MMAShape mma, int64_t depth) {
  // k a lane feeds one MMA per row: 4 on m16n8k16 (two pairs) and on
  // wave64 16x16x16, 8 on 16x16x32.
  int64_t run = chip.mmaFamily == MMAFamily::MFMA
                    ? MMALayout(mma, chip.waveSize).aValuesPerLane()
                    : 4;
  return depth % 8 == 0 && run < 8 ? 8 / run : 1;
}

int64_t mlir::moe::kStepOf(const ChipInfo &chip, MMAShape mma, int64_t depth) {
  return mmasPerStep(chip, mma, depth) * mma.k;
}

int64_t mlir::moe::kLoadOf(const ChipInfo &chip, MMAShape mma, int64_t depth) {
  int64_t run = chip.mmaFamily == MMAFamily::MFMA
                    ? MMALayout(mma, chip.waveSize).aValuesPerLane()
                    : 4;
  return mmasPerStep(chip, mma, depth) * run;
}

SmallVector<int64_t> mlir::moe::mfmaFeed(int64_t i, int64_t run) {
  SmallVector<int64_t> positions;
  for (int64_t j = 0; j < run; ++j)
    positions.push_back(i * run + j);
  return positions;
}

int64_t mlir::moe::aRowsPerLane(const ChipInfo &chip) {
  return chip.mmaFamily == MMAFamily::MFMA ? 1 : 2;
}

bool mlir::moe::laneRolesMatch(const MMALayout &layout, const ChipInfo &chip) {
  MMAShape mma = layout.shape;
  for (int64_t lane = 0; lane < chip.waveSize; ++lane) {
    int64_t g = lane / 4, t = lane % 4;
    for (int64_t v = 0; v < layout.dValuesPerLane(); ++v) {
      TilePos want = chip.mmaFamily == MMAFamily::MFMA
                         ? TilePos{layout.dValuesPerLane() * (lane / mma.m) + v,
                                   lane % mma.n}
                         : TilePos{g + 8 * (v / 2), 2 * t + v % 2};
      if (!(layout.d(lane, v) == want))
        return false;
    }
    for (int64_t v = 0; v < layout.aValuesPerLane(); ++v) {
      int64_t run = layout.aValuesPerLane();
      TilePos want =
          chip.mmaFamily == MMAFamily::MFMA
              ? TilePos{lane % mma.m, (lane / mma.m) * run + v}
              : TilePos{g + 8 * ((v / 2) % 2), 2 * t + v % 2 + 8 * (v / 4)};
      if (!(layout.a(lane, v) == want))
        return false;
    }
    for (int64_t v = 0; v < layout.bValuesPerLane(); ++v) {
      int64_t run = layout.bValuesPerLane();
      TilePos want = chip.mmaFamily == MMAFamily::MFMA
                         ? TilePos{(lane / mma.n) * run + v, lane % mma.n}
                         : TilePos{2 * t + v % 2 + 8 * (v / 2), g};
      if (!(layout.b(lane, v) == want))
        return false;
    }
  }
  return true;
}

MMAAtom mlir::moe::makeAtom(ImplicitLocOpBuilder &b, const ChipInfo &chip,
                            MMAShape mma, int64_t depth, Type element,
                            Value lane) {
  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  MMAAtom atom;
  atom.kStep = kStepOf(chip, mma, depth);
  atom.kLoad = kLoadOf(chip, mma, depth);
  MMALayout layout(mma, chip.waveSize);
  atom.accType = VectorType::get({layout.dValuesPerLane()}, b.getF32Type());
  if (chip.mmaFamily == MMAFamily::MFMA) {
    Value row = arith::RemUIOp::create(b, lane, idx(mma.m));
    Value group = arith::DivUIOp::create(b, lane, idx(mma.m));
    atom.kOffset = arith::MulIOp::create(b, group, idx(atom.kLoad));
    atom.aRows = {row};
    atom.bCol = row;
    for (int64_t v = 0; v < layout.dValuesPerLane(); ++v)
      atom.d.push_back(
          {arith::AddIOp::create(
               b, arith::MulIOp::create(b, group, idx(layout.dValuesPerLane())),
               idx(v)),
           row});
    // With several MFMAs per step (16x16x16: two per 32 k), the lane's
    // run of kLoad consecutive k is cut into runs of the MFMA's k per lane,
    // one per MFMA; A and B are cut alike, so each MFMA sums a permutation
    // of its share of the step's k and together they sum all of them.
    int64_t run = layout.aValuesPerLane();
    int64_t mmas = atom.kLoad / run;
    atom.multiply = [mma, run, mmas, accType = atom.accType](
                        ImplicitLocOpBuilder &b, ArrayRef<Value> a, Value w,
                        Value acc) -> Value {
      auto part = [&](Value v, int64_t i) -> Value {
        if (mmas == 1)
          return v;
        return vector::ShuffleOp::create(b, v, v, mfmaFeed(i, run));
      };
      for (int64_t i = 0; i < mmas; ++i)
        acc = amdgpu::MFMAOp::create(
            b, accType, b.getI32IntegerAttr(mma.m), b.getI32IntegerAttr(mma.n),
            b.getI32IntegerAttr(mma.k), b.getI32IntegerAttr(1), part(a[0], i),
            part(w, i), acc);
      return acc;
    };
    return atom;
  }
  // warp32 mma.sync m16n8k16: a lane loads kLoad consecutive k at
  // t * kLoad and feeds each 4-element quarter to one MMA's k slots.
  Value g = arith::DivUIOp::create(b, lane, idx(4));
  Value t = arith::RemUIOp::create(b, lane, idx(4));
  atom.kOffset = arith::MulIOp::create(b, t, idx(atom.kLoad));
  atom.aRows = {g, arith::AddIOp::create(b, g, idx(8))};
  atom.bCol = g;
  Value col0 = arith::MulIOp::create(b, t, idx(2));
  Value col1 = arith::AddIOp::create(b, col0, idx(1));
  atom.d = {{atom.aRows[0], col0},
            {atom.aRows[0], col1},
            {atom.aRows[1], col0},
            {atom.aRows[1], col1}};
  atom.dColumnRun = 2;
  bool bf16 = element.isBF16();
  int64_t steps = atom.kStep / mma.k;
  atom.multiply = [steps, bf16](ImplicitLocOpBuilder &b, ArrayRef<Value> a,
                                Value w, Value acc) -> Value {
    // Registers of 2 elements: i32 for bf16, vector<2xf16> for f16.
    auto regs = [&](Value v) {
      auto words = VectorType::get(
          {cast<VectorType>(v.getType()).getNumElements() / 2}, b.getI32Type());
      Value cast = vector::BitCastOp::create(b, words, v);
      SmallVector<Value> out;
      for (int64_t i = 0; i < words.getNumElements(); ++i) {
        Value word = vector::ExtractOp::create(b, cast, i);
        if (!bf16)
          word = LLVM::BitcastOp::create(
              b, VectorType::get({2}, b.getF16Type()), word);
        out.push_back(word);
      }
      return out;
    };
    SmallVector<Value> lo = regs(a[0]), hi = regs(a[1]), bw = regs(w);
    SmallVector<Value> c;
    for (int64_t v = 0; v < 4; ++v)
      c.push_back(vector::ExtractOp::create(b, acc, v));
    for (int64_t s = 0; s < steps; ++s) {
      // Registers a0a1 (row g), a2a3 (row g+8), a4a5 (row g), a6a7 (row
      // g+8) take this step's two pairs of each row; b0b1, b2b3 likewise.
      c = mmaSyncM16N8K16(b, bf16,
                          {lo[2 * s], hi[2 * s], lo[2 * s + 1], hi[2 * s + 1]},
                          {bw[2 * s], bw[2 * s + 1]}, c);
    }
    return vector::FromElementsOp::create(
        b, VectorType::get({4}, b.getF32Type()), c);
  };
  return atom;
}

Value mlir::moe::mmaRegister(ImplicitLocOpBuilder &b, Value pair) {
  auto type = cast<VectorType>(pair.getType());
  if (!type.getElementType().isBF16())
    return pair;
  Value word =
      vector::BitCastOp::create(b, VectorType::get({1}, b.getI32Type()), pair);
  return vector::ExtractOp::create(b, word, 0);
}

SmallVector<Value> mlir::moe::mmaSyncM16N8K16(ImplicitLocOpBuilder &b,
                                              bool bf16, ArrayRef<Value> a,
                                              ArrayRef<Value> w,
                                              ArrayRef<Value> acc) {
  Type f32 = b.getF32Type();
  auto resultType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  NVVM::MMATypes type = bf16 ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  Value d = NVVM::MmaOp::create(
      b, resultType, a, w, acc, {16, 8, 16}, std::nullopt, std::nullopt,
      std::array<NVVM::MMATypes, 2>{type, type},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> c;
  for (int64_t v = 0; v < 4; ++v)
    c.push_back(LLVM::ExtractValueOp::create(b, d, v));
  return c;
}
