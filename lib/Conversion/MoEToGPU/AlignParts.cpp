//===- AlignParts.cpp - pieces shared by the moe.align kernels ------------===//

#include "AlignParts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::moe;

static Value idx(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}
static Value toI32(ImplicitLocOpBuilder &b, Value v) {
  return arith::IndexCastOp::create(b, b.getI32Type(), v);
}
static Value toIndex(ImplicitLocOpBuilder &b, Value v) {
  return arith::IndexCastOp::create(b, b.getIndexType(), v);
}

void mlir::moe::forStrided(ImplicitLocOpBuilder &b, const AlignThreads &t,
                           Value from, Value to,
                           function_ref<void(Value)> body) {
  auto loop = scf::ForOp::create(b, arith::AddIOp::create(b, from, t.tid), to,
                                 idx(b, t.threads));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  body(loop.getInductionVar());
}

Value mlir::moe::localExpertOf(ImplicitLocOpBuilder &b, const AlignThreads &t,
                               Value ids, Value begin, Value r) {
  Value id = toIndex(b, memref::LoadOp::create(
                            b, ids,
                            ValueRange{arith::DivUIOp::create(b, r, t.topK),
                                       arith::RemUIOp::create(b, r, t.topK)}));
  return begin ? arith::SubIOp::create(b, id, begin).getResult() : id;
}

void mlir::moe::fillUnplaced(ImplicitLocOpBuilder &b, const AlignThreads &t,
                             Value sorted, Value blocks) {
  Value zero = idx(b, 0);
  Value sentinel = toI32(b, t.routes);
  forStrided(b, t, zero, memref::DimOp::create(b, sorted, 0),
             [&](Value i) { memref::StoreOp::create(b, sentinel, sorted, i); });
  forStrided(b, t, zero, memref::DimOp::create(b, blocks, 0), [&](Value i) {
    memref::StoreOp::create(
        b, arith::ConstantOp::create(b, b.getI32IntegerAttr(-1)), blocks, i);
  });
}

void mlir::moe::countLocalRoute(ImplicitLocOpBuilder &b, Value e,
                                int64_t experts, Value counts) {
  Value local =
      arith::CmpIOp::create(b, arith::CmpIPredicate::ult, e, idx(b, experts));
  auto ifLocal = scf::IfOp::create(b, local, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifLocal.getThenRegion().front());
  memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::addi,
                              toI32(b, idx(b, 1)), counts, ValueRange{e});
}

void mlir::moe::labelBlocks(ImplicitLocOpBuilder &b, Value e, Value start,
                            Value end, int64_t blockM, Value blocks) {
  auto label = scf::ForOp::create(
      b, arith::DivUIOp::create(b, start, idx(b, blockM)),
      arith::DivUIOp::create(b, end, idx(b, blockM)), idx(b, 1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(label.getBody());
  memref::StoreOp::create(b, toI32(b, e), blocks, label.getInductionVar());
}

void mlir::moe::stageLocalExperts(ImplicitLocOpBuilder &b,
                                  const AlignThreads &t, Value ids, Value begin,
                                  Value staged, Value lo, Value n) {
  Value zero = idx(b, 0);
  forStrided(b, t, zero, n, [&](Value i) {
    Value e = localExpertOf(b, t, ids, begin, arith::AddIOp::create(b, lo, i));
    memref::StoreOp::create(b, toI32(b, e), staged, i);
  });
  Value padded = arith::MulIOp::create(
      b, arith::CeilDivUIOp::create(b, n, idx(b, t.threads)),
      idx(b, t.threads));
  forStrided(b, t, n, padded, [&](Value i) {
    memref::StoreOp::create(
        b, arith::ConstantOp::create(b, b.getI32IntegerAttr(-1)), staged, i);
  });
}

void mlir::moe::scanPaddedOffsets(ImplicitLocOpBuilder &b,
                                  const AlignThreads &t, int64_t experts,
                                  int64_t blockM, Value counts, Value offsets,
                                  Value partials, Value total) {
  // Thread j owns the `per` consecutive experts from j * per: their padded
  // counts' sum goes to partials[j]; an inclusive Hillis-Steele scan over
  // the partials (log2(threads) steps) gives each thread its first offset.
  int64_t per = llvm::divideCeil(experts, t.threads);
  Value zero = idx(b, 0), one = idx(b, 1);
  Value first = arith::MulIOp::create(b, t.tid, idx(b, per));
  auto padded = [&](int64_t j) -> std::pair<Value, Value> {
    Value e = arith::AddIOp::create(b, first, idx(b, j));
    Value valid =
        arith::CmpIOp::create(b, arith::CmpIPredicate::ult, e, idx(b, experts));
    Value safe = arith::SelectOp::create(b, valid, e, zero);
    Value c = toIndex(b, memref::LoadOp::create(b, counts, safe));
    Value up = arith::MulIOp::create(
        b, arith::CeilDivUIOp::create(b, c, idx(b, blockM)), idx(b, blockM));
    return {e, arith::SelectOp::create(b, valid, up, zero)};
  };
  Value local = zero;
  for (int64_t j = 0; j < per; ++j)
    local = arith::AddIOp::create(b, local, padded(j).second);
  memref::StoreOp::create(b, toI32(b, local), partials, t.tid);
  gpu::BarrierOp::create(b);
  for (int64_t d = 1; d < t.threads; d *= 2) {
    Value has =
        arith::CmpIOp::create(b, arith::CmpIPredicate::uge, t.tid, idx(b, d));
    Value from = arith::SelectOp::create(
        b, has, arith::SubIOp::create(b, t.tid, idx(b, d)), zero);
    Value v = arith::SelectOp::create(
        b, has, memref::LoadOp::create(b, partials, from),
        arith::ConstantOp::create(b, b.getI32IntegerAttr(0)));
    gpu::BarrierOp::create(b);
    Value mine = memref::LoadOp::create(b, partials, t.tid);
    memref::StoreOp::create(b, arith::AddIOp::create(b, mine, v), partials,
                            t.tid);
    gpu::BarrierOp::create(b);
  }
  Value run = arith::SubIOp::create(
      b, toIndex(b, memref::LoadOp::create(b, partials, t.tid)), local);
  auto isFirst =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, t.tid, zero);
  auto ifFirst = scf::IfOp::create(b, isFirst, /*withElseRegion=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifFirst.getThenRegion().front());
    memref::StoreOp::create(b, toI32(b, zero), offsets, zero);
    if (total)
      memref::StoreOp::create(
          b, memref::LoadOp::create(b, partials, idx(b, t.threads - 1)), total,
          ValueRange{});
  }
  for (int64_t j = 0; j < per; ++j) {
    auto [e, up] = padded(j);
    run = arith::AddIOp::create(b, run, up);
    Value valid =
        arith::CmpIOp::create(b, arith::CmpIPredicate::ult, e, idx(b, experts));
    auto ifValid = scf::IfOp::create(b, valid, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifValid.getThenRegion().front());
    memref::StoreOp::create(b, toI32(b, run), offsets,
                            arith::AddIOp::create(b, e, one).getResult());
  }
  gpu::BarrierOp::create(b);
}

int64_t mlir::moe::alignSegmentsFor(int64_t threads, int64_t experts,
                                    int64_t freeBytes) {
  int64_t segments = 0;
  for (int64_t s = 1; s <= kAlignMaxSegments && s * kAlignRowRoutes <= threads;
       s *= 2)
    if (4 * s * experts <= freeBytes)
      segments = s;
  return segments;
}

namespace {
/// Where one thread is in the segment placement: its segment and lane, the
/// rows of every segment, and whether it owns a segment at all.
struct SegmentThread {
  Value segment, lane, rows, segmentStart, active;
};

/// One thread's route in a row of its segment (forEachRow).
struct RowRoute {
  Value segment, lane; ///< the thread's segment and place in the row
  Value rowStart;      ///< the row's first staged route
  Value i;             ///< the thread's staged route, rowStart + lane
  Value e;             ///< its staged expert (an index)
  Value local;         ///< a route of this rank's experts
};
} // namespace

static SegmentThread segmentThreadOf(ImplicitLocOpBuilder &b,
                                     const AlignThreads &t,
                                     const AlignSegments &s, Value n) {
  Value row = idx(b, kAlignRowRoutes);
  SegmentThread st;
  st.segment = arith::DivUIOp::create(b, t.tid, row);
  st.lane = arith::RemUIOp::create(b, t.tid, row);
  st.rows =
      arith::CeilDivUIOp::create(b, n, idx(b, s.segments * kAlignRowRoutes));
  st.segmentStart = arith::MulIOp::create(
      b, st.segment, arith::MulIOp::create(b, st.rows, row));
  st.active = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, st.segment,
                                    idx(b, s.segments));
  return st;
}

/// Runs body for each row of the thread's segment, all threads the same
/// number of times; `local` is false past the staged routes and for
/// threads without a segment (those read the first row and place nothing).
static void forEachRow(ImplicitLocOpBuilder &b, const AlignThreads &t,
                       const AlignSegments &s, Value staged, Value n,
                       function_ref<void(const RowRoute &)> body) {
  SegmentThread st = segmentThreadOf(b, t, s, n);
  auto loop = scf::ForOp::create(b, idx(b, 0), st.rows, idx(b, 1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value rowStart =
      arith::AddIOp::create(b, st.segmentStart,
                            arith::MulIOp::create(b, loop.getInductionVar(),
                                                  idx(b, kAlignRowRoutes)));
  RowRoute r;
  r.segment = st.segment;
  r.lane = st.lane;
  r.rowStart = arith::SelectOp::create(b, st.active, rowStart, idx(b, 0));
  r.i = arith::AddIOp::create(b, r.rowStart, st.lane);
  r.e = toIndex(b, memref::LoadOp::create(b, staged, r.i));
  r.local =
      arith::AndIOp::create(b, st.active,
                            arith::CmpIOp::create(b, arith::CmpIPredicate::ult,
                                                  r.e, idx(b, s.experts)));
  body(r);
}

/// Index of (segment, expert e) in the cursors.
static Value cursorAt(ImplicitLocOpBuilder &b, const AlignSegments &s,
                      Value segment, Value e) {
  return arith::AddIOp::create(
      b, arith::MulIOp::create(b, segment, idx(b, s.experts)), e);
}

void mlir::moe::clearSegmentCounts(ImplicitLocOpBuilder &b,
                                   const AlignThreads &t,
                                   const AlignSegments &s) {
  forStrided(b, t, idx(b, 0), idx(b, s.segments * s.experts), [&](Value i) {
    memref::StoreOp::create(b, toI32(b, idx(b, 0)), s.cursors, i);
  });
}

void mlir::moe::countRoutesBySegment(ImplicitLocOpBuilder &b,
                                     const AlignThreads &t,
                                     const AlignSegments &s, Value staged,
                                     Value n) {
  forEachRow(b, t, s, staged, n, [&](const RowRoute &r) {
    auto ifLocal = scf::IfOp::create(b, r.local, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifLocal.getThenRegion().front());
    memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::addi,
                                toI32(b, idx(b, 1)), s.cursors,
                                ValueRange{cursorAt(b, s, r.segment, r.e)});
  });
}

void mlir::moe::sumSegmentCounts(ImplicitLocOpBuilder &b, const AlignThreads &t,
                                 const AlignSegments &s, Value counts) {
  forStrided(b, t, idx(b, 0), idx(b, s.experts), [&](Value e) {
    Value sum = memref::LoadOp::create(b, s.cursors, e);
    for (int64_t g = 1; g < s.segments; ++g)
      sum = arith::AddIOp::create(
          b, sum,
          memref::LoadOp::create(b, s.cursors, cursorAt(b, s, idx(b, g), e)));
    memref::StoreOp::create(b, sum, counts, e);
  });
}

void mlir::moe::placeRoutesBySegment(ImplicitLocOpBuilder &b,
                                     const AlignThreads &t,
                                     const AlignSegments &s, Value staged,
                                     Value n, Value first,
                                     function_ref<Value(Value)> startOf,
                                     Value sorted) {
  // Counts become each segment's first position per expert: the expert's
  // start, then the segments before it.
  forStrided(b, t, idx(b, 0), idx(b, s.experts), [&](Value e) {
    Value run = toI32(b, startOf(e));
    for (int64_t g = 0; g < s.segments; ++g) {
      Value at = cursorAt(b, s, idx(b, g), e);
      Value count = memref::LoadOp::create(b, s.cursors, at);
      memref::StoreOp::create(b, run, s.cursors, at);
      run = arith::AddIOp::create(b, run, count);
    }
  });
  gpu::BarrierOp::create(b);
  Type i32 = b.getI32Type();
  forEachRow(
      b, t, s, staged, n, [&](const RowRoute &r) {
        Value e = r.e, local = r.local;
        // The rank of route i among the row's routes of expert e, and how many
        // the row has; four staged experts per LDS read, the same address for
        // every thread of the row.
        Value e32 = toI32(b, e);
        Value rank = toI32(b, idx(b, 0)), group = rank;
        Value one = arith::ConstantOp::create(b, b.getI32IntegerAttr(1));
        Value none = arith::ConstantOp::create(b, b.getI32IntegerAttr(0));
        for (int64_t j = 0; j < kAlignRowRoutes; j += 4) {
          Value quad = vector::LoadOp::create(
              b, VectorType::get({4}, i32), staged,
              ValueRange{arith::AddIOp::create(b, r.rowStart, idx(b, j))});
          for (int64_t q = 0; q < 4; ++q) {
            Value same = arith::CmpIOp::create(
                b, arith::CmpIPredicate::eq,
                vector::ExtractOp::create(b, quad, q), e32);
            Value before = arith::CmpIOp::create(b, arith::CmpIPredicate::ult,
                                                 idx(b, j + q), r.lane);
            Value add = arith::SelectOp::create(b, same, one, none);
            group = arith::AddIOp::create(b, group, add);
            rank = arith::AddIOp::create(
                b, rank, arith::SelectOp::create(b, before, add, none));
          }
        }
        Value at = cursorAt(b, s, r.segment,
                            arith::SelectOp::create(b, local, e, idx(b, 0)));
        {
          auto ifLocal = scf::IfOp::create(b, local, /*withElseRegion=*/false);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(&ifLocal.getThenRegion().front());
          Value pos = toIndex(
              b, arith::AddIOp::create(
                     b, memref::LoadOp::create(b, s.cursors, at), rank));
          memref::StoreOp::create(
              b, toI32(b, arith::AddIOp::create(b, first, r.i)), sorted, pos);
        }
        // Every position of the row is read before the row's last route of
        // each expert moves that expert's cursor past the row.
        gpu::BarrierOp::create(b);
        Value last = arith::AndIOp::create(
            b, local,
            arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                  arith::AddIOp::create(b, rank, one), group));
        {
          auto ifLast = scf::IfOp::create(b, last, /*withElseRegion=*/false);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(&ifLast.getThenRegion().front());
          memref::StoreOp::create(
              b,
              arith::AddIOp::create(b, memref::LoadOp::create(b, s.cursors, at),
                                    group),
              s.cursors, at);
        }
        gpu::BarrierOp::create(b);
      });
}

void mlir::moe::clearBadRoutes(ImplicitLocOpBuilder &b, const AlignThreads &t,
                               Value bad) {
  auto first = scf::IfOp::create(
      b, arith::CmpIOp::create(b, arith::CmpIPredicate::eq, t.tid, idx(b, 0)),
      /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&first.getThenRegion().front());
  memref::StoreOp::create(b, toI32(b, idx(b, 0)), bad, ValueRange{idx(b, 0)});
  memref::StoreOp::create(
      b, arith::ConstantOp::create(b, b.getI32IntegerAttr(INT32_MAX)), bad,
      ValueRange{idx(b, 1)});
}

Value mlir::moe::routeIdOutside(ImplicitLocOpBuilder &b, const AlignThreads &t,
                                Value ids, Value r,
                                std::optional<int64_t> bound) {
  Value id = localExpertOf(b, t, ids, /*begin=*/Value(), r);
  return bound ? arith::CmpIOp::create(b, arith::CmpIPredicate::uge, id,
                                       idx(b, *bound))
               : arith::CmpIOp::create(b, arith::CmpIPredicate::slt, id,
                                       idx(b, 0));
}

void mlir::moe::countBadRoutes(ImplicitLocOpBuilder &b, const AlignThreads &t,
                               Value ids, Value lo, Value hi,
                               std::optional<int64_t> bound, Value bad) {
  forStrided(b, t, lo, hi, [&](Value r) {
    Value outside = routeIdOutside(b, t, ids, r, bound);
    auto ifBad = scf::IfOp::create(b, outside, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifBad.getThenRegion().front());
    memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::addi,
                                toI32(b, idx(b, 1)), bad,
                                ValueRange{idx(b, 0)});
    memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::mins, toI32(b, r), bad,
                                ValueRange{idx(b, 1)});
  });
}

void mlir::moe::reportBadRoutes(ImplicitLocOpBuilder &b, const AlignThreads &t,
                                Value ids, Value count, Value first,
                                Value status, Value tag) {
  Type i64 = b.getI64Type();
  auto i64Const = [&](int64_t v) {
    return arith::ConstantOp::create(b, b.getI64IntegerAttr(v)).getResult();
  };
  Value zero32 = arith::ConstantOp::create(b, b.getI32IntegerAttr(0));
  Value report = arith::AndIOp::create(
      b,
      arith::AndIOp::create(
          b,
          arith::CmpIOp::create(b, arith::CmpIPredicate::eq, t.tid, idx(b, 0)),
          arith::CmpIOp::create(b, arith::CmpIPredicate::sgt, count, zero32)),
      arith::CmpIOp::create(b, arith::CmpIPredicate::ne, status, i64Const(0)));
  auto ifReport = scf::IfOp::create(b, report, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifReport.getThenRegion().front());
  // The words are host memory the runtime maps for the device: a generic
  // pointer, plain loads and stores (align kernels run in stream order and
  // one thread writes; the host reads them after the call's synchronize).
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext());
  Value base = LLVM::IntToPtrOp::create(b, ptrType, status);
  auto word = [&](int64_t i) {
    return LLVM::GEPOp::create(b, ptrType, i64, base,
                               ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)})
        .getResult();
  };
  Value recorded = LLVM::LoadOp::create(b, i64, word(0), /*alignment=*/8,
                                        /*isVolatile=*/true);
  auto ifFirst = scf::IfOp::create(
      b,
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, recorded, i64Const(0)),
      /*withElseRegion=*/false);
  b.setInsertionPointToStart(&ifFirst.getThenRegion().front());
  Value r = toIndex(b, first);
  Value id = localExpertOf(b, t, ids, /*begin=*/Value(), r);
  Value token = arith::DivUIOp::create(b, r, t.topK);
  auto toI64 = [&](Value v) -> Value {
    if (v.getType().isIndex())
      return arith::IndexCastOp::create(b, i64, v);
    return arith::ExtSIOp::create(b, i64, v);
  };
  SmallVector<Value> values{tag, toI64(count), toI64(id), toI64(token)};
  for (auto [i, v] : llvm::enumerate(values))
    LLVM::StoreOp::create(b, v, word(i), /*alignment=*/8, /*isVolatile=*/true);
}
