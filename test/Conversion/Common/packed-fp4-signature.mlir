// RUN: moe-opt %s --moe-test-widen-packed-fp4 --verify-diagnostics

// The test pass takes whole 32-bit words of bytes and returns f32 values.
func.func private @moe_test_widen_packed_fp4(vector<6xi8>) -> vector<12xf32>
func.func @odd(%b: vector<6xi8>) -> vector<12xf32> {
  // expected-error @+1 {{expected @moe_test_widen_packed_fp4 to take a vector<N x i8> (N a multiple of 4) and return vector<2N x f32>, got '(vector<6xi8>) -> vector<12xf32>'}}
  %w = func.call @moe_test_widen_packed_fp4(%b) : (vector<6xi8>) -> vector<12xf32>
  return %w : vector<12xf32>
}
