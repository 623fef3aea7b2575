//===- AlignParts.h - pieces shared by the moe.align kernels ----*- C++ -*-===//
//
// The steps that the one-workgroup align kernel and the chunked ones share:
// staging a run of routes' local experts in LDS, a workgroup-wide scan of
// the padded expert offsets, and placing the staged routes in ascending
// order per expert, segment by segment and row by row.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_MOETOGPU_ALIGNPARTS_H
#define MOE_CONVERSION_MOETOGPU_ALIGNPARTS_H

#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <optional>

namespace mlir::moe {

/// Index values of one align kernel: its thread, its thread count, and the
/// ids tensor's routes (T * k) and k.
struct AlignThreads {
  Value tid;
  int64_t threads;
  Value routes, topK;
};

/// for (i = from + tid; i < to; i += threads) body(i)
void forStrided(ImplicitLocOpBuilder &b, const AlignThreads &t, Value from,
                Value to, function_ref<void(Value)> body);

/// The local expert of route r: ids[r / k][r % k] - begin (begin may be
/// null), as an index.
Value localExpertOf(ImplicitLocOpBuilder &b, const AlignThreads &t, Value ids,
                    Value begin, Value r);

/// The fills before any route is placed: the sentinel T*k in every slot of
/// `sorted` and -1 (no expert) in every entry of `blocks`. No barrier.
void fillUnplaced(ImplicitLocOpBuilder &b, const AlignThreads &t, Value sorted,
                  Value blocks);

/// Counts route expert `e` (an index) in `counts` with an LDS atomic add
/// (order-free, so deterministic), unless it is another rank's expert
/// (negative or >= experts).
void countLocalRoute(ImplicitLocOpBuilder &b, Value e, int64_t experts,
                     Value counts);

/// Labels the blocks of expert `e`, [start / blockM, end / blockM), with e.
void labelBlocks(ImplicitLocOpBuilder &b, Value e, Value start, Value end,
                 int64_t blockM, Value blocks);

/// Writes the local experts of routes [lo, lo + n) to staged[0, n) (i32)
/// and -1 to staged[n, roundup(n, t.threads)), so that the segment
/// placement reads whole rows. `staged` holds at least roundup(n,
/// t.threads) values. No barrier.
void stageLocalExperts(ImplicitLocOpBuilder &b, const AlignThreads &t,
                       Value ids, Value begin, Value staged, Value lo, Value n);

/// Exclusive scan of the padded route counts (roundup(counts[e], blockM))
/// over experts 0..E-1 by the whole workgroup: offsets[e] for e in [0, E],
/// offsets[E] the padded total, also stored to `total` (a 0-d i32 memref)
/// when given. `partials` is LDS of t.threads i32. Barriers included; on
/// return `offsets` is visible to every thread.
void scanPaddedOffsets(ImplicitLocOpBuilder &b, const AlignThreads &t,
                       int64_t experts, int64_t blockM, Value counts,
                       Value offsets, Value partials, Value total);

/// Routes of one row of the segment placement.
inline constexpr int64_t kAlignRowRoutes = 32;
/// Most segments of the segment placement.
inline constexpr int64_t kAlignMaxSegments = 8;

/// The segment placement of staged routes: the staged run is cut into
/// `segments` consecutive segments of rows of kAlignRowRoutes routes;
/// threads [s * kAlignRowRoutes, (s + 1) * kAlignRowRoutes) own segment s
/// and walk its rows in order. `cursors` (LDS, segments x experts i32)
/// first holds each segment's route count per expert, then where its next
/// route of that expert goes. Route order is kept: segments ascend, rows
/// ascend, and within a row a route's rank among the row's routes of its
/// expert comes from comparing the row's staged experts (LDS reads all
/// lanes share), so no atomics or wave operations decide a position.
struct AlignSegments {
  int64_t segments; ///< a power of two
  int64_t experts;
  Value cursors;
};

/// The most segments (a power of two, at most kAlignMaxSegments and
/// threads / kAlignRowRoutes) whose cursors of `experts` fit `freeBytes`
/// of LDS; 0 when not even one does.
int64_t alignSegmentsFor(int64_t threads, int64_t experts, int64_t freeBytes);

/// Zeroes the cursors. No barrier.
void clearSegmentCounts(ImplicitLocOpBuilder &b, const AlignThreads &t,
                        const AlignSegments &s);

/// Counts the local routes of staged[0, n) per segment and expert into the
/// cursors (LDS atomic adds; cleared cursors and staged experts visible).
/// No barrier.
void countRoutesBySegment(ImplicitLocOpBuilder &b, const AlignThreads &t,
                          const AlignSegments &s, Value staged, Value n);

/// counts[e] = the sum of the segments' counts of expert e (counted
/// cursors visible). No barrier.
void sumSegmentCounts(ImplicitLocOpBuilder &b, const AlignThreads &t,
                      const AlignSegments &s, Value counts);

/// Writes first + i to sorted for each local route i in [0, n) of the
/// staged experts: an expert's routes in ascending i from position
/// startOf(e) (an index) on. Takes counted cursors (visible); barriers
/// included.
void placeRoutesBySegment(ImplicitLocOpBuilder &b, const AlignThreads &t,
                          const AlignSegments &s, Value staged, Value n,
                          Value first, function_ref<Value(Value)> startOf,
                          Value sorted);

/// The route check of an align kernel (moe.align's ids outside
/// [0, `bound`), or only negative ids when `bound` is absent), counted in
/// two LDS words `bad` (i32): the number of bad routes and the first one.

/// Thread 0 sets bad = {0, INT32_MAX}. No barrier.
void clearBadRoutes(ImplicitLocOpBuilder &b, const AlignThreads &t, Value bad);

/// Whether route r's id is outside [0, `bound`) (only negative without a
/// bound): one unsigned compare of the id as an index.
Value routeIdOutside(ImplicitLocOpBuilder &b, const AlignThreads &t, Value ids,
                     Value r, std::optional<int64_t> bound);

/// Counts the routes in [lo, hi) whose id is out of bounds into `bad` with
/// LDS atomics (a count, and the first route with a min). No barrier.
void countBadRoutes(ImplicitLocOpBuilder &b, const AlignThreads &t, Value ids,
                    Value lo, Value hi, std::optional<int64_t> bound,
                    Value bad);

/// When `count` (i32) routes were bad, thread 0 records {tag, count, the
/// id of route `first` (i32), its token} in the host words at address
/// `status` (i64; 0: no record), unless a failure is recorded there
/// already. The runtime hands them to the call's status (moe_device_*
/// check block in runtime/lib/gpu/DeviceRuntime.cpp).
void reportBadRoutes(ImplicitLocOpBuilder &b, const AlignThreads &t, Value ids,
                     Value count, Value first, Value status, Value tag);

} // namespace mlir::moe

#endif // MOE_CONVERSION_MOETOGPU_ALIGNPARTS_H
