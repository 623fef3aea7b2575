//===- AlignKernel.cpp - the moe.align kernel template --------------------===//
//
// Emits the one-workgroup, deterministic counting sort of moe.align.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/GPUKernels.h"

#include "AlignParts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

using namespace mlir;
using namespace mlir::moe;

FailureOr<gpu::GPUFuncOp>
mlir::moe::buildAlignKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                            AlignOp op, const ChipInfo &chip, StringRef name,
                            bool routeChecks) {
  ImplicitLocOpBuilder b(op.getLoc(), builder);
  MLIRContext *ctx = b.getContext();
  int64_t experts = op.getNumExpertsAttr().getInt();
  int64_t blockM = op.getBlockMAttr().getInt();
  int64_t threads = kAlignWaves * chip.waveSize;
  Type i32 = b.getI32Type();
  // LDS below: counts [E], offsets [E + 1], partial sums, staged experts and
  // the route check, each 16-byte aligned (the bound also keeps E from
  // sizing loops that no chip could run).
  auto aligned = [](int64_t words) { return (words * 4 + 15) / 16 * 16; };
  int64_t fixedBytes =
      aligned(threads) + aligned(kAlignChunkRoutes) + aligned(2) + 32;
  int64_t maxExperts = (chip.ldsBytes - fixedBytes) / 8;
  if (experts > maxExperts)
    return op.emitOpError() << "has " << experts
                            << " experts; the align kernel keeps a count and "
                               "an offset of each in LDS, so expected at most "
                            << maxExperts << " on " << chip.name;

  SmallVector<Type> args{bufferTypeOf(op.getIds().getType())};
  if (op.getExpertBegin())
    args.push_back(b.getIndexType());
  args.append({bufferTypeOf(op.getSortedRouteIds().getType()),
               bufferTypeOf(op.getBlockExpertIds().getType()),
               bufferTypeOf(op.getPaddedCount().getType())});
  // The route check's host words and tag (reportBadRoutes).
  args.append({b.getI64Type(), b.getI64Type()});
  // LDS: route counts per expert, padded offsets [E + 1], the scan's
  // partial sums (one per thread), every route's local expert, and the
  // route check's two words.
  auto lds = [&](int64_t size) {
    return MemRefType::get(
        {size}, i32, AffineMap(),
        gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
  };
  auto func = createKernel(b, module, name, args, threads,
                           {lds(experts), lds(experts + 1), lds(threads),
                            lds(kAlignChunkRoutes), lds(2)});
  Block &entry = func.getBody().front();
  unsigned a = 0;
  Value ids = entry.getArgument(a++);
  Value begin = op.getExpertBegin() ? entry.getArgument(a++) : Value();
  Value sorted = entry.getArgument(a++), blocks = entry.getArgument(a++);
  Value countOut = entry.getArgument(a++);
  Value status = entry.getArgument(a++), tag = entry.getArgument(a++);
  ValueRange buffers = func.getWorkgroupAttributions();
  Value counts = buffers[0], offsets = buffers[1], partials = buffers[2];
  Value staged = buffers[3], bad = buffers[4];

  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
  auto toI32 = [&](Value v) { return arith::IndexCastOp::create(b, i32, v); };
  auto toIndex = [&](Value v) {
    return arith::IndexCastOp::create(b, b.getIndexType(), v).getResult();
  };
  AlignThreads t;
  t.tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  t.threads = threads;
  t.topK = memref::DimOp::create(b, ids, 1);
  t.routes = arith::MulIOp::create(b, memref::DimOp::create(b, ids, 0), t.topK);
  Value zero = idx(0), one = idx(1);

  // 1. Sentinels and -1 everywhere, zero counts, and every route's local
  //    expert staged in LDS (the ids are read from memory once).
  fillUnplaced(b, t, sorted, blocks);
  forStrided(b, t, zero, idx(experts), [&](Value e) {
    memref::StoreOp::create(b, toI32(zero), counts, e);
  });
  stageLocalExperts(b, t, ids, begin, staged, zero, t.routes);
  if (routeChecks)
    clearBadRoutes(b, t, bad);
  gpu::BarrierOp::create(b);

  // 2. Route counts: LDS atomic adds (order-free, so deterministic); routes
  //    of other ranks' experts (negative or >= E) are not counted.
  forStrided(b, t, zero, t.routes, [&](Value r) {
    countLocalRoute(b, toIndex(memref::LoadOp::create(b, staged, r)), experts,
                    counts);
  });
  if (routeChecks)
    countBadRoutes(b, t, ids, zero, t.routes, op.getRouteIdBound(), bad);
  gpu::BarrierOp::create(b);
  if (routeChecks)
    reportBadRoutes(b, t, ids, memref::LoadOp::create(b, bad, zero),
                    memref::LoadOp::create(b, bad, one), status, tag);

  // 3. Padded offsets and the count, scanned by the whole workgroup.
  scanPaddedOffsets(b, t, experts, blockM, counts, offsets, partials, countOut);

  // 4. Each expert's thread places its routes (ascending) and labels its
  //    blocks; experts without routes skip the scan.
  forStrided(b, t, zero, idx(experts), [&](Value e) {
    Value start = toIndex(memref::LoadOp::create(b, offsets, e));
    Value end = toIndex(memref::LoadOp::create(
        b, offsets, arith::AddIOp::create(b, e, one).getResult()));
    Value n = toIndex(memref::LoadOp::create(b, counts, e));
    auto ifAny = scf::IfOp::create(
        b, arith::CmpIOp::create(b, arith::CmpIPredicate::ne, n, zero),
        /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifAny.getThenRegion().front());
    placeRoutesOf(b, staged, t.routes, e, zero, start,
                  arith::AddIOp::create(b, start, n), sorted);
    labelBlocks(b, e, start, end, blockM, blocks);
  });
  gpu::ReturnOp::create(b);
  return func;
}
