//===- AllToAllLayout.h - the rows moe.all_to_all moves ---------*- C++ -*-===//
//
// Where each rank's rows of a moe.all_to_all start and how long they are,
// from the counts, checked against the buffer: shared by the MPI backend
// and the GPU backends.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_RUNTIME_ALLTOALLLAYOUT_H
#define MOE_RUNTIME_ALLTOALLLAYOUT_H

#include <cstdint>
#include <string>
#include <vector>

namespace moe::runtime {

/// Rank r's block of rows: `rows[r]` rows from row `start[r]` on.
struct RowBlocks {
  std::vector<int64_t> start, rows;
  int64_t total = 0;
};

/// The blocks of `counts` (one i32 per rank of `ranks`) in a buffer of
/// `bufferRows` rows; "" on success, else why not (`what` names the counts:
/// "send_counts" or "recv_counts").
inline std::string layRowBlocks(const int32_t *counts, int ranks,
                                int64_t bufferRows, const char *what,
                                RowBlocks &blocks) {
  blocks.start.assign(ranks, 0);
  blocks.rows.assign(ranks, 0);
  blocks.total = 0;
  for (int r = 0; r < ranks; ++r) {
    if (counts[r] < 0)
      return std::string(what) + "[" + std::to_string(r) + "] is " +
             std::to_string(counts[r]) + " (expected a count >= 0)";
    blocks.start[r] = blocks.total;
    blocks.rows[r] = counts[r];
    blocks.total += counts[r];
  }
  if (blocks.total > bufferRows)
    return std::string(what) + " sum to " + std::to_string(blocks.total) +
           " rows, the buffer has " + std::to_string(bufferRows) +
           " (expected at most its rows)";
  return "";
}

/// The blocks of both sides of a moe.all_to_all: `send` in a buffer of
/// `inRows` rows, `recv` in one of `outRows`; "" on success, else why not.
inline std::string layExchange(const int32_t *send, const int32_t *recv,
                               int ranks, int64_t inRows, int64_t outRows,
                               RowBlocks &sent, RowBlocks &received) {
  std::string why = layRowBlocks(send, ranks, inRows, "send_counts", sent);
  return why.empty()
             ? layRowBlocks(recv, ranks, outRows, "recv_counts", received)
             : why;
}

} // namespace moe::runtime

#endif // MOE_RUNTIME_ALLTOALLLAYOUT_H
