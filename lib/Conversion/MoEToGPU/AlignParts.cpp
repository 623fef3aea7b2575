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
  Value n4 = arith::MulIOp::create(
      b, arith::CeilDivUIOp::create(b, n, idx(b, 4)), idx(b, 4));
  forStrided(b, t, n, n4, [&](Value i) {
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

void mlir::moe::placeRoutesOf(ImplicitLocOpBuilder &b, Value staged, Value n,
                              Value e, Value first, Value start, Value end,
                              Value sorted) {
  Type index = b.getIndexType();
  Value four = idx(b, 4), one = idx(b, 1), zero = idx(b, 0);
  Value n4 =
      arith::MulIOp::create(b, arith::CeilDivUIOp::create(b, n, four), four);
  Value e32 = toI32(b, e);
  // The builder makes both blocks (with their arguments); fill them.
  auto loop = scf::WhileOp::create(b, TypeRange{index, index},
                                   ValueRange{zero, start}, nullptr, nullptr);
  {
    OpBuilder::InsertionGuard guard(b);
    Block *before = &loop.getBefore().front();
    b.setInsertionPointToStart(before);
    Value r = before->getArgument(0), pos = before->getArgument(1);
    Value more = arith::CmpIOp::create(b, arith::CmpIPredicate::ult, r, n4);
    if (end)
      more = arith::AndIOp::create(
          b, more,
          arith::CmpIOp::create(b, arith::CmpIPredicate::ult, pos, end));
    scf::ConditionOp::create(b, more, ValueRange{r, pos});
  }
  {
    OpBuilder::InsertionGuard guard(b);
    Block *after = &loop.getAfter().front();
    b.setInsertionPointToStart(after);
    Value r = after->getArgument(0), pos = after->getArgument(1);
    Value quad = vector::LoadOp::create(b, VectorType::get({4}, b.getI32Type()),
                                        staged, ValueRange{r});
    for (int64_t j = 0; j < 4; ++j) {
      Value mine =
          arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                vector::ExtractOp::create(b, quad, j), e32);
      auto ifMine = scf::IfOp::create(b, mine, /*withElseRegion=*/false);
      {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(&ifMine.getThenRegion().front());
        Value route = arith::AddIOp::create(
            b, first, arith::AddIOp::create(b, r, idx(b, j)));
        memref::StoreOp::create(b, toI32(b, route), sorted, pos);
      }
      pos = arith::AddIOp::create(b, pos,
                                  arith::SelectOp::create(b, mine, one, zero));
    }
    scf::YieldOp::create(b, ValueRange{arith::AddIOp::create(b, r, four), pos});
  }
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

void mlir::moe::countBadRoutes(ImplicitLocOpBuilder &b, const AlignThreads &t,
                               Value ids, Value lo, Value hi,
                               std::optional<int64_t> bound, Value bad) {
  forStrided(b, t, lo, hi, [&](Value r) {
    Value id = localExpertOf(b, t, ids, /*begin=*/Value(), r);
    Value outside = bound ? arith::CmpIOp::create(b, arith::CmpIPredicate::uge,
                                                  id, idx(b, *bound))
                          : arith::CmpIOp::create(b, arith::CmpIPredicate::slt,
                                                  id, idx(b, 0));
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
