//===- GPUKernels.h - kernel templates of the moe ops -----------*- C++ -*-===//
//
// Builders that emit one gpu.func per moe op from a tile configuration and a
// chip.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_CONVERSION_GPUKERNELS_H
#define MOE_CONVERSION_GPUKERNELS_H

#include "moe/Dialect/MoE/MoE.h"
#include "moe/Target/Chip.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/Support/CommandLine.h"

namespace mlir::moe {

/// Why `op` has no kernel on `chip` yet (a diagnostic), or success.
LogicalResult checkGroupedMatmulKernel(GroupedMatmulOp op,
                                       const ChipInfo &chip);
/// Why moe.quantize `op` has no kernel on `chip` yet (a diagnostic): the
/// kernel quantizes [T, K] rows to fp8 under a row scheme.
LogicalResult checkQuantizeKernel(QuantizeOp op, const ChipInfo &chip);
/// moe.quantize of a [T, K] activation: a workgroup per row, a wave per
/// scale group (QuantizeKernel.cpp); the codes and scales equal the CPU
/// reference's bit for bit.
FailureOr<gpu::GPUFuncOp>
buildQuantizeKernel(OpBuilder &builder, gpu::GPUModuleOp module, QuantizeOp op,
                    const ChipInfo &chip, StringRef name);

/// How the GEMM's k loop brings its A and weight fragments to the MMAs.
enum class GemmLoads {
  /// Loads into registers, several unrolled steps issued before their MMAs
  /// (kLoadsInFlight).
  Registers,
  /// Each lane copies its fragments into its own LDS slots, several steps
  /// ahead, with cp.async (NVIDIA) or global_load_lds (AMD); StagedLoads.h.
  AsyncCopy,
  /// sm_90: the workgroup copies whole A and weight tiles into a ring of
  /// shared-memory stages and the waves read them with ldmatrix;
  /// SharedTiles.h.
  SharedTiles,
  /// sm_90a: the SharedTiles ring multiplied by warpgroup MMAs (wgmma) that
  /// read both operands from shared memory, for row blocks of 64 or more.
  WarpgroupTiles,
  /// Decode without MMAs: the lanes of a wave read consecutive 16-byte runs
  /// of a weight row and add their dot products with gpu.subgroup_reduce;
  /// a block's routes are taken a few at a time (RowDotKernel.cpp).
  RowDot,
  /// Row dot products on mma.sync (sm_80 and later; fp4 weights with mx
  /// scales and bf16 A): the wave's weight rows are the MMA's 16-row
  /// operand and a block's routes its 8 columns, so that a run is widened
  /// once for 8 routes and multiplied by the tensor cores
  /// (MMARowDotKernel.cpp). The planner's row-dot plans for such operands.
  MMARowDot,
  /// The default: on NVIDIA, RowDot for decode GEMMs whose routes are at
  /// most a quarter of the experts and whose K is 2048 or more; on sm_90,
  /// WarpgroupTiles for row blocks of 64 or more and SharedTiles for the
  /// others, where K is a multiple of 32; else
  /// AsyncCopy for a GEMM whose row block is one MMA tile (decode) on a
  /// chip where one async copy moves a whole fragment (sm_90, gfx950);
  /// Registers otherwise: what measured faster on an H100/H200
  /// (bench/results/h100/NOTES.md, "Async copies";
  /// bench/results/h200/NOTES.md); gfx950 follows sm_90 unmeasured.
  Auto,
};

/// The command-line values of a GemmLoads option ("auto", "registers",
/// "async-copy", "shared-tiles", "warpgroup-tiles"), for moe-compile and
/// the pass options.
inline llvm::cl::ValuesClass gemmLoadsValues() {
  return llvm::cl::values(
      clEnumValN(
          GemmLoads::Auto, "auto",
          "on NVIDIA row-dot for decode GEMMs whose routes are at most a "
          "quarter of the experts and whose K is 2048 or more, and for "
          "route-order GEMMs (block_m 1: moe-compile picks route order for "
          "such decode layers unless other loads are forced); on sm_90 "
          "where K is a multiple of 32, warpgroup-tiles for "
          "row blocks of 64 or more and shared-tiles for the others; else "
          "async-copy for 16-row (decode) blocks on chips whose one "
          "copy moves a whole fragment (sm_90, gfx950); registers "
          "otherwise (default)"),
      clEnumValN(GemmLoads::Registers, "registers", "unrolled register loads"),
      clEnumValN(GemmLoads::AsyncCopy, "async-copy",
                 "cp.async (sm_90) or global_load_lds (gfx942/gfx950) copies "
                 "into per-lane LDS slots, several k steps ahead"),
      clEnumValN(GemmLoads::SharedTiles, "shared-tiles",
                 "sm_90: the workgroup copies A and weight tiles into a "
                 "ring of shared-memory stages, read with ldmatrix"),
      clEnumValN(GemmLoads::WarpgroupTiles, "warpgroup-tiles",
                 "sm_90a: the shared-tile ring multiplied by warpgroup MMAs "
                 "(wgmma) reading shared memory; row blocks of 64 or more"),
      clEnumValN(GemmLoads::RowDot, "row-dot",
                 "decode without MMAs: each wave reads whole weight rows in "
                 "contiguous 16-byte runs per lane and reduces its lanes' dot "
                 "products"),
      clEnumValN(GemmLoads::MMARowDot, "mma-row-dot",
                 "row-dot runs multiplied by mma.sync, the weight rows as "
                 "its 16-row operand and 8 routes as its columns (sm_80 and "
                 "later; fp4 weights with mx scales and bf16 A, or OCP fp8 "
                 "weights and A with scale groups of 64 k or more)"));
}

/// The buffer a kernel takes for a value of ranked tensor type `tensor`:
/// same shape and element type, identity layout.
MemRefType bufferTypeOf(Type tensor);

/// A kernel `name` at the end of `module` with `args`, `threads` threads per
/// workgroup and `workgroup` LDS buffers, each 16-byte aligned (LLVM
/// vectorizes LDS accesses up to 16 bytes; NVPTX faults on a misaligned
/// shared access). The builder is left at the start of its body.
gpu::GPUFuncOp createKernel(ImplicitLocOpBuilder &b, gpu::GPUModuleOp module,
                            StringRef name, ArrayRef<Type> args,
                            int64_t threads, TypeRange workgroup = {});

/// Choices of the kernel templates that the ops do not carry.
struct KernelOptions {
  GemmLoads gemmLoads = GemmLoads::Auto;
  /// Expected tokens per call (moe-compile --tokens): picks measured GEMM
  /// plans (TunedPlans.inc); 0 for the model's.
  int64_t tokens = 0;
  /// Whether the align kernels check the route ids (moe.align's docs); off,
  /// they neither scan nor record them (moe-compile --route-checks=false).
  bool routeChecks = true;
  /// Whether kernels take IREE's HIP argument list (moe-use-iree-kernel-abi,
  /// moe-compile --kernel-abi=iree) instead of memref descriptors.
  bool ireeKernelABI = false;
};

/// Emits `gpu.func @name` into `module` computing `op` on `chip`:
///
///   (a: memref<M x K>, w: memref<E x N x K>, sorted: memref<R_max x i32>,
///    blocks: memref<R_max/block_m x i32>, count: memref<i32>,
///    [weights: memref<T x k x f32>,] out: memref<T*k x N'>)
///
/// with the shapes of the op's tensors. Grid: (R_max / block_m,
/// ceil(N' / block_n)); kGroupedMatmulWaves waves per workgroup take equal
/// shares of the block_n columns, kGroupedMatmulTilesInFlight MMA tiles at
/// a time (fewer with async-copy loads, to leave LDS for more k steps); when
/// the columns have fewer MMA tiles than waves, the other waves split K and
/// add their partial sums in LDS. `options.gemmLoads` picks register loads
/// or LDS staging (StagedLoads.h). A workgroup whose row block starts at or
/// past the padded count, or whose block has no expert, exits.
/// The workgroup computes its block_m x block_n output tile in 16-row MMA tiles
/// (MFMA 16x16x16 bf16/f16 on gfx942, 16x16x32 on gfx950, mma.sync m16n8k16
/// on sm_90, two per 32 k), gathering A rows
/// through sorted_route_ids (row r / top_k or r), zeroing sentinel rows,
/// and applies the epilogue (routed weight, then the gated activation with
/// gate and up accumulated side by side) before masked stores. Rows of
/// routes that no block computes (pruned routes) are not written: the
/// caller passes a zero-filled `out`, as the op's semantics require zeros
/// there. The lane roles come from MMALayout (checked when building). A
/// row-dot plan computes the same outputs with per-lane dot products and no
/// MMA (RowDotKernel.cpp).
FailureOr<gpu::GPUFuncOp>
buildGroupedMatmulKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                         GroupedMatmulOp op, const ChipInfo &chip,
                         StringRef name, const KernelOptions &options);

/// Waves per workgroup of the GEMM kernel: they split the workgroup's column
/// tiles, and K when there are fewer column tiles than waves (fewer waves
/// only when the K steps do not divide among them).
inline constexpr int64_t kGroupedMatmulWaves = 4;
/// Column tiles a wave accumulates at once (their weight loads are issued
/// together each k step, for memory-level parallelism at decode).
inline constexpr int64_t kGroupedMatmulTilesInFlight = 4;

/// Loads per lane the GEMM's register-load k loop aims to keep in flight: it
/// unrolls up to 8 k steps and issues their loads before their MMAs.
inline constexpr int64_t kLoadsInFlight = 24;

/// Most f32 accumulator values a lane of the GEMM keeps (row tiles x chains
/// x values per MMA tile: 16 tiles of 16x16 MFMA or m16n8 mma.sync, 4 of
/// 32x32 MFMA): a wide row block multiplies several row tiles with each
/// weight load.
inline constexpr int64_t kGroupedMatmulAccValues = 64;

/// Output columns per workgroup of the GEMM kernel: its plan's block_n
/// (buildGroupedMatmulKernel writes the plan it built from onto the op);
/// before any plan, the model's: the tile's block_n (64 without a tile)
/// counts weight rows, so with a gated epilogue (gate and up rows per
/// output column) it is half that; at least the MMA's n.
int64_t groupedMatmulBlockN(GroupedMatmulOp op, const ChipInfo &chip);

/// moe.gate as one wave per token (grid T): softmax max/sum and every
/// arg-max are butterfly shuffle reductions across the wave; taken experts
/// are a 64-bit mask per lane (so E <= 64 x wave), kept groups a uniform
/// 64-bit mask (n_group <= 64); ties go to the lower index as the op
/// defines; lane 0 writes ids and weights and then rescales them.
///   (logits: memref<T x E>, [bias: memref<E>,] weights: memref<T x k x f32>,
///    ids: memref<T x k x i32>)
FailureOr<gpu::GPUFuncOp> buildGateKernel(OpBuilder &builder,
                                          gpu::GPUModuleOp module, GateOp op,
                                          const ChipInfo &chip, StringRef name);

/// Waves of the single workgroup of the align kernel.
inline constexpr int64_t kAlignWaves = 4;

/// moe.align as one workgroup (grid 1, 4 waves): sentinel/-1 fills and every
/// route's local expert staged in LDS (ids read once), route counts per
/// segment of the routes and expert by LDS atomic adds, a workgroup-wide
/// scan of the padded offsets, then the segment placement of AlignParts.h
/// (32 threads per segment walk its rows of 32 routes; a route's place is
/// its expert's cursor plus its rank in the row) and one thread per expert
/// labels its blocks. Deterministic: the counts are order-free and every
/// placement is in route order. Launched when T*k <= kAlignChunkRoutes; above,
/// the chunked kernels run instead. With `routeChecks` it also counts the ids
/// outside AlignOp::getRouteIdBound and thread 0 records {tag, count, first
/// id, its token} at host address `status` (0: none; see the runtime's
/// moe_device_check_block); without, it ignores both.
///   (ids: memref<T x k x i32>, [expert_begin: index,]
///    sorted: memref<R_max x i32>, blocks: memref<R_max/block_m x i32>,
///    count: memref<i32>, status: i64, tag: i64)
FailureOr<gpu::GPUFuncOp> buildAlignKernel(OpBuilder &builder,
                                           gpu::GPUModuleOp module, AlignOp op,
                                           const ChipInfo &chip, StringRef name,
                                           bool routeChecks);

/// Routes per workgroup of the chunked align kernels.
inline constexpr int64_t kAlignChunkRoutes = 1024;

/// moe.align for large T: G = ceil(T*k / kAlignChunkRoutes) chunks of
/// routes, one workgroup each, through a scratch buffer of G x (E + 2) i32:
///   count (grid G): the chunk's routes per local expert (LDS atomics), and
///     with `routeChecks` its bad routes' count and first route after the
///     counts (ids, [expert_begin,] scratch)
///   scan (grid 1): the route check of all chunks (as buildAlignKernel's),
///     the fills, padded offsets and count, block labels, and
///     scratch[g][e] = where chunk g's routes of expert e start in sorted
///     (ids, scratch, sorted, blocks, count, status, tag)
///   place (grid G): the segment placement of the chunk's routes, each
///     expert's from there, ascending (ids, [expert_begin,] scratch,
///     sorted)
/// Same results as buildAlignKernel: deterministic, routes ascending.
struct AlignChunkedKernels {
  gpu::GPUFuncOp count, scan, place;
};
FailureOr<AlignChunkedKernels>
buildAlignChunkedKernels(OpBuilder &builder, gpu::GPUModuleOp module,
                         AlignOp op, const ChipInfo &chip, StringRef name,
                         bool routeChecks);

/// Waves per workgroup of the elementwise kernels.
inline constexpr int64_t kElementwiseWaves = 4;

/// moe.activation on [M, 2I] -> [M, I]: one thread per output element,
/// grid ceil(M * I / (4 * wave)), 4 waves per workgroup.
///   (in: memref<M x 2I>, out: memref<M x I>)
FailureOr<gpu::GPUFuncOp>
buildActivationKernel(OpBuilder &builder, gpu::GPUModuleOp module,
                      ActivationOp op, const ChipInfo &chip, StringRef name);

/// Consecutive columns one combine thread sums (combineVectorWidth): a
/// 16-byte run where H is static and a multiple of it, else 1.
int64_t combineVectorWidth(CombineOp op);

/// moe.combine: one thread per combineVectorWidth columns (t, h..) summing
/// its k routes in f32, grid ceil(T * H / (width * 4 * wave)), 4 waves per
/// workgroup; with ids, the terms of non-local routes are dropped.
///   (routes: memref<T*k x H>, scale: memref<T x k x f32>, [ids: memref<T x
///   k x i32>, begin: index,] out: memref<T x H>)
FailureOr<gpu::GPUFuncOp> buildCombineKernel(OpBuilder &builder,
                                             gpu::GPUModuleOp module,
                                             CombineOp op, const ChipInfo &chip,
                                             StringRef name);

/// moe.rms_norm / moe.add_rms_norm on rank-2 inputs: one wave per row (grid
/// T), the sum of squares reduced across the wave with xor shuffles.
///   rms_norm:     (x, weight, out)
///   add_rms_norm: (x, residual, weight, normed, residual_out)
FailureOr<gpu::GPUFuncOp>
buildRMSNormKernel(OpBuilder &builder, gpu::GPUModuleOp module, Operation *norm,
                   const ChipInfo &chip, StringRef name);

/// Collectives over one rank become what they compute there
/// (all_reduce_add_rms_norm becomes add_rms_norm); over several,
/// all_reduce_add_rms_norm becomes all_reduce + add_rms_norm, and
/// the others stay (lowerCollectivesToCalls, CollectiveCalls.h). A
/// collective over one rank whose result types differ from its operand
/// types is a diagnostic, or kept with `keepUnsupported`.
LogicalResult prepareCollectives(ModuleOp module, bool keepUnsupported);

/// Rewrites `module` into ops that have kernel templates or runtime calls:
/// moe.experts is expanded (as moe-optimize does; block_m 16 unless its tile
/// says), collectives are prepared (prepareCollectives, with
/// `keepUnsupported`), and activations and norms of rank > 2 run on their
/// leading dims collapsed into rows.
LogicalResult prepareForKernels(ModuleOp module, bool keepUnsupported);

/// The moe ops of `module` but collectives (runtime calls, not kernels) in
/// walk order with their kernel names, FUNC_OP_INDEX (INDEX counts them).
SmallVector<std::pair<Operation *, std::string>>
collectKernelOps(ModuleOp module);

/// The kernels of `op` (kernelTemplateOf, KernelTemplate.h) into `module`.
/// When `op` has no template (the collectives), returns failure() with
/// `unsupported` set and no diagnostic; otherwise a failure has been
/// diagnosed.
FailureOr<gpu::GPUFuncOp> buildMoEKernel(OpBuilder &builder,
                                         gpu::GPUModuleOp module, Operation *op,
                                         const ChipInfo &chip, StringRef name,
                                         const KernelOptions &options,
                                         bool &unsupported);

} // namespace mlir::moe

#endif // MOE_CONVERSION_GPUKERNELS_H
