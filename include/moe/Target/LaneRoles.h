//===- LaneRoles.h - what each lane of an MMA loads and holds ---*- C++ -*-===//
//
// The lane roles of one MMA shape, derived from its MMALayout (the one
// source of truth): the A rows and B column a lane loads, which k it loads
// (a run of consecutive k, a permutation of the layout's k that A and B
// share), how its loaded values feed the MMA's operand registers, and where
// its accumulators sit. Every index is a LaneTerm of the lane number, so
// the kernels emit it with a division, a remainder and a multiply.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TARGET_LANEROLES_H
#define MOE_TARGET_LANEROLES_H

#include "moe/Target/MMALayout.h"

#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>

namespace mlir::moe {

/// scale * ((lane / div) % mod) + offset; mod == 0 means no remainder
/// (lane / div is below the wave's last group already).
struct LaneTerm {
  int64_t div = 1, mod = 0, scale = 0, offset = 0;

  int64_t at(int64_t lane) const {
    int64_t q = lane / div;
    return scale * (mod ? q % mod : q) + offset;
  }
  /// The same term without its offset.
  LaneTerm lanePart() const { return {div, mod, scale, 0}; }
  bool operator==(const LaneTerm &o) const {
    return div == o.div && mod == o.mod && scale == o.scale &&
           offset == o.offset;
  }
};

/// The LaneTerm equal to values[lane] for every lane of a wave of
/// values.size() lanes, or nullopt when none is.
std::optional<LaneTerm> fitLaneTerm(llvm::ArrayRef<int64_t> values);

/// Where MMA operand value v of a lane comes from: row `row` of the lane's
/// A rows (0 for B), slot `slot` of the lane's run of kPerRow loaded k.
struct OperandFeed {
  int64_t row, slot;
};

struct LaneRoles {
  /// The lane's A rows within the m-row tile, in the order of first use.
  llvm::SmallVector<LaneTerm> aRows;
  /// The lane's B column within the n-column tile.
  LaneTerm bCol;
  /// k each lane holds per row of one MMA, and which group of them it
  /// holds: the lane loads physical k kGroup * run .. + run - 1 (times the
  /// MMAs of a step), which stand for the layout's k of that group in
  /// increasing order; A and B number them alike, so the dot product is
  /// unchanged.
  int64_t kPerRow;
  LaneTerm kGroup;
  /// Operand value v of A and of B: where it is in the lane's loads.
  llvm::SmallVector<OperandFeed> aFeed, bFeed;
  /// Accumulator value v: its (row, column) in the m x n tile.
  llvm::SmallVector<std::pair<LaneTerm, LaneTerm>> d;
  /// Accumulator values that sit in consecutive columns of one row (d[v],
  /// d[v+1], ... for v a multiple of it).
  int64_t dColumnRun = 1;
};

/// The lane roles of `layout`, or nullopt with `why` when an index is not a
/// LaneTerm or the layout's A and B k do not pair up lane by lane.
std::optional<LaneRoles> deriveLaneRoles(const MMALayout &layout,
                                         std::string &why);

} // namespace mlir::moe

#endif // MOE_TARGET_LANEROLES_H
