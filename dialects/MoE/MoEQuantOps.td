//===- MoEQuantOps.td - quantize and dequantize ops --------*- tablegen -*-===//
//
// Declares the operations that quantize activations and dequantize tensors.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_QUANT_OPS_TD
#define MOE_QUANT_OPS_TD

def MoE_QuantizeOp : MoE_Op<"quantize",
    [Pure, DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
        ["reifyResultShapes"]>]> {
  let summary = "dynamic quantization of a tensor to fp8 or fp4 with scales";
  let description = [{
    Quantizes `input` (`[lead..., R, C]`, or rank 1 for `per_tensor`) to
    the element type of `values` (same shape) with one scale per group of
    elements that `scheme` (`#moe.quant`) defines; `scales` has the
    scheme's scale shape. With `fmax` the largest finite value of the value
    type (448 for f8E4M3FN, 240 for f8E4M3FNUZ, 6 for f4E2M1FN) and
    `amax = max |x|` over a group, in f32:

    - `per_tensor`, `per_row`, `block`: `s = max(amax, 1e-10) / fmax` and
      `q = round(clamp(x / s, -fmax, fmax))` (vLLM's dynamic fp8 rule);
    - `mx` (OCP MX): `e = clamp(floor(log2(amax)) - emax, -127, 127)`, with
      `emax` the exponent of `fmax` (8, 7, 2), so `e = -127` when
      `amax = 0`; the scale is `2^e` (stored as `e + 127`) and
      `q = round(clamp(x * 2^-e, -fmax, fmax))`.

    `round` is to nearest, ties to even. A group holding an infinity or NaN
    gets a NaN scale (f32 NaN, or 0xFF for mx) and unspecified values.
    f4E2M1FN values take the `mx` scheme (MXFP4).

    ```mlir
    %q, %s = moe.quantize %x <block [1, 128]>
        : tensor<?x7168xbf16> -> (tensor<?x7168xf8E4M3FN>, tensor<?x56xf32>)
    %q4, %s4 = moe.quantize %h <mx>
        : tensor<?x2880xbf16> -> (tensor<?x2880xf4E2M1FN>, tensor<?x90xf8E8M0FNU>)
    ```
  }];
  let arguments = (ins MoE_DataTensor:$input, MoE_QuantAttr:$scheme);
  let results = (outs MoE_QuantTensor:$values, MoE_ScaleTensor:$scales);
  let assemblyFormat = [{
    $input $scheme attr-dict `:` type($input) `->`
    `(` type($values) `,` type($scales) `)`
  }];
  let hasVerifier = 1;
}

def MoE_DequantizeOp : MoE_Op<"dequantize", [Pure]> {
  let summary = "the values of a quantized tensor: element times its scale";
  let description = [{
    `result[i] = f32(values[i]) * f32(scales[group(i)])`, rounded to the
    result's element type, with the groups of `scheme` (`#moe.quant`);
    `scales` has the scheme's scale shape and `result` the shape of
    `values`. An f8E8M0FNU scale `s` is `2^(s - 127)` (0xFF is NaN).

    ```mlir
    %w = moe.dequantize %q, %s <block [128, 128]>
        : (tensor<256x2048x7168xf8E4M3FN>, tensor<256x16x56xf32>)
        -> tensor<256x2048x7168xbf16>
    ```
  }];
  let arguments = (ins MoE_QuantTensor:$values, MoE_ScaleTensor:$scales,
                       MoE_QuantAttr:$scheme);
  let results = (outs MoE_DataTensor:$result);
  let assemblyFormat = [{
    $values `,` $scales $scheme attr-dict `:`
    `(` type($values) `,` type($scales) `)` `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // MOE_QUANT_OPS_TD
