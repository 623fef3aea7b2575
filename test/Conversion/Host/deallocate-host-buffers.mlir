// RUN: moe-opt %s --split-input-file --moe-deallocate-host-buffers --moe-use-device-buffers | FileCheck %s

// Upstream's ownership-based deallocation frees every buffer the function
// does not return, after the launches (gpu.launch_func has the memory
// effects of its kernel); moe-use-device-buffers turns allocs and deallocs
// into device ones.
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @scale(%a: memref<?xf32>, %b: memref<?xf32>) kernel { gpu.return }
  }
  // CHECK-LABEL: func.func @bucket(
  // CHECK-SAME: %[[X:.*]]: memref<?xf32>
  func.func @bucket(%x: memref<?xf32>, %n: index) -> memref<?xf32> {
    %c1 = arith.constant 1 : index
    // CHECK: %[[TMP:.*]] = gpu.alloc (%{{.*}}) : memref<?xf32>
    // CHECK: %[[OUT:.*]] = gpu.alloc (%{{.*}}) : memref<?xf32>
    %tmp = memref.alloc(%n) : memref<?xf32>
    %out = memref.alloc(%n) : memref<?xf32>
    // CHECK: gpu.launch_func @k::@scale {{.*}} args(%[[X]] : memref<?xf32>, %[[TMP]] : memref<?xf32>)
    // CHECK: gpu.launch_func @k::@scale {{.*}} args(%[[TMP]] : memref<?xf32>, %[[OUT]] : memref<?xf32>)
    gpu.launch_func @k::@scale blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<?xf32>, %tmp : memref<?xf32>)
    gpu.launch_func @k::@scale blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%tmp : memref<?xf32>, %out : memref<?xf32>)
    // CHECK-NEXT: gpu.dealloc %[[TMP]] : memref<?xf32>
    // CHECK-NOT: gpu.dealloc
    // CHECK: return %[[OUT]]
    return %out : memref<?xf32>
  }
}

// -----

// A dispatcher that only forwards what its calls return owns nothing: it
// gets no ownership flags, no pointer comparisons and no deallocs.
module {
  func.func private @small(%x: memref<?xf32>) -> (memref<?xf32>, memref<?xf32>)
  func.func private @large(%x: memref<?xf32>) -> (memref<?xf32>, memref<?xf32>)
  // CHECK-LABEL: func.func @dispatch(
  func.func @dispatch(%x: memref<?xf32>, %big: i1) -> (memref<?xf32>, memref<?xf32>) {
    // CHECK: scf.if
    // CHECK-NOT: extract_aligned_pointer
    // CHECK-NOT: dealloc
    // CHECK: return
    %r:2 = scf.if %big -> (memref<?xf32>, memref<?xf32>) {
      %a:2 = func.call @large(%x) : (memref<?xf32>) -> (memref<?xf32>, memref<?xf32>)
      scf.yield %a#0, %a#1 : memref<?xf32>, memref<?xf32>
    } else {
      %a:2 = func.call @small(%x) : (memref<?xf32>) -> (memref<?xf32>, memref<?xf32>)
      scf.yield %a#0, %a#1 : memref<?xf32>, memref<?xf32>
    }
    return %r#0, %r#1 : memref<?xf32>, memref<?xf32>
  }
}

// -----

// One that reads a returned buffer's size and drops it owns it: the
// pipeline frees it (its base buffer).
module {
  func.func private @make(%n: index) -> memref<?xf32> {
    %b = memref.alloc(%n) : memref<?xf32>
    return %b : memref<?xf32>
  }
  // CHECK-LABEL: func.func @drops(
  func.func @drops(%n: index) -> index {
    %c0 = arith.constant 0 : index
    // CHECK: %[[B:.*]] = call @make
    // CHECK: %[[BASE:[a-z_0-9]+]], %{{.*}} = memref.extract_strided_metadata %[[B]]
    // CHECK: gpu.dealloc %[[BASE]]
    %b = func.call @make(%n) : (index) -> memref<?xf32>
    %d = memref.dim %b, %c0 : memref<?xf32>
    return %d : index
  }
}
