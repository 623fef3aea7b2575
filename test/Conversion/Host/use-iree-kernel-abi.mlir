// RUN: moe-opt %s --split-input-file --moe-use-iree-kernel-abi --verify-diagnostics | FileCheck %s

// A kernel with a dynamic buffer, a static one, an index, an i64 and an f32
// takes two pointers, then i32 constants argument by argument: the dynamic
// size, the index, the i64's low and high words, the f32's bits. Its body
// rebuilds the memrefs (pointer, offset 0, sizes, row-major strides) and the
// scalars from them; the launch passes them so; the workgroup size is fixed.
// CHECK-LABEL: gpu.func @k(
// CHECK-SAME: %[[A:[a-z0-9]+]]: !llvm.ptr, %[[W:[a-z0-9]+]]: !llvm.ptr,
// CHECK-SAME: %[[ROWS:[a-z0-9]+]]: i32, %[[N:[a-z0-9]+]]: i32, %[[LO:[a-z0-9]+]]: i32, %[[HI:[a-z0-9]+]]: i32, %[[S:[a-z0-9]+]]: i32)
// CHECK-SAME: kernel attributes {known_block_size = array<i32: 64, 1, 1>}
// CHECK: %[[R64:.+]] = arith.extui %[[ROWS]] : i32 to i64
// CHECK: llvm.insertvalue %[[A]], %{{.+}}[0]
// CHECK: llvm.insertvalue %[[A]], %{{.+}}[1]
// CHECK: llvm.insertvalue %[[R64]], %{{.+}}[3, 0]
// CHECK: %[[AM:.+]] = builtin.unrealized_conversion_cast %{{.+}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<?x8xf32>
// CHECK: %[[WM:.+]] = builtin.unrealized_conversion_cast %{{.+}} : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<8xf32>
// CHECK: %[[NI:.+]] = arith.index_cast %[[N]] : i32 to index
// CHECK: arith.extui %[[LO]] : i32 to i64
// CHECK: arith.extui %[[HI]] : i32 to i64
// CHECK: arith.shli
// CHECK: %[[F:.+]] = arith.bitcast %[[S]] : i32 to f32
// CHECK: memref.load %[[WM]][%[[NI]]]
// CHECK: memref.store %{{.+}}, %[[AM]]
// CHECK: gpu.return

// CHECK-LABEL: func.func @host(
// CHECK: %[[AP:.+]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK: %[[AI:.+]] = arith.index_cast %[[AP]] : index to i64
// CHECK: %[[APTR:.+]] = llvm.inttoptr %[[AI]] : i64 to !llvm.ptr
// CHECK: llvm.inttoptr
// CHECK: %[[D:.+]] = memref.dim %arg0
// CHECK: %[[DC:.+]] = arith.index_cast %[[D]] : index to i32
// CHECK: %[[NC:.+]] = arith.index_cast %arg2 : index to i32
// CHECK: %[[LOW:.+]] = arith.trunci %arg3 : i64 to i32
// CHECK: %[[SHIFT:.+]] = arith.shrui %arg3
// CHECK: %[[HIGH:.+]] = arith.trunci %[[SHIFT]] : i64 to i32
// CHECK: %[[BITS:.+]] = arith.bitcast %arg4 : f32 to i32
// CHECK: gpu.launch_func @kernels::@k {{.*}} args(%[[APTR]] : !llvm.ptr, %{{.+}} : !llvm.ptr, %[[DC]] : i32, %[[NC]] : i32, %[[LOW]] : i32, %[[HIGH]] : i32, %[[BITS]] : i32)
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%a: memref<?x8xf32>, %w: memref<8xf32>, %n: index, %tag: i64,
                %s: f32) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %w[%n] : memref<8xf32>
      %t = arith.sitofp %tag : i64 to f32
      %x = arith.addf %v, %t : f32
      %y = arith.mulf %x, %s : f32
      memref.store %y, %a[%c0, %n] : memref<?x8xf32>
      gpu.return
    }
  }
  func.func @host(%a: memref<?x8xf32>, %w: memref<8xf32>, %n: index,
                  %tag: i64, %s: f32) {
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1)
        threads in (%c64, %c1, %c1)
        args(%a : memref<?x8xf32>, %w : memref<8xf32>, %n : index,
             %tag : i64, %s : f32)
    return
  }
}

// -----

// A buffer in another memory space is no binding.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    // expected-error @+1 {{IREE kernel ABI: argument 0 expected a contiguous row-major memref in the default memory space (a binding), found 'memref<8xf32, 1>'}}
    gpu.func @k(%a: memref<8xf32, 1>) kernel {
      gpu.return
    }
  }
}

// -----

// IREE fixes the workgroup size per export.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%a: memref<8xf32>) kernel {
      gpu.return
    }
  }
  func.func @host(%a: memref<8xf32>, %threads: index) {
    %c1 = arith.constant 1 : index
    // expected-error @+1 {{IREE kernel ABI: expected a constant workgroup size for k (IREE fixes it per export), found a size computed at run time}}
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1)
        threads in (%threads, %c1, %c1) args(%a : memref<8xf32>)
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%a: memref<8xf32>) kernel {
      gpu.return
    }
  }
  func.func @host(%a: memref<8xf32>) {
    %c1 = arith.constant 1 : index
    %c32 = arith.constant 32 : index
    %c64 = arith.constant 64 : index
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1)
        threads in (%c64, %c1, %c1) args(%a : memref<8xf32>)
    // expected-error @+1 {{IREE kernel ABI: expected every launch of k with workgroup size (64, 1, 1), found (32, 1, 1)}}
    gpu.launch_func @kernels::@k blocks in (%c1, %c1, %c1)
        threads in (%c32, %c1, %c1) args(%a : memref<8xf32>)
    return
  }
}

// -----

// A vector argument has no push-constant form.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    // expected-error @+1 {{IREE kernel ABI: argument 0 expected a memref, an integer, index or an f16, bf16, f32 or f64 scalar (32-bit push constants), found 'vector<4xf32>'}}
    gpu.func @k(%v: vector<4xf32>) kernel {
      gpu.return
    }
  }
}

// -----

// A dynamic row stride may be any pitch: no binding.
module attributes {gpu.container_module} {
  gpu.module @kernels {
    // expected-error @+1 {{IREE kernel ABI: argument 0 expected a contiguous row-major memref in the default memory space (a binding), found 'memref<?x?xf32, strided<[?, 1]>>'}}
    gpu.func @k(%a: memref<?x?xf32, strided<[?, 1]>>) kernel {
      gpu.return
    }
  }
}
