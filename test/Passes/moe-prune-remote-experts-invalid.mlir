// RUN: moe-opt %s -split-input-file -moe-prune-remote-experts="ep-size=4" -verify-diagnostics

// What --moe-prune-remote-experts cannot do is a diagnostic.

func.func @not_divisible(%x: tensor<4x32xbf16>, %w1: tensor<6x48x32xbf16>, %w2: tensor<6x32x24xbf16>,
                         %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) -> tensor<4x32xbf16> {
  // expected-error @+1 {{'moe.experts' op has 6 experts, not divisible by ep-size = 4; expected a multiple of 4}}
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<4x32xbf16>, tensor<6x48x32xbf16>, tensor<6x32x24xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x32xbf16>
  return %y : tensor<4x32xbf16>
}

// -----

// expected-error @+1 {{expected the layout's 'ep' group to have ep-size = 4 ranks, got #moe.parallel<ep = 2>}}
module attributes {moe.parallel = #moe.parallel<ep = 2>} {
  func.func @conflicting_layout(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                                %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) -> tensor<4x32xbf16> {
    %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
        : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x32xbf16>
    return %y : tensor<4x32xbf16>
  }
}

// -----

// expected-error @+1 {{cannot prune experts in 'called': it has callers, and its signature changes (local weight slices and an ep_rank argument)}}
func.func @called(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                  %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) -> tensor<4x32xbf16> {
  %y = moe.experts %x, %w1, %w2, %w, %ids activation <silu_mul>
      : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x32xbf16>
  return %y : tensor<4x32xbf16>
}

func.func @caller(%x: tensor<4x32xbf16>, %w1: tensor<8x48x32xbf16>, %w2: tensor<8x32x24xbf16>,
                  %w: tensor<4x2xf32>, %ids: tensor<4x2xi32>) -> tensor<4x32xbf16> {
  %y = func.call @called(%x, %w1, %w2, %w, %ids) : (tensor<4x32xbf16>, tensor<8x48x32xbf16>, tensor<8x32x24xbf16>, tensor<4x2xf32>, tensor<4x2xi32>) -> tensor<4x32xbf16>
  return %y : tensor<4x32xbf16>
}
