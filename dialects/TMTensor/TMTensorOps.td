//===- TMTensorOps.td - torch-mlir's TMTensor ops, parsed here -*- tablegen -*-===//
//
// The subset of torch-mlir's TMTensor dialect that MoE model IR contains
// (sort, scatter, topk, yield), with the assembly formats torch-mlir's
// linalg-on-tensors backend prints, so that moe-opt parses and verifies
// that IR. Written here from the documented formats; semantics on tensors.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TMTENSOR_OPS_TD
#define MOE_TMTENSOR_OPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def TMTensor_Dialect : Dialect {
  let name = "tm_tensor";
  let cppNamespace = "::mlir::moe::tm_tensor";
  let summary = "torch-mlir's TMTensor ops as MoE model IR contains them";
  let description = [{
    torch-mlir lowers `aten.sort` / `aten.topk` and the scatter family
    (`scatter`, `scatter_add`, `index_put` with accumulate) to TMTensor ops,
    which its linalg-on-tensors output keeps. MLIR has no such dialect; this
    one parses and verifies the ops a MoE layer's IR holds, in torch-mlir's
    assembly formats, on tensors (value semantics: each op's results have
    the types of its `outs`).
  }];
}

class TMTensor_Op<string mnemonic, list<Trait> traits = []>
    : Op<TMTensor_Dialect, mnemonic, traits>;

def TMTensor_SortOp : TMTensor_Op<"sort", [Pure, AttrSizedOperandSegments]> {
  let summary = "sort tensors along one dimension by a comparator region";
  let description = [{
    Sorts the `outs` tensors (all of one shape) together along `dimension`;
    the region compares two elements of each (`(a0, b0, a1, b1, ...)`) and
    yields `i1`: true when `a` goes before `b`. Not stable. The results
    have the types of `outs`.

    ```mlir
    %s:2 = tm_tensor.sort dimension(1) outs(%x, %iota : tensor<4x8xf32>, tensor<4x8xi64>) {
    ^bb0(%a: f32, %b: f32, %i: i64, %j: i64):
      %c = arith.cmpf oge, %a, %b : f32
      tm_tensor.yield %c : i1
    } -> tensor<4x8xf32>, tensor<4x8xi64>
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs,
                       Variadic<AnyRankedTensor>:$outputs,
                       I64Attr:$dimension);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$region);
  let assemblyFormat = [{
    attr-dict `dimension` `(` $dimension `)`
    (`ins` `(` $inputs^ `:` type($inputs) `)`)?
    `outs` `(` $outputs `:` type($outputs) `)`
    $region (`->` type($results)^)?
  }];
  let hasVerifier = 1;
}

def TMTensor_TopkOp : TMTensor_Op<"topk", [Pure, AttrSizedOperandSegments]> {
  let summary = "the top k values (and their indices) along one dimension";
  let description = [{
    `ins` are the values (and optionally their indices), `outs` the k best
    values and their indices (i32 or i64), of the same rank with `dimension`
    k long; the region compares two values and yields `i1`. The results
    have the types of `outs`.
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs,
                       Variadic<AnyRankedTensor>:$outputs,
                       I64Attr:$dimension);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$region);
  let assemblyFormat = [{
    attr-dict `dimension` `(` $dimension `)`
    `ins` `(` $inputs `:` type($inputs) `)`
    `outs` `(` $outputs `:` type($outputs) `)`
    $region (`->` type($results)^)?
  }];
  let hasVerifier = 1;
}

def TMTensor_ScatterOp : TMTensor_Op<"scatter", [Pure, AttrSizedOperandSegments]> {
  let summary = "scatter updates into a tensor at index tuples";
  let description = [{
    `ins(%updates, %indices)`: update `i` goes to the coordinates
    `indices[i, :]` of `outs(%original)` (through `dimension_map`: entry `j`
    of a tuple indexes dimension `dimension_map[j]`); the trailing
    dimensions of `updates` past the first are the slice written at each.
    The region combines `(update, original)` and yields the new element
    (an `arith.addf` for scatter_add / index_put with accumulate).

    ```mlir
    %r = tm_tensor.scatter {dimension_map = array<i64: 0, 1>} unique_indices(false)
        ins(%upd, %idx : tensor<?xf32>, tensor<?x2xi64>) outs(%orig : tensor<4x8xf32>) {
    ^bb0(%u: f32, %o: f32):
      %s = arith.addf %o, %u : f32
      tm_tensor.yield %s : f32
    } -> tensor<4x8xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs,
                       Variadic<AnyRankedTensor>:$outputs,
                       DenseI64ArrayAttr:$dimension_map,
                       DefaultValuedAttr<BoolAttr, "true">:$unique_indices);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let regions = (region SizedRegion<1>:$region);
  let assemblyFormat = [{
    attr-dict `unique_indices` `(` $unique_indices `)`
    (`ins` `(` $inputs^ `:` type($inputs) `)`)?
    `outs` `(` $outputs `:` type($outputs) `)`
    $region (`->` type($results)^)?
  }];
  let hasVerifier = 1;
}

def TMTensor_YieldOp : TMTensor_Op<"yield", [Pure, Terminator,
    ParentOneOf<["SortOp", "ScatterOp", "TopkOp"]>]> {
  let summary = "the value of a TMTensor op's region";
  let arguments = (ins Variadic<AnyType>:$operands);
  let assemblyFormat = "attr-dict ($operands^ `:` type($operands))?";
}

#endif // MOE_TMTENSOR_OPS_TD
