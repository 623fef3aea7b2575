// RUN: moe-opt %s --split-input-file --verify-diagnostics --moe-use-device-buffers | FileCheck %s

// Allocs, deallocs and copies of host functions become device ones.
// CHECK-LABEL: func.func @buffers(
func.func @buffers(%x: memref<?xf32>, %n: index) -> memref<?xf32> {
  // CHECK: %[[A:.*]] = gpu.alloc (%{{.*}}) : memref<?xf32>
  // CHECK: %[[B:.*]] = gpu.alloc (%{{.*}}) : memref<?xf32>
  // CHECK: gpu.memcpy %[[A]], %{{.*}} : memref<?xf32>, memref<?xf32>
  // CHECK: gpu.dealloc %[[A]] : memref<?xf32>
  // CHECK-NOT: memref.
  %a = memref.alloc(%n) : memref<?xf32>
  %b = memref.alloc(%n) : memref<?xf32>
  memref.copy %x, %a : memref<?xf32> to memref<?xf32>
  memref.dealloc %a : memref<?xf32>
  return %b : memref<?xf32>
}

// -----

// Upstream's lowering of bufferization.dealloc guards a returned buffer's
// base buffer by comparing aligned pointers, which are always equal: the
// guard folds away.
// CHECK-LABEL: func.func @guard(
func.func @guard(%r: memref<?xf32>) -> memref<?xf32> {
  // CHECK-NOT: scf.if
  // CHECK-NOT: dealloc
  // CHECK: return
  %base, %off, %size, %stride = memref.extract_strided_metadata %r : memref<?xf32> -> memref<f32>, index, index, index
  %p = memref.extract_aligned_pointer_as_index %base : memref<f32> -> index
  %q = memref.extract_aligned_pointer_as_index %r : memref<?xf32> -> index
  %ne = arith.cmpi ne, %p, %q : index
  scf.if %ne {
    memref.dealloc %base : memref<f32>
  }
  return %r : memref<?xf32>
}

// -----

func.func @host_load(%x: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{reads or writes a buffer on the host; expected every access to run in a kernel for a GPU target}}
  %v = memref.load %x[%c0] : memref<4xf32>
  return %v : f32
}

// -----

// expected-error @+1 {{expected straight-line host code for a GPU target (one block), got 2 blocks}}
func.func @blocks(%x: memref<4xf32>) {
  cf.br ^next
^next:
  return
}
