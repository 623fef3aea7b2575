//===- ActivationMath.cpp - gated activations in f32 scalar math ----------===//
//
// silu_mul, gelu_mul and swiglu_oai on f32 values.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/ActivationMath.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace mlir::moe;

static Value f32(ImplicitLocOpBuilder &b, double v) {
  return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
}

static Value sigmoid(ImplicitLocOpBuilder &b, Value x) {
  Value one = f32(b, 1.0);
  Value e = math::ExpOp::create(b, arith::NegFOp::create(b, x));
  return arith::DivFOp::create(b, one, arith::AddFOp::create(b, one, e));
}

Value mlir::moe::emitGatedActivationF32(ImplicitLocOpBuilder &b,
                                        ActivationAttr act, Value gate,
                                        Value up) {
  auto mul = [&](Value x, Value y) { return arith::MulFOp::create(b, x, y); };
  switch (act.getKind()) {
  case ActivationKind::SiluMul:
    return mul(mul(gate, sigmoid(b, gate)), up);
  case ActivationKind::GeluMul: {
    // Exact GELU: 0.5 * g * (1 + erf(g / sqrt(2))).
    Value erf = math::ErfOp::create(b, mul(gate, f32(b, M_SQRT1_2)));
    Value gelu = mul(mul(f32(b, 0.5), gate),
                     arith::AddFOp::create(b, f32(b, 1.0), erf));
    return mul(gelu, up);
  }
  case ActivationKind::SwigluOai: {
    Value limit = f32(b, act.getLimitValue());
    Value g = arith::MinimumFOp::create(b, gate, limit);
    Value u = arith::MaximumFOp::create(
        b, arith::MinimumFOp::create(b, up, limit),
        f32(b, -act.getLimitValue()));
    Value glu = mul(g, sigmoid(b, mul(f32(b, act.getAlphaValue()), g)));
    return mul(arith::AddFOp::create(b, u, f32(b, act.getBetaValue())), glu);
  }
  }
  llvm_unreachable("unknown activation kind");
}
