//===- QuantRules.cpp - the quantization rules of moe.quantize ------------===//
//
// The scale of a group and the rounding of its elements, as moe.quantize
// defines them, in f32 arithmetic that the CPU reference and the GPU kernels
// share.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/QuantRules.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "llvm/ADT/APFloat.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::moe;

double mlir::moe::largestFinite(Type valueType) {
  const llvm::fltSemantics &sem =
      cast<FloatType>(valueType).getFloatSemantics();
  return llvm::APFloat::getLargest(sem).convertToDouble();
}

/// floor(log2(largestFinite)): 8 for f8E4M3FN, 7 for f8E4M3FNUZ, 2 for
/// f4E2M1FN.
static int64_t largestExponent(Type valueType) {
  return llvm::ilogb(llvm::APFloat::getLargest(
      cast<FloatType>(valueType).getFloatSemantics()));
}

GroupScale mlir::moe::computeGroupScale(ImplicitLocOpBuilder &b,
                                        QuantAttr scheme, Type valueType,
                                        Value amax) {
  auto f32 = [&](double v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(v)).getResult();
  };
  if (scheme.getKind() != QuantKind::Mx) {
    // s = max(amax, 1e-10) / fmax; a NaN amax propagates, an infinite one
    // gives NaN too (the op's rule for non-finite groups).
    Value floored = arith::MaximumFOp::create(b, amax, f32(1e-10));
    Value s = arith::DivFOp::create(b, floored, f32(largestFinite(valueType)));
    Value infinite =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, amax,
                              f32(std::numeric_limits<double>::infinity()));
    s = arith::SelectOp::create(b, infinite, f32(std::nan("")), s);
    return {s, Value()};
  }
  // e = clamp(floor(log2(amax)) - emax, -127, 127) from the f32 exponent
  // field (0 for zero and subnormals, which clamp to -127); a non-finite
  // amax (field 255) gets the NaN scale 0xFF.
  Type i32 = b.getI32Type();
  auto c32 = [&](int64_t v) {
    return arith::ConstantOp::create(b, b.getI32IntegerAttr(v)).getResult();
  };
  Value bits = arith::BitcastOp::create(b, i32, amax);
  Value field = arith::AndIOp::create(
      b, arith::ShRUIOp::create(b, bits, c32(23)), c32(0xFF));
  Value e =
      arith::SubIOp::create(b, field, c32(127 + largestExponent(valueType)));
  e = arith::MaxSIOp::create(b, e, c32(-127));
  e = arith::MinSIOp::create(b, e, c32(127));
  Value nonFinite =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, field, c32(0xFF));
  Value stored = arith::SelectOp::create(b, nonFinite, c32(0xFF),
                                         arith::AddIOp::create(b, e, c32(127)));
  stored = arith::TruncIOp::create(b, b.getI8Type(), stored);
  stored = arith::BitcastOp::create(b, Float8E8M0FNUType::get(b.getContext()),
                                    stored);
  // 2^-e is a normal f32: a finite amax gives e <= 127 - emax < 127.
  Value factorBits =
      arith::ShLIOp::create(b, arith::SubIOp::create(b, c32(127), e), c32(23));
  Value factor = arith::BitcastOp::create(b, b.getF32Type(), factorBits);
  return {stored, factor};
}

Value mlir::moe::quantizeElement(ImplicitLocOpBuilder &b, QuantAttr scheme,
                                 Type valueType, const GroupScale &scale,
                                 Value x) {
  auto f32 = [&](double v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(v)).getResult();
  };
  Value scaled = scheme.getKind() == QuantKind::Mx
                     ? arith::MulFOp::create(b, x, scale.factor).getResult()
                     : arith::DivFOp::create(b, x, scale.stored).getResult();
  double fmax = largestFinite(valueType);
  Value clamped = arith::MinimumFOp::create(
      b, arith::MaximumFOp::create(b, scaled, f32(-fmax)), f32(fmax));
  return arith::TruncFOp::create(b, valueType, clamped);
}

SmallVector<Value> mlir::moe::scaleIndices(ImplicitLocOpBuilder &b,
                                           QuantAttr scheme,
                                           ValueRange indices) {
  auto idx = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, v).getResult();
  };
  size_t rank = indices.size();
  if (scheme.getKind() == QuantKind::PerTensor)
    return SmallVector<Value>(indices.drop_back(std::min<size_t>(rank, 2)));
  SmallVector<Value> scale(indices.drop_back(2));
  Value r = indices[rank - 2], c = indices[rank - 1];
  switch (scheme.getKind()) {
  case QuantKind::PerRow:
    scale.push_back(r);
    break;
  case QuantKind::Block:
    scale.push_back(arith::DivUIOp::create(b, r, idx(*scheme.getBlockRows())));
    scale.push_back(arith::DivUIOp::create(b, c, idx(*scheme.getBlockCols())));
    break;
  case QuantKind::Mx:
    scale.push_back(r);
    scale.push_back(arith::DivUIOp::create(b, c, idx(QuantAttr::kMxBlock)));
    break;
  case QuantKind::PerTensor:
    break;
  }
  return scale;
}
