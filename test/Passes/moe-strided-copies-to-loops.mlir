// RUN: moe-opt %s -split-input-file -moe-strided-copies-to-loops | FileCheck %s

// A copy from a strided view becomes linalg.copy (loops later), not a call
// of the runner utilities' memrefCopy.
// CHECK-LABEL: func.func @strided
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%{{.*}} : memref<?x4xf32, strided<[16, 1]>>) outs(%{{.*}} : memref<?x4xf32>)
func.func @strided(%src: memref<?x4xf32, strided<[16, 1]>>, %dst: memref<?x4xf32>) {
  memref.copy %src, %dst : memref<?x4xf32, strided<[16, 1]>> to memref<?x4xf32>
  return
}

// -----

// Identity layouts on both sides: the copy stays (llvm.memcpy later).
// CHECK-LABEL: func.func @contiguous
// CHECK: memref.copy
// CHECK-NOT: linalg.copy
func.func @contiguous(%src: memref<8x4xf32>, %dst: memref<8x4xf32>) {
  memref.copy %src, %dst : memref<8x4xf32> to memref<8x4xf32>
  return
}
