//===- ExpandSmallFloatConversions.cpp - fp8/fp4 conversions as int ops ---===//
//
// moe-expand-small-float-conversions: arith.extf/truncf of fp8 E4M3, fp4
// E2M1 and E8M0 become integer and f32 arithmetic that the LLVM backends
// accept.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::moe {
#define GEN_PASS_DEF_MOEEXPANDSMALLFLOATCONVERSIONSPASS
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;

namespace {

/// A small float format: exponent and mantissa bits, bias, the largest
/// finite magnitude's code, and what a NaN or an overflow becomes.
struct SmallFloat {
  int64_t expBits;
  int64_t manBits;
  int64_t bias;
  int64_t maxCode;
  bool negativeZero; ///< FNUZ has none (0x80 is its NaN).
  bool hasNaN;       ///< fp4 has none: overflow saturates.
  int64_t width() const { return 1 + expBits + manBits; }
};

/// The format of an fp8 E4M3 or fp4 element type (of `type` or its
/// elements), if it is one.
std::optional<SmallFloat> formatOf(Type type) {
  type = getElementTypeOrSelf(type);
  if (isa<Float8E4M3FNType>(type))
    return SmallFloat{4, 3, 7, 0x7E, true, true};
  if (isa<Float8E4M3FNUZType>(type))
    return SmallFloat{4, 3, 8, 0x7F, false, true};
  if (isa<Float4E2M1FNType>(type))
    return SmallFloat{2, 1, 1, 0x7, true, false};
  return std::nullopt;
}

/// `type` with element type `element` (the same shape for vectors).
Type withElement(Type type, Type element) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    return shaped.clone(element);
  return element;
}

/// Integer or float constants shaped like `like`.
struct Consts {
  ImplicitLocOpBuilder &b;
  Type like;
  Value i(Type element, int64_t v) {
    Type t = withElement(like, element);
    TypedAttr attr = b.getIntegerAttr(element, v);
    if (auto shaped = dyn_cast<ShapedType>(t))
      attr = DenseElementsAttr::get(shaped, attr);
    return arith::ConstantOp::create(b, t, attr);
  }
  Value f(double v) {
    Type element = b.getF32Type(), t = withElement(like, element);
    TypedAttr attr = b.getFloatAttr(element, v);
    if (auto shaped = dyn_cast<ShapedType>(t))
      attr = DenseElementsAttr::get(shaped, attr);
    return arith::ConstantOp::create(b, t, attr);
  }
};

/// f8/f4 -> f32: normals rebias the exponent; subnormals are
/// m * 2^(1-bias-M).
struct ExpandSmallFloatExtF : OpRewritePattern<arith::ExtFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::ExtFOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallFloat> f = formatOf(op.getIn().getType());
    if (!f)
      return rewriter.notifyMatchFailure(op, "not an fp8 E4M3 or fp4 source");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Type in = op.getIn().getType();
    Type iN = b.getIntegerType(f->width()), i32 = b.getI32Type(),
         f32 = b.getF32Type();
    Consts c{b, in};
    int64_t signBit = 1 << (f->width() - 1);
    Value bitsN = arith::BitcastOp::create(b, withElement(in, iN), op.getIn());
    Value u = arith::ExtUIOp::create(b, withElement(in, i32), bitsN);
    Value sign =
        arith::ShLIOp::create(b, arith::AndIOp::create(b, u, c.i(i32, signBit)),
                              c.i(i32, 32 - f->width()));
    Value mag = arith::AndIOp::create(b, u, c.i(i32, signBit - 1));
    Value field = arith::ShRUIOp::create(b, mag, c.i(i32, f->manBits));
    Value man = arith::AndIOp::create(b, mag, c.i(i32, (1 << f->manBits) - 1));
    Value normal = arith::OrIOp::create(
        b,
        arith::ShLIOp::create(
            b, arith::AddIOp::create(b, field, c.i(i32, 127 - f->bias)),
            c.i(i32, 23)),
        arith::ShLIOp::create(b, man, c.i(i32, 23 - f->manBits)));
    Value subnormalF = arith::MulFOp::create(
        b, arith::UIToFPOp::create(b, withElement(in, f32), man),
        c.f(std::ldexp(1.0, 1 - f->bias - f->manBits)));
    Value subnormal =
        arith::BitcastOp::create(b, withElement(in, i32), subnormalF);
    Value isSubnormal =
        arith::CmpIOp::create(b, arith::CmpIPredicate::eq, field, c.i(i32, 0));
    Value magBits = arith::SelectOp::create(b, isSubnormal, subnormal, normal);
    Value value = arith::BitcastOp::create(
        b, withElement(in, f32), arith::OrIOp::create(b, sign, magBits));
    if (f->hasNaN) {
      Value isNaN = f->negativeZero
                        ? arith::CmpIOp::create(b, arith::CmpIPredicate::eq,
                                                mag, c.i(i32, signBit - 1))
                        : arith::CmpIOp::create(b, arith::CmpIPredicate::eq, u,
                                                c.i(i32, signBit));
      value = arith::SelectOp::create(b, isNaN, c.f(std::nan("")), value);
    }
    Type out = op.getType();
    if (getElementTypeOrSelf(out).getIntOrFloatBitWidth() > 32)
      value = arith::ExtFOp::create(b, out, value);
    else if (!getElementTypeOrSelf(out).isF32())
      value = arith::TruncFOp::create(b, out, value); // exact
    rewriter.replaceOp(op, value);
    return success();
  }
};

/// f32 -> f8/f4, round to nearest even: normals round the f32 bits at the
/// last kept mantissa bit; subnormals round |x| * 2^(bias-1+M) to an
/// integer with the f32 adder (x + 2^23 - 2^23); overflow and NaN give NaN
/// (fp8) or saturate (fp4, which has no NaN).
struct ExpandSmallFloatTruncF : OpRewritePattern<arith::TruncFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::TruncFOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<SmallFloat> f = formatOf(op.getType());
    if (!f)
      return rewriter.notifyMatchFailure(op, "not an fp8 E4M3 or fp4 result");
    if (getElementTypeOrSelf(op.getIn().getType()).getIntOrFloatBitWidth() > 32)
      return rewriter.notifyMatchFailure(op, "source wider than f32");
    if (std::optional<arith::RoundingMode> mode = op.getRoundingmode();
        mode && *mode != arith::RoundingMode::to_nearest_even)
      return rewriter.notifyMatchFailure(op, "rounding other than to nearest "
                                             "even");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Type in = op.getIn().getType();
    Type iN = b.getIntegerType(f->width()), i32 = b.getI32Type(),
         f32 = b.getF32Type();
    Consts c{b, in};
    int64_t signBit = 1 << (f->width() - 1), shift = 23 - f->manBits;
    Value x = op.getIn();
    if (!getElementTypeOrSelf(in).isF32())
      x = arith::ExtFOp::create(b, withElement(in, f32), x);
    Value bits = arith::BitcastOp::create(b, withElement(in, i32), x);
    Value sign = arith::AndIOp::create(
        b, arith::ShRUIOp::create(b, bits, c.i(i32, 32 - f->width())),
        c.i(i32, signBit));
    Value abs = arith::AndIOp::create(b, bits, c.i(i32, 0x7FFFFFFF));
    Value absF = arith::BitcastOp::create(b, withElement(in, f32), abs);
    // Normal: add half an ulp minus one plus the kept lowest bit, then drop
    // the low bits and rebias the exponent.
    Value odd = arith::AndIOp::create(
        b, arith::ShRUIOp::create(b, abs, c.i(i32, shift)), c.i(i32, 1));
    Value rounded = arith::AddIOp::create(
        b, arith::AddIOp::create(b, abs, c.i(i32, (1 << (shift - 1)) - 1)),
        odd);
    Value normal = arith::SubIOp::create(
        b, arith::ShRUIOp::create(b, rounded, c.i(i32, shift)),
        c.i(i32, (127 - f->bias) << f->manBits));
    // Subnormal: |x| < 2^(1-bias) counts units of 2^(1-bias-M).
    Value units = arith::MulFOp::create(
        b, absF, c.f(std::ldexp(1.0, f->bias - 1 + f->manBits)));
    Value magic = c.f(8388608.0);
    Value roundedUnits =
        arith::SubFOp::create(b, arith::AddFOp::create(b, units, magic), magic);
    Value subnormal =
        arith::FPToUIOp::create(b, withElement(in, i32), roundedUnits);
    Value isSubnormal = arith::CmpFOp::create(
        b, arith::CmpFPredicate::OLT, absF, c.f(std::ldexp(1.0, 1 - f->bias)));
    Value code = arith::SelectOp::create(b, isSubnormal, subnormal, normal);
    // NaN, or past the largest finite code after rounding.
    Value isNaN = arith::CmpIOp::create(b, arith::CmpIPredicate::ugt, abs,
                                        c.i(i32, 0x7F800000));
    Value overflow = arith::CmpIOp::create(b, arith::CmpIPredicate::sgt, code,
                                           c.i(i32, f->maxCode));
    Value outOfRange = arith::OrIOp::create(b, isNaN, overflow);
    Value withSign = arith::OrIOp::create(b, sign, code);
    if (!f->negativeZero) {
      Value isZero =
          arith::CmpIOp::create(b, arith::CmpIPredicate::eq, code, c.i(i32, 0));
      withSign = arith::SelectOp::create(b, isZero, c.i(i32, 0), withSign);
    }
    Value special;
    if (!f->hasNaN) // saturate
      special = arith::OrIOp::create(b, sign, c.i(i32, f->maxCode));
    else if (f->negativeZero) // S.1111.111
      special = arith::OrIOp::create(b, sign, c.i(i32, signBit - 1));
    else // FNUZ: 0x80
      special = c.i(i32, signBit);
    Value result = arith::SelectOp::create(b, outOfRange, special, withSign);
    Value bitsN = arith::TruncIOp::create(b, withElement(in, iN), result);
    rewriter.replaceOp(op, arith::BitcastOp::create(b, op.getType(), bitsN));
    return success();
  }
};

/// E8M0 -> f32: 2^(s-127), 0xFF NaN; s = 0 is the f32 subnormal 2^-127
/// (upstream's expansion flushes it to 0).
struct ExpandE8M0ExtF : OpRewritePattern<arith::ExtFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::ExtFOp op,
                                PatternRewriter &rewriter) const override {
    Type in = op.getIn().getType();
    if (!isa<Float8E8M0FNUType>(getElementTypeOrSelf(in)))
      return rewriter.notifyMatchFailure(op, "not an E8M0 source");
    if (!getElementTypeOrSelf(op.getType()).isF32())
      return rewriter.notifyMatchFailure(op, "result is not f32");
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Type i8 = b.getI8Type(), i32 = b.getI32Type(), f32 = b.getF32Type();
    Consts c{b, in};
    Value bits8 = arith::BitcastOp::create(b, withElement(in, i8), op.getIn());
    Value u = arith::ExtUIOp::create(b, withElement(in, i32), bits8);
    Value bits = arith::ShLIOp::create(b, u, c.i(i32, 23));
    Value isZero =
        arith::CmpIOp::create(b, arith::CmpIPredicate::eq, u, c.i(i32, 0));
    bits = arith::SelectOp::create(b, isZero, c.i(i32, 0x00400000), bits);
    Value isNaN =
        arith::CmpIOp::create(b, arith::CmpIPredicate::eq, u, c.i(i32, 0xFF));
    bits = arith::SelectOp::create(b, isNaN, c.i(i32, 0x7FC00000), bits);
    rewriter.replaceOp(op,
                       arith::BitcastOp::create(b, withElement(in, f32), bits));
    return success();
  }
};

struct MoEExpandSmallFloatConversionsPass
    : moe::impl::MoEExpandSmallFloatConversionsPassBase<
          MoEExpandSmallFloatConversionsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandSmallFloatExtF, ExpandSmallFloatTruncF, ExpandE8M0ExtF>(
        &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
