//===- LegalizeFp8.cpp - fp8 flavors a chip multiplies --------------------===//
//
// Implements --moe-legalize-fp8.
//
//===----------------------------------------------------------------------===//

#include "moe/Passes/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOELEGALIZEFP8PASS
#include "passes/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;

static bool isFp8(Type t) {
  return isa<Float8E4M3FNType, Float8E4M3FNUZType>(getElementTypeOrSelf(t));
}

/// The fp8 type `chip` multiplies (FNUZ on gfx942, OCP elsewhere), or null
/// for a chip without fp8 MMAs.
static Type chipFp8(MLIRContext *ctx, const ChipInfo &chip) {
  switch (chip.fp8) {
  case Fp8Flavor::FNUZ:
    return Float8E4M3FNUZType::get(ctx);
  case Fp8Flavor::OCP:
    return Float8E4M3FNType::get(ctx);
  case Fp8Flavor::None:
    return Type();
  }
  return Type();
}

/// An elementwise linalg.generic over `input` into a tensor of `resultElement`.
static Value mapElements(OpBuilder &b, Location loc, Value input,
                         Type resultElement,
                         function_ref<Value(OpBuilder &, Location, Value)> fn) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
  Value init = tensor::EmptyOp::create(b, loc, sizes, resultElement);
  SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(type.getRank()));
  SmallVector<utils::IteratorType> iters(type.getRank(),
                                         utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{input},
             ValueRange{init}, maps, iters,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, fn(nb, l, args[0]));
             })
      .getResult(0);
}

std::pair<Value, Value> mlir::moe::reinterpretOcpAsFnuz(OpBuilder &b,
                                                        Location loc,
                                                        Value values,
                                                        Value scales) {
  Type i8 = b.getI8Type();
  Type fnuz = Float8E4M3FNUZType::get(b.getContext());
  Value converted = mapElements(
      b, loc, values, fnuz, [&](OpBuilder &nb, Location l, Value v) {
        // The same bits are half the value in FNUZ (exponent bias 8, not
        // 7); OCP's -0 (0x80) is FNUZ's NaN, so it becomes +0.
        Value bits = arith::BitcastOp::create(nb, l, i8, v);
        Value negZero = arith::ConstantIntOp::create(nb, l, i8, 0x80);
        Value zero = arith::ConstantIntOp::create(nb, l, i8, 0);
        Value isNegZero = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq,
                                                bits, negZero);
        Value fixed = arith::SelectOp::create(nb, l, isNegZero, zero, bits);
        return arith::BitcastOp::create(nb, l, fnuz, fixed).getResult();
      });
  Value doubled = mapElements(
      b, loc, scales, getElementTypeOrSelf(scales.getType()),
      [&](OpBuilder &nb, Location l, Value s) {
        Value two = arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(2.0));
        return arith::MulFOp::create(nb, l, s, two).getResult();
      });
  return {converted, doubled};
}

namespace {
/// A weight operand of a moe op and its scales' operand.
struct WeightUse {
  OpOperand *values, *scales;
  QuantAttr scheme;
};

struct MoELegalizeFp8Pass
    : mlir::moe::impl::MoELegalizeFp8PassBase<MoELegalizeFp8Pass> {
  using Base::Base;

  void runOnOperation() override {
    const ChipInfo *chip = lookupChip(target);
    if (!chip) {
      getOperation()->emitError()
          << "unknown --moe-legalize-fp8 target '" << target
          << "'; expected one of: " << knownChipNames();
      return signalPassFailure();
    }
    Type legal = chipFp8(&getContext(), *chip);
    bool illegal = false;
    SmallVector<WeightUse> conversions;
    // Every fp8 value a moe op reads or writes; weights with f32 scales may
    // be converted (ocp-to-fnuz), anything else is reported.
    auto check = [&](Operation *op, Type type, StringRef what,
                     std::optional<WeightUse> weight) {
      if (!isFp8(type) || getElementTypeOrSelf(type) == legal)
        return;
      Type found = getElementTypeOrSelf(type);
      bool convertible = weight && ocpToFnuz && chip->fp8 == Fp8Flavor::FNUZ &&
                         isa<Float8E4M3FNType>(found) &&
                         weight->scheme.getKind() != QuantKind::Mx;
      if (convertible) {
        conversions.push_back(*weight);
        return;
      }
      InFlightDiagnostic diag =
          op->emitOpError() << what << " is " << found << ", which "
                            << chip->name << " does not multiply; expected ";
      if (!legal)
        diag << "no fp8 (the chip has no fp8 MMAs)";
      else
        diag << legal;
      if (legal && weight && chip->fp8 == Fp8Flavor::FNUZ &&
          isa<Float8E4M3FNType>(found))
        diag << (weight->scheme.getKind() == QuantKind::Mx
                     ? " (ocp-to-fnuz converts weights with f32 scales, not "
                       "mx's E8M0 scales)"
                     : " (ocp-to-fnuz=true reinterprets an OCP checkpoint's "
                       "bits as FNUZ and doubles its scales)");
      illegal = true;
    };
    getOperation()->walk([&](Operation *op) {
      if (auto gemm = dyn_cast<GroupedMatmulOp>(op)) {
        check(op, gemm.getA().getType(), "operand 'a'", std::nullopt);
        std::optional<WeightUse> w;
        if (gemm.getWScales())
          w = WeightUse{&gemm.getWMutable(), &gemm.getWScalesMutable()[0],
                        gemm.getWQuantAttr()};
        check(op, gemm.getW().getType(), "operand 'w'", w);
        check(op, gemm.getResult().getType(), "the result", std::nullopt);
      } else if (auto experts = dyn_cast<ExpertsOp>(op)) {
        for (auto [name, values, scales] :
             {std::tuple{"operand 'w1'", &experts.getW1Mutable(),
                         experts.getW1ScalesMutable()},
              std::tuple{"operand 'w2'", &experts.getW2Mutable(),
                         experts.getW2ScalesMutable()}}) {
          std::optional<WeightUse> w;
          if (!scales.empty())
            w = WeightUse{values, &scales[0], experts.getWeightQuantAttr()};
          check(op, values->get().getType(), name, w);
        }
        if (TypeAttr act = experts.getActTypeAttr())
          check(op, act.getValue(), "'act_type'", std::nullopt);
      } else if (auto quantize = dyn_cast<QuantizeOp>(op)) {
        check(op, quantize.getValues().getType(), "the result", std::nullopt);
      } else if (auto dequantize = dyn_cast<DequantizeOp>(op)) {
        check(op, dequantize.getValues().getType(), "operand 'values'",
              std::nullopt);
      }
    });
    if (illegal)
      return signalPassFailure();
    // One conversion per (values, scales) pair, before its first user.
    llvm::DenseMap<std::pair<Value, Value>, std::pair<Value, Value>> converted;
    OpBuilder b(&getContext());
    for (const WeightUse &use : conversions) {
      Operation *op = use.values->getOwner();
      auto key = std::make_pair(use.values->get(), use.scales->get());
      auto it = converted.find(key);
      if (it == converted.end()) {
        b.setInsertionPoint(op);
        it = converted
                 .try_emplace(key, reinterpretOcpAsFnuz(b, op->getLoc(),
                                                        key.first, key.second))
                 .first;
      }
      use.values->set(it->second.first);
      use.scales->set(it->second.second);
    }
    // An op whose weights were converted (both of moe.experts') checks again.
    for (const WeightUse &use : conversions)
      if (failed(verify(use.values->getOwner())))
        return signalPassFailure();
  }
};
} // namespace
