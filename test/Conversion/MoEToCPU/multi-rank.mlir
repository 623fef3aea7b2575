// RUN: moe-opt %s -split-input-file -convert-moe-to-cpu -verify-diagnostics

// The CPU reference runs one rank; a larger group is a diagnostic.
module attributes {moe.parallel = #moe.parallel<tp = 4>} {
  func.func @tp4(%x: tensor<4x16xbf16>) -> tensor<4x16xbf16> {
    // expected-error @+1 {{'moe.all_reduce' op runs over group 'tp' of 4 ranks; the CPU reference runs one rank (expected a group of size 1)}}
    %y = moe.all_reduce %x group "tp" : tensor<4x16xbf16>
    return %y : tensor<4x16xbf16>
  }
}
