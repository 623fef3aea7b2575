// The mma_row_dot kernel's widening of packed fp4 weights into bf16 pairs
// (codes c and c + 4 of each 32-bit word, each value times 2^-126, then
// times 2^126 in bf16: PackedFp4.h), run on the CPU over every byte 0..255
// and checked against quant_reference.py's decoding of each code, sign of
// zero included (check_packed_fp4.py). The test pass puts the values back
// in code order.
// RUN: moe-opt %s --moe-test-widen-packed-fp4 \
// RUN:   | mlir-opt --convert-vector-to-scf --convert-scf-to-cf --convert-vector-to-llvm \
// RUN:       --convert-arith-to-llvm --convert-cf-to-llvm --convert-func-to-llvm \
// RUN:       --reconcile-unrealized-casts \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils \
// RUN:   | %python %S/check_packed_fp4.py | FileCheck %s
// CHECK: 512 codes of 256 bytes equal to the E2M1 values

func.func private @moe_test_widen_packed_fp4_bf16(vector<16xi8>) -> vector<32xf32>

func.func @main() {
  %b0 = arith.constant dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]> : vector<16xi8>
  %w0 = func.call @moe_test_widen_packed_fp4_bf16(%b0) : (vector<16xi8>) -> vector<32xf32>
  vector.print %w0 : vector<32xf32>
  %b1 = arith.constant dense<[16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31]> : vector<16xi8>
  %w1 = func.call @moe_test_widen_packed_fp4_bf16(%b1) : (vector<16xi8>) -> vector<32xf32>
  vector.print %w1 : vector<32xf32>
  %b2 = arith.constant dense<[32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47]> : vector<16xi8>
  %w2 = func.call @moe_test_widen_packed_fp4_bf16(%b2) : (vector<16xi8>) -> vector<32xf32>
  vector.print %w2 : vector<32xf32>
  %b3 = arith.constant dense<[48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63]> : vector<16xi8>
  %w3 = func.call @moe_test_widen_packed_fp4_bf16(%b3) : (vector<16xi8>) -> vector<32xf32>
  vector.print %w3 : vector<32xf32>
  %b4 = arith.constant dense<[64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79]> : vector<16xi8>
  %w4 = func.call @moe_test_widen_packed_fp4_bf16(%b4) : (vector<16xi8>) -> vector<32xf32>
  vector.print %w4 : vector<32xf32>
  %b5 = arith.constant dense<[80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95]> : vector<16xi8>
  %w5 = func.call @moe_test_widen_packed_fp4_bf16(%b5) : (vector<16xi8>) -> vector<32xf32>
  vector.print %w5 : vector<32xf32>
  %b6 = arith.constant dense<[96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111]> : vector<16xi8>
  %w6 = func.call @moe_test_widen_packed_fp4_bf16(%b6) : (vector<16xi8>) -> vector<32xf32>
  vector.print %w6 : vector<32xf32>
  %b7 = arith.constant dense<[112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127]> : vector<16xi8>
  %w7 = func.call @moe_test_widen_packed_fp4_bf16(%b7) : (vector<16xi8>) -> vector<32xf32>
  vector.print %w7 : vector<32xf32>
  %b8 = arith.constant dense<[-128, -127, -126, -125, -124, -123, -122, -121, -120, -119, -118, -117, -116, -115, -114, -113]> : vector<16xi8>
  %w8 = func.call @moe_test_widen_packed_fp4_bf16(%b8) : (vector<16xi8>) -> vector<32xf32>
  vector.print %w8 : vector<32xf32>
  %b9 = arith.constant dense<[-112, -111, -110, -109, -108, -107, -106, -105, -104, -103, -102, -101, -100, -99, -98, -97]> : vector<16xi8>
  %w9 = func.call @moe_test_widen_packed_fp4_bf16(%b9) : (vector<16xi8>) -> vector<32xf32>
  vector.print %w9 : vector<32xf32>
  %b10 = arith.constant dense<[-96, -95, -94, -93, -92, -91, -90, -89, -88, -87, -86, -85, -84, -83, -82, -81]> : vector<16xi8>
  %w10 = func.call @moe_test_widen_packed_fp4_bf16(%b10) : (vector<16xi8>) -> vector<32xf32>
  vector.print %w10 : vector<32xf32>
  %b11 = arith.constant dense<[-80, -79, -78, -77, -76, -75, -74, -73, -72, -71, -70, -69, -68, -67, -66, -65]> : vector<16xi8>
  %w11 = func.call @moe_test_widen_packed_fp4_bf16(%b11) : (vector<16xi8>) -> vector<32xf32>
  vector.print %w11 : vector<32xf32>
  %b12 = arith.constant dense<[-64, -63, -62, -61, -60, -59, -58, -57, -56, -55, -54, -53, -52, -51, -50, -49]> : vector<16xi8>
  %w12 = func.call @moe_test_widen_packed_fp4_bf16(%b12) : (vector<16xi8>) -> vector<32xf32>
  vector.print %w12 : vector<32xf32>
  %b13 = arith.constant dense<[-48, -47, -46, -45, -44, -43, -42, -41, -40, -39, -38, -37, -36, -35, -34, -33]> : vector<16xi8>
  %w13 = func.call @moe_test_widen_packed_fp4_bf16(%b13) : (vector<16xi8>) -> vector<32xf32>
  vector.print %w13 : vector<32xf32>
  %b14 = arith.constant dense<[-32, -31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21, -20, -19, -18, -17]> : vector<16xi8>
  %w14 = func.call @moe_test_widen_packed_fp4_bf16(%b14) : (vector<16xi8>) -> vector<32xf32>
  vector.print %w14 : vector<32xf32>
  %b15 = arith.constant dense<[-16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1]> : vector<16xi8>
  %w15 = func.call @moe_test_widen_packed_fp4_bf16(%b15) : (vector<16xi8>) -> vector<32xf32>
  vector.print %w15 : vector<32xf32>
  return
}

