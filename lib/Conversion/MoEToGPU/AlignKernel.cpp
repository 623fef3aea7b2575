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
#include "llvm/Support/MathExtras.h"

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
  // LDS below: counts [E], offsets [E + 1], partial sums, staged experts,
  // the route check and the placement's cursors [segments x E], each
  // 16-byte aligned (the bound also keeps E from sizing loops that no chip
  // could run). A workgroup declares it statically.
  auto aligned = [](int64_t words) { return (words * 4 + 15) / 16 * 16; };
  int64_t stagedWords = llvm::alignTo(kAlignChunkRoutes, threads);
  int64_t baseBytes = aligned(threads) + aligned(stagedWords) + aligned(2) + 16;
  int64_t segments =
      alignSegmentsFor(threads, experts,
                       chip.staticLdsBytes - baseBytes - aligned(experts) -
                           aligned(experts + 1));
  if (segments == 0)
    return op.emitOpError()
           << "has " << experts
           << " experts; the align kernel keeps a count, an offset and a "
              "cursor of each in LDS, so expected at most "
           // One segment's cursors fit when 4E + aligned(E) + aligned(E + 1)
           // (at most 12E + 28 bytes) do.
           << (chip.staticLdsBytes - baseBytes - 28) / 12 << " on "
           << chip.name;

  SmallVector<Type> args{bufferTypeOf(op.getIds().getType())};
  if (op.getExpertBegin())
    args.push_back(b.getIndexType());
  args.append({bufferTypeOf(op.getSortedRouteIds().getType()),
               bufferTypeOf(op.getBlockExpertIds().getType()),
               bufferTypeOf(op.getPaddedCount().getType())});
  // The route check's host words and tag (reportBadRoutes).
  args.append({b.getI64Type(), b.getI64Type()});
  // LDS: route counts per expert, padded offsets [E + 1], the scan's
  // partial sums (one per thread), every route's local expert, the route
  // check's two words and the placement's cursors.
  auto lds = [&](int64_t size) {
    return MemRefType::get(
        {size}, i32, AffineMap(),
        gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
  };
  auto func = createKernel(b, module, name, args, threads,
                           {lds(experts), lds(experts + 1), lds(threads),
                            lds(stagedWords), lds(2), lds(segments * experts)});
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
  AlignSegments place{segments, experts, buffers[5]};

  auto idx = [&](int64_t v) { return arith::ConstantIndexOp::create(b, v); };
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
  clearSegmentCounts(b, t, place);
  stageLocalExperts(b, t, ids, begin, staged, zero, t.routes);
  if (routeChecks)
    clearBadRoutes(b, t, bad);
  gpu::BarrierOp::create(b);

  // 2. Route counts per segment and expert: LDS atomic adds (order-free, so
  //    deterministic); routes of other ranks' experts (negative or >= E)
  //    are not counted. Then each expert's total.
  countRoutesBySegment(b, t, place, staged, t.routes);
  if (routeChecks)
    countBadRoutes(b, t, ids, zero, t.routes, op.getRouteIdBound(), bad);
  gpu::BarrierOp::create(b);
  if (routeChecks)
    reportBadRoutes(b, t, ids, memref::LoadOp::create(b, bad, zero),
                    memref::LoadOp::create(b, bad, one), status, tag);
  sumSegmentCounts(b, t, place, counts);
  gpu::BarrierOp::create(b);

  // 3. Padded offsets and the count, scanned by the whole workgroup.
  scanPaddedOffsets(b, t, experts, blockM, counts, offsets, partials, countOut);

  // 4. The routes placed in ascending order per expert, segment by segment;
  //    each expert's blocks labelled by one thread.
  placeRoutesBySegment(
      b, t, place, staged, t.routes, zero,
      [&](Value e) { return toIndex(memref::LoadOp::create(b, offsets, e)); },
      sorted);
  forStrided(b, t, zero, idx(experts), [&](Value e) {
    Value start = toIndex(memref::LoadOp::create(b, offsets, e));
    Value end = toIndex(memref::LoadOp::create(
        b, offsets, arith::AddIOp::create(b, e, one).getResult()));
    labelBlocks(b, e, start, end, blockM, blocks);
  });
  gpu::ReturnOp::create(b);
  return func;
}
