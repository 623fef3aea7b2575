//===- MMAAtom.cpp - the per-target part of the grouped GEMM -------------===//
//
// The chip's MMA shape and instruction family, and a lane's role values,
// emitted from the lane roles that LaneRoles derives from MMALayout.
//
//===----------------------------------------------------------------------===//

#include "MMAAtom.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/Support/ErrorHandling.h"

#include <map>
#include <tuple>

using namespace mlir;
using namespace mlir::moe;

std::optional<MMAShape> mlir::moe::pickMMA(const ChipInfo &chip) {
  std::optional<MMAShape> best;
  for (const MMAShape &s : chip.bf16MMA)
    if (s.m == 16 && (!best || s.k > best->k))
      best = s;
  return best;
}

std::optional<MMAShape>
mlir::moe::pickBlockMMA(const ChipInfo &chip, int64_t blockM, int64_t blockN) {
  std::optional<MMAShape> best;
  if (blockM % 32 == 0 && blockN % 32 == 0)
    for (const MMAShape &s : chip.bf16MMA) {
      std::string why;
      if (s.m == 32 && s.n == 32 && (!best || s.k > best->k) &&
          laneRolesOf(chip, s, why))
        best = s;
    }
  return best ? best : pickMMA(chip);
}

const MMAInstruction &mlir::moe::mmaInstructionOf(const ChipInfo &chip) {
  switch (chip.mmaFamily) {
  case MMAFamily::MFMA:
    return mfmaInstruction();
  case MMAFamily::MMASync:
    return mmaSyncInstruction();
  }
  llvm_unreachable("unknown MMA family");
}

std::optional<LaneRoles>
mlir::moe::laneRolesOf(const ChipInfo &chip, MMAShape mma, std::string &why) {
  std::optional<LaneRoles> roles =
      deriveLaneRoles(MMALayout(mma, chip.waveSize), why);
  if (!roles)
    return std::nullopt;
  why = mmaInstructionOf(chip).checkFeed(mma, *roles);
  if (!why.empty())
    return std::nullopt;
  return roles;
}

/// The roles of a shape the caller has checked with laneRolesOf.
static LaneRoles checkedRoles(const ChipInfo &chip, MMAShape mma) {
  std::string why;
  std::optional<LaneRoles> roles = laneRolesOf(chip, mma, why);
  if (!roles)
    llvm::report_fatal_error(llvm::Twine("internal: MMA lane roles on ") +
                             chip.name + " used unchecked: " + why);
  return *roles;
}

/// MMAs per k step: as many as make each lane's load 8 consecutive k (16
/// bytes) when K is a multiple of 8, else 1.
static int64_t mmasPerStep(int64_t kPerRow, int64_t depth) {
  return depth % 8 == 0 && kPerRow < 8 ? 8 / kPerRow : 1;
}

int64_t mlir::moe::kStepOf(const ChipInfo &chip, MMAShape mma, int64_t depth) {
  return mmasPerStep(checkedRoles(chip, mma).kPerRow, depth) * mma.k;
}

int64_t mlir::moe::kLoadOf(const ChipInfo &chip, MMAShape mma, int64_t depth) {
  int64_t kPerRow = checkedRoles(chip, mma).kPerRow;
  return mmasPerStep(kPerRow, depth) * kPerRow;
}

int64_t mlir::moe::aRowsPerLane(const ChipInfo &chip, MMAShape mma) {
  std::string why;
  std::optional<LaneRoles> roles = laneRolesOf(chip, mma, why);
  return roles ? roles->aRows.size() : 0;
}

namespace {

/// Emits LaneTerms of one lane value, each division, remainder, product and
/// sum once.
class LaneTermValues {
public:
  LaneTermValues(ImplicitLocOpBuilder &b, Value lane) : b(b), lane(lane) {}

  Value operator()(const LaneTerm &t) {
    auto key = std::make_tuple(t.div, t.mod, t.scale, t.offset);
    auto it = cache.find(key);
    if (it != cache.end())
      return it->second;
    Value v;
    if (t.scale == 0)
      v = idx(t.offset);
    else if (t.offset != 0)
      v = arith::AddIOp::create(b, (*this)(t.lanePart()), idx(t.offset));
    else if (t.scale != 1)
      v = arith::MulIOp::create(b, (*this)({t.div, t.mod, 1, 0}), idx(t.scale));
    else if (t.mod != 0)
      v = arith::RemUIOp::create(b, (*this)({t.div, 0, 1, 0}), idx(t.mod));
    else if (t.div != 1)
      v = arith::DivUIOp::create(b, lane, idx(t.div));
    else
      v = lane;
    return cache[key] = v;
  }

private:
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }

  ImplicitLocOpBuilder &b;
  Value lane;
  std::map<std::tuple<int64_t, int64_t, int64_t, int64_t>, Value> cache;
};

} // namespace

MMAAtom mlir::moe::makeAtom(ImplicitLocOpBuilder &b, const ChipInfo &chip,
                            MMAShape mma, int64_t depth, Type element,
                            Value lane) {
  MMAAtom atom;
  atom.mma = mma;
  atom.roles = checkedRoles(chip, mma);
  atom.instruction = &mmaInstructionOf(chip);
  atom.element = element;
  int64_t mmas = mmasPerStep(atom.roles.kPerRow, depth);
  atom.kStep = mmas * mma.k;
  atom.kLoad = mmas * atom.roles.kPerRow;
  atom.accType = VectorType::get({static_cast<int64_t>(atom.roles.d.size())},
                                 b.getF32Type());
  LaneTermValues values(b, lane);
  // The lane's k group loads kLoad consecutive k of each step. (Emitted
  // after the first A row, as the closed forms before the lane roles were:
  // that kept the kernels' IR byte-identical.)
  atom.aRows.push_back(values(atom.roles.aRows.front()));
  atom.kOffset =
      arith::MulIOp::create(b, values(atom.roles.kGroup),
                            arith::ConstantIndexOp::create(b, atom.kLoad));
  for (const LaneTerm &row : llvm::drop_begin(atom.roles.aRows))
    atom.aRows.push_back(values(row));
  atom.bCol = values(atom.roles.bCol);
  for (auto [row, col] : atom.roles.d)
    atom.d.push_back({values(row), values(col)});
  return atom;
}
