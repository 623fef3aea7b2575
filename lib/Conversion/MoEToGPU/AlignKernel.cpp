//===- AlignKernel.cpp - the moe.align kernel template --------------------===//
//
// Emits the one-workgroup, deterministic counting sort of moe.align.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/GPUKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::moe;

FailureOr<gpu::GPUFuncOp>
mlir::moe::buildAlignKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                            AlignOp op, const ChipInfo &chip, StringRef name) {
  ImplicitLocOpBuilder b(op.getLoc(), builder);
  MLIRContext *ctx = b.getContext();
  int64_t experts = op.getNumExpertsAttr().getInt();
  int64_t blockM = op.getBlockMAttr().getInt();
  int64_t threads = kAlignWaves * chip.waveSize;
  Type i32 = b.getI32Type();

  SmallVector<Type> args{bufferTypeOf(op.getIds().getType())};
  if (op.getExpertBegin())
    args.push_back(b.getIndexType());
  args.append({bufferTypeOf(op.getSortedRouteIds().getType()),
               bufferTypeOf(op.getBlockExpertIds().getType()),
               bufferTypeOf(op.getPaddedCount().getType())});
  // Per-expert route counts, then padded offsets [E + 1], in LDS.
  auto lds = MemRefType::get(
      {experts + 1}, i32, AffineMap(),
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
  // LLVM vectorizes the offset scan into 16-byte LDS accesses (createKernel
  // aligns the buffers for them).
  auto func = createKernel(b, module, name, args, threads, {lds, lds});
  Block &entry = func.getBody().front();
  unsigned a = 0;
  Value ids = entry.getArgument(a++);
  Value begin = op.getExpertBegin() ? entry.getArgument(a++) : Value();
  Value sorted = entry.getArgument(a++), blocks = entry.getArgument(a++);
  Value countOut = entry.getArgument(a++);
  Value counts = func.getWorkgroupAttributions()[0];
  Value offsets = func.getWorkgroupAttributions()[1];

  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  auto toI32 = [&](Value v) { return arith::IndexCastOp::create(b, i32, v); };
  auto toIndex = [&](Value v) {
    return arith::IndexCastOp::create(b, b.getIndexType(), v).getResult();
  };
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value step = idx(threads), zero = idx(0), one = idx(1);
  Value topK = memref::DimOp::create(b, ids, 1);
  Value routes = arith::MulIOp::create(b, memref::DimOp::create(b, ids, 0),
                                       topK);
  Value maxRoutes = memref::DimOp::create(b, sorted, 0);
  Value maxBlocks = memref::DimOp::create(b, blocks, 0);

  // for (i = tid; i < n; i += threads) body(i)
  auto strided = [&](Value n, function_ref<void(Value)> body) {
    auto loop = scf::ForOp::create(b, tid, n, step);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    body(loop.getInductionVar());
  };
  // Calls body(r) for the routes of local expert e, in ascending r.
  auto forRoutesOf = [&](Value e, Value init,
                         function_ref<Value(Value r, Value acc)> body) {
    auto loop = scf::ForOp::create(b, zero, routes, one, init);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value r = loop.getInductionVar();
    Value id = toIndex(memref::LoadOp::create(
        b, ids, ValueRange{arith::DivUIOp::create(b, r, topK),
                           arith::RemUIOp::create(b, r, topK)}));
    if (begin)
      id = arith::SubIOp::create(b, id, begin);
    Value mine = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, id, e);
    auto ifMine = scf::IfOp::create(b, TypeRange{init.getType()}, mine,
                                    /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(&ifMine.getThenRegion().front());
      scf::YieldOp::create(b, body(r, loop.getRegionIterArgs()[0]));
      b.setInsertionPointToStart(&ifMine.getElseRegion().front());
      scf::YieldOp::create(b, loop.getRegionIterArgs()[0]);
    }
    scf::YieldOp::create(b, ifMine.getResult(0));
    return loop.getResult(0);
  };

  // 1. Sentinels and -1 everywhere; each expert's routes counted by one
  //    thread, scanning the ids in order (deterministic, no atomics).
  Value sentinel = toI32(routes);
  strided(maxRoutes, [&](Value i) {
    memref::StoreOp::create(b, sentinel, sorted, i);
  });
  strided(maxBlocks, [&](Value i) {
    memref::StoreOp::create(
        b, arith::ConstantOp::create(b, b.getI32IntegerAttr(-1)), blocks, i);
  });
  strided(idx(experts), [&](Value e) {
    Value n = forRoutesOf(e, zero, [&](Value, Value acc) {
      return arith::AddIOp::create(b, acc, one).getResult();
    });
    memref::StoreOp::create(b, toI32(n), counts, e);
  });
  gpu::BarrierOp::create(b);

  // 2. Padded offsets (a serial scan over E by thread 0) and the count.
  Value first = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, tid, zero);
  auto ifFirst = scf::IfOp::create(b, first, /*withElseRegion=*/false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifFirst.getThenRegion().front());
    memref::StoreOp::create(b, toI32(zero), offsets, zero);
    auto scan = scf::ForOp::create(b, zero, idx(experts), one, zero);
    b.setInsertionPointToStart(scan.getBody());
    Value e = scan.getInductionVar();
    Value c = toIndex(memref::LoadOp::create(b, counts, e));
    Value padded = arith::MulIOp::create(
        b,
        arith::DivUIOp::create(b, arith::AddIOp::create(b, c, idx(blockM - 1)),
                               idx(blockM)),
        idx(blockM));
    Value next = arith::AddIOp::create(b, scan.getRegionIterArgs()[0], padded);
    memref::StoreOp::create(b, toI32(next), offsets,
                            arith::AddIOp::create(b, e, one).getResult());
    scf::YieldOp::create(b, next);
    b.setInsertionPointAfter(scan);
    memref::StoreOp::create(b, toI32(scan.getResult(0)), countOut,
                            ValueRange{});
  }
  gpu::BarrierOp::create(b);

  // 3. Each expert's thread places its routes (ascending) and labels its
  //    blocks.
  strided(idx(experts), [&](Value e) {
    Value start = toIndex(memref::LoadOp::create(b, offsets, e));
    Value end = toIndex(memref::LoadOp::create(
        b, offsets, arith::AddIOp::create(b, e, one).getResult()));
    forRoutesOf(e, start, [&](Value r, Value pos) {
      memref::StoreOp::create(b, toI32(r), sorted, pos);
      return arith::AddIOp::create(b, pos, one).getResult();
    });
    auto label = scf::ForOp::create(
        b, arith::DivUIOp::create(b, start, idx(blockM)),
        arith::DivUIOp::create(b, end, idx(blockM)), one);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(label.getBody());
    memref::StoreOp::create(b, toI32(e), blocks, label.getInductionVar());
  });
  gpu::ReturnOp::create(b);
  return func;
}
