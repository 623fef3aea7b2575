//===- LaneRoles.cpp - what each lane of an MMA loads and holds ----------===//
//
// Reads MMALayout lane by lane and fits each index to a LaneTerm.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/LaneRoles.h"

#include "llvm/ADT/STLExtras.h"

#include <algorithm>
#include <map>

using namespace mlir::moe;

std::optional<LaneTerm> mlir::moe::fitLaneTerm(llvm::ArrayRef<int64_t> values) {
  if (values.empty())
    return std::nullopt;
  int64_t lanes = values.size();
  LaneTerm term;
  term.offset = values[0];
  // The first lane that differs from lane 0 gives the divisor and the
  // scale; the first multiple of it back at lane 0's value, the remainder.
  auto first = llvm::find_if(values, [&](int64_t v) { return v != values[0]; });
  if (first != values.end()) {
    term.div = first - values.begin();
    term.scale = *first - term.offset;
    for (int64_t q = 2; q * term.div < lanes; ++q)
      if (values[q * term.div] == term.offset) {
        term.mod = q;
        break;
      }
  }
  for (int64_t lane = 0; lane < lanes; ++lane)
    if (term.at(lane) != values[lane])
      return std::nullopt;
  return term;
}

namespace {

/// Builds the roles lane by lane; each step fails with a reason.
class RoleDeriver {
public:
  RoleDeriver(const MMALayout &layout, std::string &why)
      : layout(layout), lanes(layout.waveSize), why(why) {}

  std::optional<LaneRoles> derive();

private:
  /// Fits `value(lane)` over the wave; `what` names it in the reason.
  template <typename Fn>
  std::optional<LaneTerm> fit(Fn value, const std::string &what) {
    llvm::SmallVector<int64_t> values;
    for (int64_t lane = 0; lane < lanes; ++lane)
      values.push_back(value(lane));
    std::optional<LaneTerm> term = fitLaneTerm(values);
    if (!term)
      why = what + " is not of the form scale * (lane / d % m) + c";
    return term;
  }

  bool deriveRows();
  bool deriveKGroups();
  bool deriveFeeds();
  bool deriveAccumulators();

  const MMALayout &layout;
  int64_t lanes;
  std::string &why;
  LaneRoles roles;
  /// Per lane: its A rows in order of first use, its sorted B k.
  std::vector<llvm::SmallVector<int64_t>> rowsOf, kOf;
};

} // namespace

bool RoleDeriver::deriveRows() {
  rowsOf.resize(lanes);
  for (int64_t lane = 0; lane < lanes; ++lane)
    for (int64_t v = 0; v < layout.aValuesPerLane(); ++v)
      if (!llvm::is_contained(rowsOf[lane], layout.a(lane, v).row))
        rowsOf[lane].push_back(layout.a(lane, v).row);
  size_t rows = rowsOf[0].size();
  for (size_t r = 0; r < rows; ++r) {
    std::optional<LaneTerm> term = fit(
        [&](int64_t lane) {
          return r < rowsOf[lane].size() ? rowsOf[lane][r] : -1;
        },
        "A row " + std::to_string(r) + " of a lane");
    if (!term)
      return false;
    roles.aRows.push_back(*term);
  }
  std::optional<LaneTerm> col =
      fit([&](int64_t lane) { return layout.b(lane, 0).col; }, "B column");
  if (!col)
    return false;
  roles.bCol = *col;
  for (int64_t lane = 0; lane < lanes; ++lane)
    for (int64_t v = 0; v < layout.bValuesPerLane(); ++v)
      if (layout.b(lane, v).col != roles.bCol.at(lane)) {
        why = "a lane holds B values of several columns";
        return false;
      }
  return true;
}

bool RoleDeriver::deriveKGroups() {
  // The k of each lane's B values, and of each of its A rows, must be one
  // set: the lane loads the same run of physical k for A and B.
  kOf.resize(lanes);
  for (int64_t lane = 0; lane < lanes; ++lane) {
    for (int64_t v = 0; v < layout.bValuesPerLane(); ++v)
      kOf[lane].push_back(layout.b(lane, v).row);
    llvm::sort(kOf[lane]);
    for (int64_t row : rowsOf[lane]) {
      llvm::SmallVector<int64_t> aK;
      for (int64_t v = 0; v < layout.aValuesPerLane(); ++v)
        if (layout.a(lane, v).row == row)
          aK.push_back(layout.a(lane, v).col);
      llvm::sort(aK);
      if (aK != kOf[lane]) {
        why = "lane " + std::to_string(lane) + " holds different k of A and B";
        return false;
      }
    }
  }
  // The sets split k into groups; a lane's group is its set's rank.
  roles.kPerRow = kOf[0].size();
  std::map<int64_t, llvm::SmallVector<int64_t>> groups;
  for (int64_t lane = 0; lane < lanes; ++lane) {
    auto [it, added] = groups.try_emplace(kOf[lane].front(), kOf[lane]);
    if (!added && it->second != kOf[lane]) {
      why = "two lanes hold overlapping k sets";
      return false;
    }
  }
  if (static_cast<int64_t>(groups.size()) * roles.kPerRow != layout.shape.k) {
    why = "the lanes' k sets do not split k evenly";
    return false;
  }
  std::optional<LaneTerm> group = fit(
      [&](int64_t lane) {
        return std::distance(groups.begin(), groups.find(kOf[lane].front()));
      },
      "the k group of a lane");
  if (!group)
    return false;
  roles.kGroup = *group;
  return true;
}

bool RoleDeriver::deriveFeeds() {
  // Value v's row index and its slot in the lane's sorted k: the same in
  // every lane.
  auto feedOf = [&](int64_t lane, int64_t row, int64_t k) {
    int64_t r = llvm::find(rowsOf[lane], row) - rowsOf[lane].begin();
    int64_t slot = llvm::find(kOf[lane], k) - kOf[lane].begin();
    return OperandFeed{r, slot};
  };
  for (int64_t v = 0; v < layout.aValuesPerLane(); ++v) {
    TilePos at = layout.a(0, v);
    roles.aFeed.push_back(feedOf(0, at.row, at.col));
  }
  for (int64_t v = 0; v < layout.bValuesPerLane(); ++v) {
    TilePos at = layout.b(0, v);
    roles.bFeed.push_back({0, feedOf(0, rowsOf[0][0], at.row).slot});
  }
  for (int64_t lane = 1; lane < lanes; ++lane) {
    for (int64_t v = 0; v < layout.aValuesPerLane(); ++v) {
      TilePos at = layout.a(lane, v);
      OperandFeed f = feedOf(lane, at.row, at.col);
      if (f.row != roles.aFeed[v].row || f.slot != roles.aFeed[v].slot) {
        why = "A value " + std::to_string(v) + " feeds differently by lane";
        return false;
      }
    }
    for (int64_t v = 0; v < layout.bValuesPerLane(); ++v)
      if (feedOf(lane, rowsOf[lane][0], layout.b(lane, v).row).slot !=
          roles.bFeed[v].slot) {
        why = "B value " + std::to_string(v) + " feeds differently by lane";
        return false;
      }
  }
  return true;
}

bool RoleDeriver::deriveAccumulators() {
  int64_t values = layout.dValuesPerLane();
  for (int64_t v = 0; v < values; ++v) {
    std::string name = "accumulator " + std::to_string(v);
    std::optional<LaneTerm> row =
        fit([&](int64_t lane) { return layout.d(lane, v).row; }, name + " row");
    std::optional<LaneTerm> col = fit(
        [&](int64_t lane) { return layout.d(lane, v).col; }, name + " column");
    if (!row || !col)
      return false;
    roles.d.push_back({*row, *col});
  }
  // The longest run of values in consecutive columns of one row.
  for (int64_t run = values; run > 1; run /= 2) {
    if (values % run != 0)
      continue;
    bool consecutive = true;
    for (int64_t v = 0; v < values && consecutive; ++v) {
      auto [row0, col0] = roles.d[v - v % run];
      auto [row, col] = roles.d[v];
      LaneTerm next = col0;
      next.offset += v % run;
      consecutive = row == row0 && col == next;
    }
    if (consecutive) {
      roles.dColumnRun = run;
      break;
    }
  }
  return true;
}

std::optional<LaneRoles> RoleDeriver::derive() {
  if (!deriveRows() || !deriveKGroups() || !deriveFeeds() ||
      !deriveAccumulators())
    return std::nullopt;
  return roles;
}

std::optional<LaneRoles> mlir::moe::deriveLaneRoles(const MMALayout &layout,
                                                    std::string &why) {
  return RoleDeriver(layout, why).derive();
}
