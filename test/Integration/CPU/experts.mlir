// moe.experts against the numpy reference: each activation and layout, T = 1,
// every token routed to one expert, experts with no token, k = E, bf16 and
// f16, expert biases (gpt-oss; f32 biases with f16 x), and the same entry
// called with different T.
// RUN: moe-compile %s -o %t.so
// RUN: %python %S/check_experts.py --lib %t.so --moe-run moe-run | FileCheck %s
// RUN: moe-compile --no-optimize %s -o %t.direct.so
// RUN: %python %S/check_experts.py --lib %t.direct.so --moe-run moe-run | FileCheck %s
// CHECK: {{^[0-9]+}} passed, 0 failed

func.func @silu(%x: tensor<?x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                %w: tensor<?x2xf32>, %ids: tensor<?x2xi32>) -> tensor<?x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<?x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<?x2xf32>, tensor<?x2xi32>) -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

func.func @swiglu_oai(%x: tensor<6x32xbf16>, %w1: tensor<4x32x32xbf16>, %w2: tensor<4x32x16xbf16>,
                      %w: tensor<6x4xf32>, %ids: tensor<6x4xi32>) -> tensor<6x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0>
      : (tensor<6x32xbf16>, tensor<4x32x32xbf16>, tensor<4x32x16xbf16>, tensor<6x4xf32>, tensor<6x4xi32>) -> tensor<6x32xbf16>
  return %y : tensor<6x32xbf16>
}

// gpt-oss's experts: SwiGLU-OAI on interleaved rows, a bias after each GEMM.
func.func @swiglu_oai_biases(%x: tensor<?x32xbf16>, %w1: tensor<8x32x32xbf16>, %w2: tensor<8x32x16xbf16>,
                             %w: tensor<?x4xf32>, %ids: tensor<?x4xi32>,
                             %b1: tensor<8x32xbf16>, %b2: tensor<8x32xbf16>) -> tensor<?x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <swiglu_oai, layout = interleaved, alpha = 1.702, beta = 1.0, limit = 7.0>
      biases %b1, %b2
      : (tensor<?x32xbf16>, tensor<8x32x32xbf16>, tensor<8x32x16xbf16>, tensor<?x4xf32>, tensor<?x4xi32>,
         tensor<8x32xbf16>, tensor<8x32xbf16>) -> tensor<?x32xbf16>
  return %y : tensor<?x32xbf16>
}

func.func @silu_biases(%x: tensor<7x32xf16>, %w1: tensor<8x48x32xf16>, %w2: tensor<8x32x24xf16>,
                       %w: tensor<7x2xf32>, %ids: tensor<7x2xi32>,
                       %b1: tensor<8x48xf32>, %b2: tensor<8x32xf32>) -> tensor<7x32xf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul> biases %b1, %b2
      : (tensor<7x32xf16>, tensor<8x48x32xf16>, tensor<8x32x24xf16>, tensor<7x2xf32>, tensor<7x2xi32>,
         tensor<8x48xf32>, tensor<8x32xf32>) -> tensor<7x32xf16>
  return %y : tensor<7x32xf16>
}

func.func @gelu_f16(%x: tensor<3x16xf16>, %w1: tensor<4x16x16xf16>, %w2: tensor<4x16x8xf16>,
                    %w: tensor<3x2xf32>, %ids: tensor<3x2xi32>) -> tensor<3x16xf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <gelu_mul, layout = interleaved>
      : (tensor<3x16xf16>, tensor<4x16x16xf16>, tensor<4x16x8xf16>, tensor<3x2xf32>, tensor<3x2xi32>) -> tensor<3x16xf16>
  return %y : tensor<3x16xf16>
}
