//===- AlignChunkedKernels.cpp - moe.align over many workgroups -----------===//
//
// The large-T path of moe.align: three kernels over chunks of
// kAlignChunkRoutes routes, each chunk one workgroup, so that the work per
// thread no longer grows with T. Deterministic: route counts are LDS atomic
// adds (order-free), and every placement is in ascending route order.
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

namespace {
/// What the three kernels share: the signature pieces, the thread and
/// route indexing.
struct ChunkedAlign {
  ChunkedAlign(ImplicitLocOpBuilder &b, AlignOp op, const ChipInfo &chip)
      : b(b), op(op), experts(op.getNumExpertsAttr().getInt()),
        threads(kAlignWaves * chip.waveSize) {}

  ImplicitLocOpBuilder &b;
  AlignOp op;
  int64_t experts, threads;
  Value tid, topK, routes;

  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value toI32(Value v) {
    return arith::IndexCastOp::create(b, b.getI32Type(), v);
  }
  Value toIndex(Value v) {
    return arith::IndexCastOp::create(b, b.getIndexType(), v);
  }
  MemRefType lds(int64_t size) {
    return MemRefType::get({size}, b.getI32Type(), AffineMap(),
                           gpu::AddressSpaceAttr::get(
                               b.getContext(), gpu::AddressSpace::Workgroup));
  }
  MemRefType scratchType() {
    return MemRefType::get({ShapedType::kDynamic}, b.getI32Type());
  }

  /// An empty kernel `name` with `args` and `workgroup` buffers; the
  /// builder is left at its start, with tid, topK and routes set.
  gpu::GPUFuncOp begin(gpu::GPUModuleOp module, StringRef name,
                       ArrayRef<Type> args, ArrayRef<Type> workgroup) {
    auto func = createKernel(b, module, name, args, threads, workgroup);
    Value ids = func.getArgument(0);
    tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
    topK = memref::DimOp::create(b, ids, 1);
    routes = arith::MulIOp::create(b, memref::DimOp::create(b, ids, 0), topK);
    return func;
  }

  /// The thread indexing that the shared align pieces take.
  AlignThreads threadsOf() const { return {tid, threads, routes, topK}; }
  void strided(Value from, Value to, function_ref<void(Value)> body) {
    forStrided(b, threadsOf(), from, to, body);
  }
  void strided(Value to, function_ref<void(Value)> body) {
    strided(idx(0), to, body);
  }

  /// This workgroup's chunk of routes: [lo, hi).
  std::pair<Value, Value> chunk() {
    Value g = gpu::BlockIdOp::create(b, gpu::Dimension::x);
    Value lo = arith::MulIOp::create(b, g, idx(kAlignChunkRoutes));
    Value hi = arith::MinUIOp::create(
        b, arith::AddIOp::create(b, lo, idx(kAlignChunkRoutes)), routes);
    return {lo, hi};
  }
  /// The number of chunks.
  Value chunks() {
    return arith::CeilDivUIOp::create(b, routes, idx(kAlignChunkRoutes));
  }
  /// Index of word w of chunk g's route check in the scratch (after the
  /// counts).
  Value badAt(Value g, int64_t w) {
    Value base = arith::MulIOp::create(b, chunks(), idx(experts));
    return arith::AddIOp::create(
        b, base,
        arith::AddIOp::create(b, arith::MulIOp::create(b, g, idx(2)), idx(w)));
  }
  /// Index of (chunk g, expert e) in the scratch counts.
  Value at(Value g, Value e) {
    return arith::AddIOp::create(b, arith::MulIOp::create(b, g, idx(experts)),
                                 e);
  }
};
} // namespace

FailureOr<AlignChunkedKernels>
mlir::moe::buildAlignChunkedKernels(OpBuilder &builder, gpu::GPUModuleOp module,
                                    AlignOp op, const ChipInfo &chip,
                                    StringRef name, bool routeChecks) {
  ImplicitLocOpBuilder b(op.getLoc(), builder);
  ChunkedAlign k(b, op, chip);
  int64_t experts = k.experts, blockM = op.getBlockMAttr().getInt();
  Type idsType = bufferTypeOf(op.getIds().getType());
  bool hasBegin = static_cast<bool>(op.getExpertBegin());
  AlignChunkedKernels kernels;

  // 1. Count: each chunk's routes per local expert, into scratch[g][e], and
  //    its route check's words after the counts.
  {
    SmallVector<Type> args{idsType};
    if (hasBegin)
      args.push_back(b.getIndexType());
    args.push_back(k.scratchType());
    kernels.count = k.begin(module, (name + "_count").str(), args,
                            {k.lds(experts), k.lds(2)});
    Value ids = kernels.count.getArgument(0);
    Value begin = hasBegin ? kernels.count.getArgument(1) : Value();
    Value scratch = kernels.count.getArgument(args.size() - 1);
    Value hist = kernels.count.getWorkgroupAttributions()[0];
    Value bad = kernels.count.getWorkgroupAttributions()[1];
    k.strided(k.idx(experts), [&](Value e) {
      memref::StoreOp::create(b, k.toI32(k.idx(0)), hist, e);
    });
    if (routeChecks)
      clearBadRoutes(b, k.threadsOf(), bad);
    gpu::BarrierOp::create(b);
    auto [lo, hi] = k.chunk();
    k.strided(lo, hi, [&](Value r) {
      countLocalRoute(b, localExpertOf(b, k.threadsOf(), ids, begin, r),
                      experts, hist);
    });
    if (routeChecks)
      countBadRoutes(b, k.threadsOf(), ids, lo, hi, op.getRouteIdBound(), bad);
    gpu::BarrierOp::create(b);
    Value g = gpu::BlockIdOp::create(b, gpu::Dimension::x);
    k.strided(k.idx(experts), [&](Value e) {
      memref::StoreOp::create(b, memref::LoadOp::create(b, hist, e), scratch,
                              k.at(g, e));
    });
    if (routeChecks)
      k.strided(k.idx(2), [&](Value w) {
        Value at = arith::AddIOp::create(b, k.badAt(g, 0), w);
        memref::StoreOp::create(b, memref::LoadOp::create(b, bad, w), scratch,
                                at);
      });
    gpu::ReturnOp::create(b);
  }

  // 2. Scan (one workgroup): the route check of all chunks, fills, padded
  //    offsets per expert, and each chunk's first position per expert
  //    (scratch, in place).
  {
    SmallVector<Type> args{idsType,
                           k.scratchType(),
                           bufferTypeOf(op.getSortedRouteIds().getType()),
                           bufferTypeOf(op.getBlockExpertIds().getType()),
                           bufferTypeOf(op.getPaddedCount().getType()),
                           b.getI64Type(),
                           b.getI64Type()};
    kernels.scan =
        k.begin(module, (name + "_scan").str(), args,
                {k.lds(experts), k.lds(experts + 1), k.lds(k.threads)});
    Value scratch = kernels.scan.getArgument(1);
    Value sorted = kernels.scan.getArgument(2);
    Value blocks = kernels.scan.getArgument(3);
    Value countOut = kernels.scan.getArgument(4);
    Value status = kernels.scan.getArgument(5);
    Value tag = kernels.scan.getArgument(6);
    Value totals = kernels.scan.getWorkgroupAttributions()[0];
    Value offsets = kernels.scan.getWorkgroupAttributions()[1];
    Value partials = kernels.scan.getWorkgroupAttributions()[2];
    Value zero = k.idx(0), one = k.idx(1);
    Value chunks =
        arith::CeilDivUIOp::create(b, k.routes, k.idx(kAlignChunkRoutes));
    if (routeChecks) {
      // The chunks' bad routes: their sum, and the first (a min).
      auto sum = scf::ForOp::create(
          b, zero, chunks, one,
          ValueRange{k.toI32(zero), arith::ConstantOp::create(
                                        b, b.getI32IntegerAttr(INT32_MAX))
                                        .getResult()});
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(sum.getBody());
        Value g = sum.getInductionVar();
        ValueRange run = sum.getRegionIterArgs();
        Value n = memref::LoadOp::create(b, scratch, k.badAt(g, 0));
        Value first = memref::LoadOp::create(b, scratch, k.badAt(g, 1));
        scf::YieldOp::create(
            b, ValueRange{arith::AddIOp::create(b, run[0], n),
                          arith::MinSIOp::create(b, run[1], first)});
      }
      reportBadRoutes(b, k.threadsOf(), kernels.scan.getArgument(0),
                      sum.getResult(0), sum.getResult(1), status, tag);
    }
    fillUnplaced(b, k.threadsOf(), sorted, blocks);
    // Exclusive prefix over the chunks of each expert's counts.
    k.strided(k.idx(experts), [&](Value e) {
      auto loop = scf::ForOp::create(b, zero, chunks, one, ValueRange{zero});
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(loop.getBody());
        Value at = k.at(loop.getInductionVar(), e);
        Value c = k.toIndex(memref::LoadOp::create(b, scratch, at));
        Value run = loop.getRegionIterArgs()[0];
        memref::StoreOp::create(b, k.toI32(run), scratch, at);
        scf::YieldOp::create(b, ValueRange{arith::AddIOp::create(b, run, c)});
      }
      memref::StoreOp::create(b, k.toI32(loop.getResult(0)), totals, e);
    });
    gpu::BarrierOp::create(b);
    scanPaddedOffsets(b, k.threadsOf(), experts, blockM, totals, offsets,
                      partials, countOut);
    // Chunk starts become positions; each expert labels its blocks.
    k.strided(k.idx(experts), [&](Value e) {
      Value start = k.toIndex(memref::LoadOp::create(b, offsets, e));
      Value end = k.toIndex(memref::LoadOp::create(
          b, offsets, arith::AddIOp::create(b, e, one).getResult()));
      auto loop = scf::ForOp::create(b, zero, chunks, one);
      {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(loop.getBody());
        Value at = k.at(loop.getInductionVar(), e);
        Value p = k.toIndex(memref::LoadOp::create(b, scratch, at));
        memref::StoreOp::create(b, k.toI32(arith::AddIOp::create(b, p, start)),
                                scratch, at);
      }
      labelBlocks(b, e, start, end, blockM, blocks);
    });
    gpu::ReturnOp::create(b);
  }

  // 3. Place: each chunk's routes of an expert, ascending, from the chunk's
  //    position of that expert on (the chunk's local experts in LDS, placed
  //    segment by segment).
  {
    SmallVector<Type> args{idsType};
    if (hasBegin)
      args.push_back(b.getIndexType());
    args.append(
        {k.scratchType(), bufferTypeOf(op.getSortedRouteIds().getType())});
    int64_t stagedWords = llvm::alignTo(kAlignChunkRoutes, k.threads);
    int64_t segments = alignSegmentsFor(
        k.threads, experts, chip.staticLdsBytes - 4 * stagedWords - 16);
    if (segments == 0)
      return op.emitOpError()
             << "has " << experts
             << " experts; the chunked align kernel keeps a cursor of each "
                "in LDS, so expected at most "
             << (chip.staticLdsBytes - 4 * stagedWords - 16) / 4 << " on "
             << chip.name;
    kernels.place = k.begin(module, (name + "_place").str(), args,
                            {k.lds(stagedWords), k.lds(segments * experts)});
    Value ids = kernels.place.getArgument(0);
    Value begin = hasBegin ? kernels.place.getArgument(1) : Value();
    Value scratch = kernels.place.getArgument(args.size() - 2);
    Value sorted = kernels.place.getArgument(args.size() - 1);
    Value chunkExperts = kernels.place.getWorkgroupAttributions()[0];
    AlignSegments place{segments, experts,
                        kernels.place.getWorkgroupAttributions()[1]};
    auto [lo, hi] = k.chunk();
    Value n = arith::SubIOp::create(b, hi, lo);
    stageLocalExperts(b, k.threadsOf(), ids, begin, chunkExperts, lo, n);
    clearSegmentCounts(b, k.threadsOf(), place);
    gpu::BarrierOp::create(b);
    countRoutesBySegment(b, k.threadsOf(), place, chunkExperts, n);
    gpu::BarrierOp::create(b);
    Value g = gpu::BlockIdOp::create(b, gpu::Dimension::x);
    placeRoutesBySegment(
        b, k.threadsOf(), place, chunkExperts, n, lo,
        [&](Value e) {
          return k.toIndex(memref::LoadOp::create(b, scratch, k.at(g, e)));
        },
        sorted);
    gpu::ReturnOp::create(b);
  }
  return kernels;
}
