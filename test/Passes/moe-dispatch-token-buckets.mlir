// RUN: moe-opt %s -moe-dispatch-token-buckets="merge=false" | FileCheck %s
// RUN: moe-opt %s -moe-dispatch-token-buckets | FileCheck %s --check-prefix=MERGE

// Three buckets; the first two have equal bodies.
// CHECK: func.func @f(%[[X:.*]]: tensor<?x4xf32> {moe.tokens}, %[[N:.*]]: index) -> tensor<?x4xf32> {
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[T:.*]] = tensor.dim %[[X]], %[[C0]]
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[LE1:.*]] = arith.cmpi ule, %[[T]], %[[C1]]
// CHECK: %[[R:.*]] = scf.if %[[LE1]] -> (tensor<?x4xf32>) {
// CHECK:   %[[R1:.*]] = func.call @f__t1(%[[X]], %[[N]])
// CHECK:   scf.yield %[[R1]]
// CHECK: } else {
// CHECK:   %[[C4:.*]] = arith.constant 4 : index
// CHECK:   %[[LE4:.*]] = arith.cmpi ule, %[[T]], %[[C4]]
// CHECK:   scf.if %[[LE4]]
// CHECK:     func.call @f__t2_4(%[[X]], %[[N]])
// CHECK:   } else {
// CHECK:     func.call @f__t5_up(%[[X]], %[[N]])
// CHECK: return %[[R]]
// MERGE-LABEL: func.func @f(
// MERGE: %[[C4:.*]] = arith.constant 4 : index
// MERGE: %[[LE4:.*]] = arith.cmpi ule, %{{.*}}, %[[C4]]
// MERGE: scf.if %[[LE4]]
// MERGE:   func.call @f__t1_4(
// MERGE: } else {
// MERGE:   func.call @f__t5_up(
// MERGE-NOT: scf.if
// MERGE: func.func private @f__t1_4({{.*}} attributes {moe.token_bucket = {expected = 4 : i64, max = 4 : i64, min = 1 : i64, of = @f}}
// MERGE-NOT: @f__t2_4
// MERGE: func.func private @f__t5_up(
func.func private @f(%x: tensor<?x4xf32>) -> tensor<?x4xf32>
func.func private @f__t1(%x: tensor<?x4xf32> {moe.tokens}, %n: index) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @f, min = 1, max = 1, expected = 1}} {
  return %x : tensor<?x4xf32>
}
func.func private @f__t2_4(%x: tensor<?x4xf32> {moe.tokens}, %n: index) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @f, min = 2, max = 4, expected = 4}} {
  return %x : tensor<?x4xf32>
}
func.func private @f__t5_up(%x: tensor<?x4xf32> {moe.tokens}, %n: index) -> tensor<?x4xf32>
    attributes {moe.token_bucket = {of = @f, min = 5, expected = 4096}} {
  %y = arith.addf %x, %x : tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// No results: the branches keep their implicit yields.
// CHECK-LABEL: func.func @sink(
// CHECK: scf.if
// CHECK-NEXT: func.call @sink__t1(
// CHECK-NEXT: } else {
// CHECK-NEXT: func.call @sink__t2_up(
// CHECK-NEXT: }
// CHECK-NEXT: return
func.func private @sink(%x: tensor<?x4xf32>)
func.func private @sink__t1(%x: tensor<?x4xf32> {moe.tokens})
    attributes {moe.token_bucket = {of = @sink, min = 1, max = 1, expected = 1}} {
  return
}
func.func private @sink__t2_up(%x: tensor<?x4xf32> {moe.tokens})
    attributes {moe.token_bucket = {of = @sink, min = 2, expected = 4096}} {
  %y = arith.addf %x, %x : tensor<?x4xf32>
  return
}
