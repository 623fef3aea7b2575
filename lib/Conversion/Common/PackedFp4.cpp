//===- PackedFp4.cpp - fp4 codes packed two per byte, widened -------------===//
//
// widenPackedFp4 (PackedFp4.h), and --moe-test-widen-packed-fp4, which
// replaces calls of @moe_test_widen_packed_fp4 by it, so that a CPU run
// checks every byte (test/Conversion/Common/packed-fp4.mlir).
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/PackedFp4.h"
#include "moe/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOETESTWIDENPACKEDFP4PASS
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;

/// E2M1 (sign, 2 exponent bits, 1 mantissa bit) placed in the f16 fields
/// (sign << 15 | exponent-mantissa << 9) is its value times 2^-14 exactly,
/// subnormal 0.5 included; the codes of each byte low nibble first. Byte b
/// of each 32-bit word becomes one f16 pair in 32-bit ops: its two nibbles
/// spread to bits 0-3 and 16-19, then their fields moved into place.
Value mlir::moe::widenPackedFp4(ImplicitLocOpBuilder &b, Value bytes) {
  int64_t n = cast<VectorType>(bytes.getType()).getNumElements();
  int64_t words = n / 4;
  auto wordType = VectorType::get({words}, b.getI32Type());
  auto splat = [&](int64_t c) -> Value {
    return arith::ConstantOp::create(
        b,
        DenseElementsAttr::get(wordType, b.getIntegerAttr(b.getI32Type(), c)));
  };
  Value packed = vector::BitCastOp::create(b, wordType, bytes);
  // pairs[byte]: vector<2 x words> f16, word i's pair at 2i, 2i + 1.
  SmallVector<Value> pairs;
  for (int64_t byte = 0; byte < 4; ++byte) {
    Value v =
        byte ? arith::ShRUIOp::create(b, packed, splat(8 * byte)).getResult()
             : packed;
    Value spread = arith::OrIOp::create(
        b, arith::AndIOp::create(b, v, splat(0x0F)),
        arith::AndIOp::create(b, arith::ShLIOp::create(b, v, splat(12)),
                              splat(0x000F0000)));
    Value magnitude = arith::ShLIOp::create(
        b, arith::AndIOp::create(b, spread, splat(0x00070007)), splat(9));
    Value sign = arith::ShLIOp::create(
        b, arith::AndIOp::create(b, spread, splat(0x00080008)), splat(12));
    pairs.push_back(vector::BitCastOp::create(
        b, VectorType::get({2 * words}, b.getF16Type()),
        arith::OrIOp::create(b, magnitude, sign)));
  }
  // Element 8i + 2 byte + j is pairs[byte][2i + j].
  auto concat = [&](Value x, Value y) -> Value {
    int64_t size = cast<VectorType>(x.getType()).getNumElements();
    SmallVector<int64_t> all;
    for (int64_t i = 0; i < 2 * size; ++i)
      all.push_back(i);
    return vector::ShuffleOp::create(b, x, y, all);
  };
  Value all = concat(concat(pairs[0], pairs[1]), concat(pairs[2], pairs[3]));
  SmallVector<int64_t> order;
  for (int64_t i = 0; i < words; ++i)
    for (int64_t byte = 0; byte < 4; ++byte)
      for (int64_t j = 0; j < 2; ++j)
        order.push_back(byte * 2 * words + 2 * i + j);
  Value halves = vector::ShuffleOp::create(b, all, all, order);
  return arith::ExtFOp::create(b, VectorType::get({8 * words}, b.getF32Type()),
                               halves);
}

/// bf16 fields: sign << 15 and exponent-mantissa << 6 of each half, so code
/// i (bits 4i..4i+3) moves by 6 - 4i and 12 - 4i bits, code i + 4 the
/// same into the high half: one shift for both.
Value mlir::moe::packedFp4Bf16Pair(ImplicitLocOpBuilder &b, Value word,
                                   int64_t i) {
  Type i32 = b.getI32Type();
  auto shifted = [&](int64_t by) -> Value {
    if (by == 0)
      return word;
    Value amount = arith::ConstantIntOp::create(b, i32, by > 0 ? by : -by);
    if (by > 0)
      return arith::ShLIOp::create(b, word, amount);
    return arith::ShRUIOp::create(b, word, amount);
  };
  // (Masks as signed 32-bit values: 0x80008000 is past INT32_MAX.)
  auto mask = [&](int64_t bits, uint32_t m) -> Value {
    return arith::AndIOp::create(
        b, shifted(bits),
        arith::ConstantIntOp::create(b, i32, static_cast<int32_t>(m)));
  };
  Value pair = arith::OrIOp::create(b, mask(6 - 4 * i, 0x01C001C0),
                                    mask(12 - 4 * i, 0x80008000));
  auto wordVec = VectorType::get({1}, i32);
  return vector::BitCastOp::create(
      b, VectorType::get({2}, b.getBF16Type()),
      vector::BroadcastOp::create(b, wordVec, pair));
}

/// The mma_row_dot kernel's widening of `bytes` (vector<N x i8>) as f32 in
/// code order: each word's bf16 pairs (c, c + 4) times 2^126.
static Value widenPackedFp4Bf16(ImplicitLocOpBuilder &b, Value bytes) {
  int64_t words = cast<VectorType>(bytes.getType()).getNumElements() / 4;
  Value packed = vector::BitCastOp::create(
      b, VectorType::get({words}, b.getI32Type()), bytes);
  auto pairType = VectorType::get({2}, b.getBF16Type());
  Value factor = vector::BroadcastOp::create(
      b, pairType,
      arith::ConstantOp::create(
          b, b.getBF16Type(),
          b.getFloatAttr(b.getBF16Type(), moe::kPackedFp4Bf16Scale)));
  SmallVector<Value> values(8 * words);
  for (int64_t w = 0; w < words; ++w) {
    Value word = vector::ExtractOp::create(b, packed, w);
    for (int64_t i = 0; i < 4; ++i) {
      Value pair = arith::ExtFOp::create(
          b, VectorType::get({2}, b.getF32Type()),
          arith::MulFOp::create(b, moe::packedFp4Bf16Pair(b, word, i), factor)
              .getResult());
      values[8 * w + i] = vector::ExtractOp::create(b, pair, 0);
      values[8 * w + i + 4] = vector::ExtractOp::create(b, pair, 1);
    }
  }
  return vector::FromElementsOp::create(
      b, VectorType::get({8 * words}, b.getF32Type()), values);
}

namespace {
struct MoETestWidenPackedFp4Pass
    : moe::impl::MoETestWidenPackedFp4PassBase<MoETestWidenPackedFp4Pass> {
  void runOnOperation() override {
    SmallVector<func::CallOp> calls;
    getOperation()->walk([&](func::CallOp call) {
      if (call.getCallee() == "moe_test_widen_packed_fp4" ||
          call.getCallee() == "moe_test_widen_packed_fp4_bf16")
        calls.push_back(call);
    });
    for (func::CallOp call : calls) {
      auto in = call.getNumOperands() == 1
                    ? dyn_cast<VectorType>(call.getOperand(0).getType())
                    : VectorType();
      auto out = call.getNumResults() == 1
                     ? dyn_cast<VectorType>(call.getResult(0).getType())
                     : VectorType();
      if (!in || in.getRank() != 1 || !in.getElementType().isInteger(8) ||
          in.getNumElements() % 4 != 0 || !out ||
          out != VectorType::get({2 * in.getNumElements()},
                                 Float32Type::get(&getContext()))) {
        call.emitError() << "expected @" << call.getCallee()
                         << " to take a vector<N x i8> (N a multiple of 4) "
                            "and return vector<2N x f32>, got "
                         << call.getCalleeType();
        return signalPassFailure();
      }
      ImplicitLocOpBuilder b(call.getLoc(), call);
      Value bytes = call.getOperand(0);
      call.getResult(0).replaceAllUsesWith(call.getCallee() ==
                                                   "moe_test_widen_packed_fp4"
                                               ? moe::widenPackedFp4(b, bytes)
                                               : widenPackedFp4Bf16(b, bytes));
      call.erase();
    }
  }
};
} // namespace
