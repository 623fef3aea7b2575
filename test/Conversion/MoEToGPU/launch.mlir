// RUN: moe-opt --split-input-file --verify-diagnostics --convert-moe-to-gpu-launch=target=sm_90 %s | FileCheck %s
// RUN: moe-opt --split-input-file --verify-diagnostics --convert-moe-to-gpu-launch=target=gfx942 %s | FileCheck %s --check-prefix=GFX942
// RUN: not moe-opt --split-input-file --convert-moe-to-gpu-launch=target=gfx1100 %s 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not moe-opt --split-input-file --convert-moe-to-gpu-launch="target=sm_90 gemm-loads=dma" %s 2>&1 | FileCheck %s --check-prefix=LOADS
// RUN: moe-opt --split-input-file --verify-diagnostics --convert-moe-to-gpu-launch="target=sm_90 gemm-loads=async-copy" %s | FileCheck %s --check-prefix=STAGED

// The same templates for gfx942: ROCDL target, MFMA.
// GFX942: gpu.module @moe_kernels [#rocdl.target<O = 3, chip = "gfx942">]
// GFX942:   amdgpu.mfma
// CHIP: error: unknown chip 'gfx1100'; expected one of gfx942, gfx950, sm_90
// LOADS: for the --gemm-loads option: Cannot find option named 'dma'!

// gemm-loads=async-copy: the GEMM's lanes copy their fragments (2 A rows and 2
// weight rows per step, 8 bf16 each) into their own slots of one buffer per
// stage: 2 stages (K = 64 is 2 steps) of 4 slots x 4 warps x 32 lanes x 8.
// Step 0 is copied ahead; the k loop is unrolled by the stage count, and
// each step copies the step after it into the other stage (when there is
// one), waits until one step is left in flight (none at the end), reads its
// own stage and multiplies.
// STAGED:     gpu.func @gemm_grouped_matmul_0
// STAGED-SAME:  workgroup(%[[S0:.*]] : memref<4096xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %[[S1:.*]] : memref<4096xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// STAGED-COUNT-2: nvgpu.device_async_copy %arg0[{{.*}}], %[[S0]][{{.*}}], 8 : memref<?x64xbf16>
// STAGED-COUNT-2: nvgpu.device_async_copy %arg1[{{.*}}], %[[S0]][{{.*}}], 8 {bypassL1} : memref<8x32x64xbf16>
// STAGED-NEXT:  %[[FIRST:.*]] = nvgpu.device_async_create_group
// STAGED:       scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[TWO:.*]] iter_args
// STAGED:         scf.if
// STAGED-COUNT-4:   nvgpu.device_async_copy {{.*}}, %[[S1]]
// STAGED:           nvgpu.device_async_create_group
// STAGED-NEXT:      nvgpu.device_async_wait %[[FIRST]] {numGroups = 1 : i32}
// STAGED-NEXT:    } else {
// STAGED-NEXT:      nvgpu.device_async_wait %[[FIRST]] {numGroups = 0 : i32}
// STAGED:         vector.load %[[S0]]
// STAGED:         nvvm.mma.sync
// STAGED:         scf.if
// STAGED-COUNT-4:   nvgpu.device_async_copy {{.*}}, %[[S0]]
// STAGED:         vector.load %[[S1]]
// STAGED:         nvvm.mma.sync

// Each moe op becomes read-only buffers of its operands, an allocation per
// result (sized by the op's reifyResultShapes), and a launch of its kernel template with the template's grid: the
// GEMM's rows are min(ceil((routes + min(E, routes) * (block_m - 1)) /
// block_m), R_max / block_m), its columns ceil(N / block_n), and its
// output is zero-filled first (rows of pruned routes are never written, and
// the caller reads every row).
// CHECK-LABEL: func.func @gemm
// CHECK-DAG:     %[[X:.*]] = bufferization.to_buffer %arg0 read_only : tensor<?x64xbf16> to memref<?x64xbf16>
// CHECK-DAG:     %[[SORTED:.*]] = bufferization.to_buffer %arg2 read_only
// CHECK:         %[[TOKENS:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x64xbf16>
// CHECK:         %[[ROUTES:.*]] = arith.muli %[[TOKENS]], %{{.*}} : index
// CHECK:         %[[OUT:.*]] = memref.alloc(%[[ROUTES]]) {alignment = 256 : i64} : memref<?x32xbf16>
// CHECK:         %[[Y:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK:         gpu.memset %[[OUT]], %{{.*}} : memref<?x32xbf16>, bf16
// CHECK:         %[[GROUTES:.*]] = arith.muli %{{.*}}, %{{.*}} : index
// CHECK:         %[[FILLED:.*]] = arith.minui %{{.*}}, %[[GROUTES]] : index
// CHECK:         %[[PADS:.*]] = arith.muli %[[FILLED]], %{{.*}} : index
// CHECK:         %[[PADDED:.*]] = arith.addi %[[GROUTES]], %[[PADS]] : index
// CHECK:         %[[BOUND:.*]] = arith.ceildivui %[[PADDED]], %{{.*}} : index
// CHECK:         %[[RMAX:.*]] = memref.dim %[[SORTED]], %{{.*}} : memref<?xi32>
// CHECK:         %[[RMAXBLOCKS:.*]] = arith.divui %[[RMAX]], %{{.*}} : index
// CHECK:         %[[ROWS:.*]] = arith.minui %[[BOUND]], %[[RMAXBLOCKS]] : index
// CHECK:         %[[COLS:.*]] = arith.ceildivui
// CHECK:         %[[RING:.*]] = arith.constant 20480 : i32
// CHECK:         gpu.launch_func @moe_kernels::@gemm_grouped_matmul_0 blocks in (%[[ROWS]], %[[COLS]], %{{.*}}) threads in (%{{.*}}, %{{.*}}, %{{.*}}) dynamic_shared_memory_size %[[RING]] args(%[[X]] : memref<?x64xbf16>, {{.*}}, %[[OUT]] : memref<?x32xbf16>)
// CHECK:         return %[[Y]]
// CHECK:       gpu.module @moe_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx84">]
// CHECK:         gpu.func @gemm_grouped_matmul_0({{.*}}) kernel attributes {known_block_size = array<i32: 128, 1, 1>, moe.dynamic_shared_bytes = 20480 : i64}
// CHECK:           gpu.dynamic_shared_memory
// CHECK:           nvgpu.ldmatrix
// CHECK:           nvvm.mma.sync
func.func @gemm(%x: tensor<?x64xbf16>, %w: tensor<8x32x64xbf16>, %s: tensor<?xi32>,
                %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x32xbf16> {
  %h = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16
      : (tensor<?x64xbf16>, tensor<8x32x64xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x32xbf16>
  return %h : tensor<?x32xbf16>
}

// -----

// An output read only by a GEMM that gathers its rows through the same
// sorted route ids needs no zero fill: that GEMM reads only the rows the
// first one wrote. The second GEMM's output (returned: every row is read)
// is zero-filled.
// CHECK-LABEL: func.func @chained
// CHECK:         %[[H:.*]] = memref.alloc(%{{.*}}) {alignment = 256 : i64} : memref<?x32xbf16>
// CHECK-NOT:     gpu.memset %[[H]]
// CHECK:         gpu.launch_func @moe_kernels::@chained_grouped_matmul_0
// CHECK:         %[[Y:.*]] = memref.alloc(%{{.*}}) {alignment = 256 : i64} : memref<?x64xbf16>
// CHECK:         gpu.memset %[[Y]]
// CHECK:         gpu.launch_func @moe_kernels::@chained_grouped_matmul_1
func.func @chained(%x: tensor<?x64xbf16>, %w1: tensor<8x32x64xbf16>, %w2: tensor<8x64x32xbf16>,
                   %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x64xbf16> {
  %h = moe.grouped_matmul %x, %w1, %s, %b, %c rows tokens top_k 2 block_m 16
      : (tensor<?x64xbf16>, tensor<8x32x64xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x32xbf16>
  %y = moe.grouped_matmul %h, %w2, %s, %b, %c rows routes top_k 2 block_m 16
      : (tensor<?x32xbf16>, tensor<8x64x32xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

// R_max of a dynamic token count is computed as the op defines it
// (AlignOp::reifyResultShapes): roundup(T * k + E * (block_m - 1), block_m). Up to 1024 routes the align
// kernel is one workgroup; above, the chunked kernels (count, scan, place)
// run instead, over a scratch of chunks x (E + 2) words (counts and each
// chunk's route check): each launch gets an empty grid when it is not its
// path. The kernel that ends either path (align, scan) records ids outside
// [0, E) in the thread's check words the runtime maps, with the check's tag.
// CHECK:       module attributes {{{.*}}moe.check_messages = ["moe.align at {{.*}}launch.mlir:{{[0-9]+}}:{{[0-9]+}}: route ids outside [0, 8)"]}
// CHECK:         func.func private @moe_device_check_block() -> i64
// CHECK-LABEL: func.func @align
// CHECK:         %[[T:.*]] = tensor.dim %arg0
// CHECK:         %[[K:.*]] = arith.constant 2 : index
// CHECK:         %[[R:.*]] = arith.muli %[[T]], %[[K]]
// CHECK:         %[[PAD:.*]] = arith.addi %[[R]], %[[SPARE:.*]] : index
// CHECK:         %[[BLOCKS:.*]] = arith.ceildivui %[[PAD]], %[[BM:.*]] : index
// CHECK:         %[[RMAX:.*]] = arith.muli %[[BLOCKS]], %[[BM]]
// CHECK:         memref.alloc(%[[RMAX]])
// CHECK:         memref.alloc() {{.*}} : memref<i32>
// CHECK:         %[[STATUS:.*]] = call @moe_device_check_block() : () -> i64
// CHECK:         %[[TAG:.*]] = arith.constant -1 : i64
// CHECK:         %[[R2:.*]] = arith.muli
// CHECK:         %[[CHUNKED:.*]] = arith.cmpi ugt, %[[R2]], %c1024
// CHECK:         %[[CHUNKS:.*]] = arith.ceildivui %[[R2]], %c1024
// CHECK:         %[[G:.*]] = arith.select %[[CHUNKED]], %[[CHUNKS]], %c0
// CHECK:         %[[SCRATCH_SIZE:.*]] = arith.muli %[[G]], %c10
// CHECK:         %[[SCRATCH:.*]] = memref.alloc(%[[SCRATCH_SIZE]]) {{.*}} : memref<?xi32>
// CHECK:         gpu.launch_func @moe_kernels::@align_align_0_count blocks in (%[[G2:.*]], %c1{{.*}}, %c1{{.*}}) threads in (%c128{{.*}}, {{.*}}) args({{.*}}, %[[SCRATCH]] : memref<?xi32>)
// CHECK:         gpu.launch_func @moe_kernels::@align_align_0_scan {{.*}} args({{.*}}, %[[STATUS]] : i64, %[[TAG]] : i64)
// CHECK:         gpu.launch_func @moe_kernels::@align_align_0_place
// CHECK:         %[[SINGLE:.*]] = arith.select %[[CHUNKED]], %c0{{.*}}, %c1
// CHECK:         gpu.launch_func @moe_kernels::@align_align_0 blocks in (%[[SINGLE]], %[[ONE:.*]], %[[ONE]]) {{.*}} args({{.*}}, %[[STATUS]] : i64, %[[TAG]] : i64)
// CHECK-LABEL: gpu.module @moe_kernels
// The route check: two LDS words, a count and the first bad route (a min),
// written by thread 0 through the mapped address unless it is 0 or a
// failure is there already.
// CHECK:         gpu.func @align_align_0({{.*}}, %[[KSTATUS:.*]]: i64, %[[KTAG:.*]]: i64) workgroup({{.*}}, %[[BAD:.*]] : memref<2xi32, #gpu.address_space<workgroup>> {{.*}}, %{{.*}} : memref<32xi32, #gpu.address_space<workgroup>> {{.*}})
// CHECK:           memref.atomic_rmw addi %{{.*}}, %[[BAD]]
// CHECK:           memref.atomic_rmw mins %{{.*}}, %[[BAD]]
// CHECK:           gpu.barrier
// CHECK:           %[[PTR:.*]] = llvm.inttoptr %[[KSTATUS]] : i64 to !llvm.ptr
// CHECK:           llvm.load volatile
// CHECK:           llvm.store volatile %[[KTAG]]
// CHECK:         gpu.func @align_align_0_count({{.*}}) workgroup(%{{.*}} : memref<8xi32, #gpu.address_space<workgroup>> {{.*}}, %{{.*}} : memref<2xi32, #gpu.address_space<workgroup>> {{.*}})
// CHECK:           memref.atomic_rmw addi
// CHECK:         gpu.func @align_align_0_scan({{.*}}: i64, %{{.*}}: i64)
// Both placements keep the staged experts and a cursor per segment (4 rows
// of 32 routes at 128 threads) and expert (8).
// CHECK:         gpu.func @align_align_0_place({{.*}}) workgroup(%{{.*}} : memref<1024xi32, #gpu.address_space<workgroup>> {{.*}}, %{{.*}} : memref<32xi32, #gpu.address_space<workgroup>> {{.*}})
func.func @align(%ids: tensor<?x2xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<i32>) {
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  return %s, %b, %c : tensor<?xi32>, tensor<?xi32>, tensor<i32>
}

// -----

// Over one rank a collective is what it computes there; activations of
// rank 3 run on their leading dims collapsed into rows.
// CHECK-LABEL: func.func @single_rank
// CHECK-NOT:     moe.all_reduce
// CHECK:         tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<2x3x16xbf16> into tensor<6x16xbf16>
// CHECK:         gpu.launch_func @moe_kernels::@single_rank_activation_0
// CHECK:         tensor.expand_shape
// CHECK-SAME:      into tensor<2x3x8xbf16>
module attributes {moe.parallel = #moe.parallel<tp = 1>} {
  func.func @single_rank(%x: tensor<2x3x16xbf16>) -> tensor<2x3x8xbf16> {
    %r = moe.all_reduce %x group "tp" : tensor<2x3x16xbf16>
    %y = moe.activation %r <silu_mul> : tensor<2x3x16xbf16> -> tensor<2x3x8xbf16>
    return %y : tensor<2x3x8xbf16>
  }
}

// -----

// Over several ranks moe.all_reduce is a call of the runtime (NCCL / RCCL)
// on device buffers: input and output addresses, element count, type code
// (2: bf16, 0: f32), the group's name (a host string) and size. Two ranks
// sum 16-bit values directly (one rounding, as the op defines); more go
// through f32 so that the library's partial sums do not round. The fused
// all_reduce_add_rms_norm asks the runtime for the group's peer table (its
// rows and row bytes against the 4 MiB limit): with one, the one-shot
// kernel takes it; without, the call, then the add_rms_norm kernel.
// CHECK-LABEL: module attributes {gpu.container_module, moe.check_messages = {{.*}}, moe.parallel = #moe.parallel<tp = 4, ep = 2>}
// CHECK-DAG:     memref.global "private" constant @moe_group_tp : memref<3xi8> = dense<[116, 112, 0]>
// CHECK-DAG:     memref.global "private" constant @moe_group_ep : memref<3xi8> = dense<[101, 112, 0]>
// CHECK-DAG:     func.func private @moe_collective_all_reduce(i64, i64, i64, i32, i64, i64)
// CHECK-DAG:     func.func private @moe_collective_one_shot_table(i64, i64, i64, i64, i64) -> i64
// CHECK-LABEL: func.func @four_ranks
// CHECK:         %[[WIDE:.*]] = arith.extf %{{.*}} : tensor<4x16xbf16> to tensor<4x16xf32>
// CHECK:         %[[IN:.*]] = bufferization.to_buffer %[[WIDE]] read_only : tensor<4x16xf32> to memref<4x16xf32>
// CHECK:         %[[OUT:.*]] = memref.alloc() {alignment = 256 : i64} : memref<4x16xf32>
// CHECK:         %[[NAME:.*]] = memref.get_global @moe_group_tp : memref<3xi8>
// CHECK:         call @moe_collective_all_reduce(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, i64, i32, i64, i64) -> ()
// CHECK:         %[[SUM:.*]] = bufferization.to_tensor %[[OUT]]
// CHECK:         arith.truncf %[[SUM]] : tensor<4x16xf32> to tensor<4x16xbf16>
// CHECK-LABEL: func.func @two_ranks
// CHECK-NOT:     arith.extf
// CHECK:         %[[ROWS:.*]] = tensor.dim %{{.*}}, %c0
// CHECK:         %[[BYTES:.*]] = arith.constant 16 : index
// CHECK:         %[[ROWS64:.*]] = arith.index_cast %[[ROWS]] : index to i64
// CHECK:         %[[BYTES64:.*]] = arith.index_cast %[[BYTES]] : index to i64
// CHECK:         %[[LIMIT:.*]] = arith.constant 4194304 : i64
// CHECK:         %[[TABLE:.*]] = call @moe_collective_one_shot_table(%{{.*}}, %{{.*}}, %[[ROWS64]], %[[BYTES64]], %[[LIMIT]])
// CHECK:         %[[OPEN:.*]] = arith.cmpi ne, %[[TABLE]], %{{.*}} : i64
// CHECK:         scf.if %[[OPEN]]
// CHECK:           %[[PEERS:.*]] = func.call @moe_collective_one_shot_table
// CHECK:           gpu.launch_func @moe_kernels::@two_ranks_all_reduce_add_rms_norm_0 {{.*}}, %[[PEERS]] : i64)
// CHECK:         } else {
// CHECK:         %[[T:.*]] = tensor.dim %{{.*}}, %c0
// CHECK:         %[[COUNT:.*]] = arith.muli %{{.*}}, %c8
// CHECK:         bufferization.to_buffer %{{.*}} read_only : tensor<?x8xbf16> to memref<?x8xbf16>
// CHECK:         %[[OUT2:.*]] = memref.alloc(%[[T]]) {alignment = 256 : i64} : memref<?x8xbf16>
// CHECK:         %[[N:.*]] = arith.index_cast %[[COUNT]] : index to i64
// CHECK:         %[[BF16:.*]] = arith.constant 2 : i32
// CHECK:         memref.get_global @moe_group_ep
// CHECK:         %[[SIZE:.*]] = arith.constant 2 : i64
// CHECK:         call @moe_collective_all_reduce(%{{.*}}, %{{.*}}, %[[N]], %[[BF16]], %{{.*}}, %[[SIZE]])
// CHECK-NOT:     arith.truncf
// CHECK:         gpu.launch_func @moe_kernels::@two_ranks_add_rms_norm_1
// The one-shot kernel: its row published, a barrier, the flag to each peer
// stored with release and the peers' flags polled with acquire (system
// scope: no syncscope), a trap after too many polls, a barrier, then the
// sum and the norm (the workgroup's squares through LDS).
// CHECK-LABEL:   gpu.func @two_ranks_all_reduce_add_rms_norm_0(
// CHECK-SAME:      %{{.*}}: i64) workgroup(%{{.*}} : memref<1xf32, #gpu.address_space<workgroup>>
// CHECK:           llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<8xbf16>, !llvm.ptr<1>
// CHECK:           gpu.barrier
// CHECK:           llvm.store %{{.*}}, %{{.*}} atomic release {alignment = 4 : i64} : i32, !llvm.ptr<1>
// CHECK:           llvm.load %{{.*}} atomic acquire {alignment = 4 : i64} : !llvm.ptr<1> -> i32
// CHECK:           llvm.intr.trap
// CHECK:           gpu.barrier
// CHECK:           llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<8xbf16>
// CHECK:           llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<8xbf16>
// CHECK:           gpu.subgroup_reduce add
module attributes {moe.parallel = #moe.parallel<tp = 4, ep = 2>} {
  func.func @four_ranks(%x: tensor<4x16xbf16>) -> tensor<4x16xbf16> {
    %r = moe.all_reduce %x group "tp" : tensor<4x16xbf16>
    return %r : tensor<4x16xbf16>
  }
  func.func @two_ranks(%x: tensor<?x8xbf16>, %res: tensor<?x8xbf16>,
                       %w: tensor<8xbf16>) -> (tensor<?x8xbf16>, tensor<?x8xbf16>) {
    %n, %r = moe.all_reduce_add_rms_norm %x, %res, %w group "ep" eps 1.0e-06
        : tensor<?x8xbf16>, tensor<8xbf16>
    return %n, %r : tensor<?x8xbf16>, tensor<?x8xbf16>
  }
}

// -----

// Four ranks: messages past 256 KiB (rows x row bytes) take two stages.
// Thread 0 flags the row's owner (rank (w + k) % 4 for the k-th row of
// workgroup w), the owner waits for every
// rank's flag and publishes its rounded sum in place of its own row, then
// flags the others; they wait for it, read its sum, and record the epoch
// in their own flag.
// CHECK-LABEL:   gpu.func @four_all_reduce_add_rms_norm_0(
// CHECK:           %[[LIMIT:.*]] = arith.constant 262144 : i64
// CHECK:           %[[TWO:.*]] = arith.cmpi ugt, %{{.*}}, %[[LIMIT]] : i64
// CHECK:           gpu.barrier
// CHECK:           arith.divui %{{.*}}, %{{.*}} : index
// CHECK:           arith.remui %{{.*}}, %{{.*}} : index
// CHECK:           %[[OWNER:.*]] = arith.remui %{{.*}}, %c4_i64{{.*}} : i64
// CHECK:           llvm.store %{{.*}} atomic release {alignment = 4 : i64} : i32, !llvm.ptr<1>
// CHECK:           llvm.store %{{.*}} atomic release {alignment = 4 : i64} : i32, !llvm.ptr<1>
// CHECK:           llvm.load %{{.*}} atomic acquire {alignment = 4 : i64} : !llvm.ptr<1> -> i32
// CHECK:           llvm.load %{{.*}} atomic acquire {alignment = 4 : i64} : !llvm.ptr<1> -> i32
// CHECK:           gpu.barrier
// CHECK:           scf.if %{{.*}} -> (vector<8xf32>) {
// CHECK:             scf.if %[[TWO]] {
// CHECK:               llvm.store %{{.*}} {alignment = 16 : i64} : vector<8xbf16>, !llvm.ptr<1>
// CHECK:           } else {
// CHECK:             llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<8xbf16>
// CHECK:           gpu.barrier
// CHECK:           llvm.store %{{.*}} atomic release {alignment = 4 : i64} : i32, !llvm.ptr<1>
// CHECK:           llvm.store %{{.*}} {alignment = 4 : i64} : i32, !llvm.ptr<1>
// CHECK:           gpu.subgroup_reduce add
module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @four(%x: tensor<?x8xbf16>, %res: tensor<?x8xbf16>,
                  %w: tensor<8xbf16>) -> (tensor<?x8xbf16>, tensor<?x8xbf16>) {
    %n, %r = moe.all_reduce_add_rms_norm %x, %res, %w group "tp" eps 1.0e-06
        : tensor<?x8xbf16>, tensor<8xbf16>
    return %n, %r : tensor<?x8xbf16>, tensor<?x8xbf16>
  }
}

// -----

// all_gather and reduce_scatter are calls too: the library stacks along a
// new outer dim (all_gather: [N, ...] then moved next to `dim` and merged),
// reduce_scatter splits `dim` into [N, dim / N] with N moved outside first.
// CHECK-LABEL: func.func @gather
// CHECK:         %[[G:.*]] = memref.alloc() {alignment = 256 : i64} : memref<4x4x16xbf16>
// CHECK:         call @moe_collective_all_gather(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK:         %[[GT:.*]] = bufferization.to_tensor %[[G]]
// CHECK:         %[[MOVED:.*]] = linalg.transpose ins(%[[GT]] : tensor<4x4x16xbf16>) outs(%{{.*}} : tensor<4x4x16xbf16>) permutation = [1, 0, 2]
// CHECK:         tensor.collapse_shape %[[MOVED]] {{\[\[}}0], [1, 2]] : tensor<4x4x16xbf16> into tensor<4x64xbf16>
// CHECK-LABEL: func.func @gather_rows
// CHECK-NOT:     linalg.transpose
// CHECK:         call @moe_collective_all_gather
// CHECK:         tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<4x3x16xbf16> into tensor<12x16xbf16>
// CHECK-LABEL: func.func @scatter
// CHECK:         %[[SPLIT:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [%{{.*}}, 4, 4] : tensor<?x16xf32> into tensor<?x4x4xf32>
// CHECK:         linalg.transpose ins(%[[SPLIT]] : tensor<?x4x4xf32>) outs(%{{.*}} : tensor<4x?x4xf32>) permutation = [1, 0, 2]
// CHECK:         memref.alloc(%{{.*}}) {alignment = 256 : i64} : memref<?x4xf32>
// CHECK:         call @moe_collective_reduce_scatter
module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @gather(%x: tensor<4x16xbf16>) -> tensor<4x64xbf16> {
    %g = moe.all_gather %x group "tp" dim 1 : tensor<4x16xbf16> -> tensor<4x64xbf16>
    return %g : tensor<4x64xbf16>
  }
  func.func @gather_rows(%x: tensor<3x16xbf16>) -> tensor<12x16xbf16> {
    %g = moe.all_gather %x group "tp" dim 0 : tensor<3x16xbf16> -> tensor<12x16xbf16>
    return %g : tensor<12x16xbf16>
  }
  func.func @scatter(%x: tensor<?x16xf32>) -> tensor<?x4xf32> {
    %r = moe.reduce_scatter %x group "tp" dim 1 : tensor<?x16xf32> -> tensor<?x4xf32>
    return %r : tensor<?x4xf32>
  }
}

// -----

// all_to_all over several ranks: the counts (the call returns the received
// rows, a host value), then the rows into a buffer of that many rows.
// CHECK-DAG:     func.func private @moe_collective_exchange_counts(i64, i64, i64, i64) -> i64
// CHECK-DAG:     func.func private @moe_collective_all_to_all(i64, i64, i64, i64, i64, i64, i64, i32, i64, i64)
// CHECK-LABEL:   func.func @exchange
// CHECK:         %[[TOTAL:.*]] = call @moe_collective_exchange_counts
// CHECK:         %[[ROWS:.*]] = arith.index_cast %[[TOTAL]] : i64 to index
// CHECK:         memref.alloc(%[[ROWS]]) {alignment = 256 : i64} : memref<?x16xbf16>
// CHECK:         call @moe_collective_all_to_all
module attributes {moe.parallel = #moe.parallel<ep = 4>} {
  func.func @exchange(%x: tensor<?x16xbf16>, %send: tensor<4xi32>) -> (tensor<?x16xbf16>, tensor<4xi32>) {
    %r, %c = moe.all_to_all %x, %send group "ep" : tensor<?x16xbf16>, tensor<4xi32> -> tensor<?x16xbf16>, tensor<4xi32>
    return %r, %c : tensor<?x16xbf16>, tensor<4xi32>
  }
}

// -----

// Over one rank a collective returns its operands: GPU targets need equal
// types.
module attributes {moe.parallel = #moe.parallel<ep = 1>} {
  func.func @capacity(%x: tensor<?x16xbf16>, %send: tensor<1xi32>) -> (tensor<8x16xbf16>, tensor<1xi32>) {
    // expected-error @below {{'moe.all_to_all' op runs over group 'ep' of one rank, where it returns its operands; GPU targets need its result types to equal its operand types (expected 'tensor<?x16xbf16>', 'tensor<1xi32>', found 'tensor<8x16xbf16>', 'tensor<1xi32>')}}
    %r, %c = moe.all_to_all %x, %send group "ep" : tensor<?x16xbf16>, tensor<1xi32> -> tensor<8x16xbf16>, tensor<1xi32>
    return %r, %c : tensor<8x16xbf16>, tensor<1xi32>
  }
}

// -----

// A size relation the kernel relies on and the verifier could not prove is
// checked before the launch: a failure is recorded in @moe_check_state (its
// message in moe.check_messages, for the manifest) and the launch gets an
// empty grid.
// CHECK-LABEL: module attributes {gpu.container_module, moe.check_messages = ["moe.combine at {{.*}}launch.mlir:{{[0-9]+}}:{{[0-9]+}}: dim 0 of 'routes' must equal dim 0 times dim 1 of 'scale' (T * k)"]}
// CHECK:         memref.global "public" @moe_check_state : memref<4xi64>
// CHECK-LABEL: func.func @combine
// CHECK:         %[[OK:.*]] = arith.cmpi eq
// CHECK:         scf.if
// CHECK:           memref.get_global @moe_check_state
// CHECK:         %[[GRID:.*]] = arith.select %[[OK]], %{{.*}}, %{{.*}} : index
// CHECK:         gpu.launch_func @moe_kernels::@combine_combine_0 blocks in (%[[GRID]],
func.func @combine(%r: tensor<?x32xbf16>, %s: tensor<?x4xf32>) -> tensor<?x32xbf16> {
  %y = moe.combine %r, %s : tensor<?x32xbf16>, tensor<?x4xf32> -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

// -----

// The GEMM reads K columns of each A row: a dynamic K of A is checked
// against the weights' before the launch.
// CHECK-LABEL: module attributes {gpu.container_module, moe.check_messages = ["moe.grouped_matmul at {{.*}}launch.mlir:{{[0-9]+}}:{{[0-9]+}}: dim 2 of 'w' must equal dim 1 of 'a' (K)"]}
// CHECK-LABEL: func.func @gemm_dynamic_k
// CHECK:         %[[K:.*]] = memref.dim %{{.*}}, %c1{{.*}} : memref<?x?xbf16>
// CHECK:         %[[OK:.*]] = arith.cmpi eq, %{{.*}}, %[[K]]
// CHECK:         %[[GRID:.*]] = arith.select %[[OK]], %{{.*}}, %{{.*}} : index
// CHECK:         gpu.launch_func @moe_kernels::@gemm_dynamic_k_grouped_matmul_0 blocks in (%[[GRID]],
func.func @gemm_dynamic_k(%x: tensor<?x?xbf16>, %w: tensor<8x32x64xbf16>, %s: tensor<?xi32>, %b: tensor<?xi32>, %c: tensor<i32>) -> tensor<?x32xbf16> {
  %o = moe.grouped_matmul %x, %w, %s, %b, %c rows tokens top_k 2 block_m 16 : (tensor<?x?xbf16>, tensor<8x32x64xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x32xbf16>
  return %o : tensor<?x32xbf16>
}

// -----

// Nor does an output that only a combine of the local routes reads (the
// ids and experts of the align that ordered the GEMM's rows): the rows the
// GEMM does not write are routes the combine does not use. A combine
// without ids reads every row, so that output is zero-filled.
// CHECK-LABEL: func.func @combined
// CHECK:         %[[O:.*]] = memref.alloc(%{{.*}}) {alignment = 256 : i64} : memref<?x64xbf16>
// CHECK-NOT:     gpu.memset %[[O]]
// CHECK:         gpu.launch_func @moe_kernels::@combined_grouped_matmul_{{[0-9]+}}
// CHECK:         gpu.launch_func @moe_kernels::@combined_combine_{{[0-9]+}}
// CHECK-LABEL: func.func @combined_every_row
// CHECK:         %[[O:.*]] = memref.alloc(%{{.*}}) {alignment = 256 : i64} : memref<?x64xbf16>
// CHECK:         gpu.memset %[[O]]
// CHECK:         gpu.launch_func @moe_kernels::@combined_every_row_grouped_matmul_{{[0-9]+}}
func.func @combined(%h: tensor<?x32xbf16>, %w2: tensor<8x64x32xbf16>, %ids: tensor<?x2xi32>,
                    %rw: tensor<?x2xf32>) -> tensor<?x64xbf16> {
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  %o = moe.grouped_matmul %h, %w2, %s, %b, %c rows routes top_k 2 block_m 16
      : (tensor<?x32xbf16>, tensor<8x64x32xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x64xbf16>
  %y = moe.combine %o, %rw ids %ids experts 8 : tensor<?x64xbf16>, tensor<?x2xf32>, tensor<?x2xi32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}
func.func @combined_every_row(%h: tensor<?x32xbf16>, %w2: tensor<8x64x32xbf16>, %ids: tensor<?x2xi32>,
                              %rw: tensor<?x2xf32>) -> tensor<?x64xbf16> {
  %s, %b, %c = moe.align %ids experts 8 block_m 16 : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  %o = moe.grouped_matmul %h, %w2, %s, %b, %c rows routes top_k 2 block_m 16
      : (tensor<?x32xbf16>, tensor<8x64x32xbf16>, tensor<?xi32>, tensor<?xi32>, tensor<i32>) -> tensor<?x64xbf16>
  %y = moe.combine %o, %rw : tensor<?x64xbf16>, tensor<?x2xf32> -> tensor<?x64xbf16>
  return %y : tensor<?x64xbf16>
}

// -----

// An expert count whose counts and offsets cannot fit the chip's LDS is a
// diagnostic (a fuzzed 87777777777777777 once sized loops until the
// compiler ran out of memory).
func.func @align_too_many_experts(%ids: tensor<?x2xi32>) -> (tensor<?xi32>, tensor<?xi32>, tensor<i32>) {
  // expected-error @+1 {{has 87777777777777777 experts; the align kernel keeps a count, an offset and a cursor of each in LDS, so expected at most}}
  %s, %b, %c = moe.align %ids experts 87777777777777777 block_m 16 : tensor<?x2xi32> -> tensor<?xi32>, tensor<?xi32>, tensor<i32>
  return %s, %b, %c : tensor<?xi32>, tensor<?xi32>, tensor<i32>
}
