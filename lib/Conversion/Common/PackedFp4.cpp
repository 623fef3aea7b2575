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

namespace {
struct MoETestWidenPackedFp4Pass
    : moe::impl::MoETestWidenPackedFp4PassBase<MoETestWidenPackedFp4Pass> {
  void runOnOperation() override {
    SmallVector<func::CallOp> calls;
    getOperation()->walk([&](func::CallOp call) {
      if (call.getCallee() == "moe_test_widen_packed_fp4")
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
        call.emitError() << "expected @moe_test_widen_packed_fp4 to take a "
                            "vector<N x i8> (N a multiple of 4) and return "
                            "vector<2N x f32>, got "
                         << call.getCalleeType();
        return signalPassFailure();
      }
      ImplicitLocOpBuilder b(call.getLoc(), call);
      call.getResult(0).replaceAllUsesWith(
          moe::widenPackedFp4(b, call.getOperand(0)));
      call.erase();
    }
  }
};
} // namespace
