//===- MMASyncInstruction.cpp - nvvm.mma.sync as the GEMM's MMA ----------===//
//
// m16n8k16 with operands in registers of two elements: a lane's loaded runs
// are cut into such registers and handed out in the layout's value order.
//
//===----------------------------------------------------------------------===//

#include "MMAAtom.h"
#include "MMASync.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::moe;

namespace {

/// Whether values 2p and 2p+1 of `feed` sit in one register: one row,
/// consecutive slots from an even one.
bool pairsRegisters(ArrayRef<OperandFeed> feed) {
  if (feed.size() % 2 != 0)
    return false;
  for (size_t v = 0; v < feed.size(); v += 2)
    if (feed[v].slot % 2 != 0 || feed[v + 1].row != feed[v].row ||
        feed[v + 1].slot != feed[v].slot + 1)
      return false;
  return true;
}

class MMASyncInstruction final : public MMAInstruction {
public:
  std::string checkFeed(MMAShape shape, const LaneRoles &roles) const override {
    if (shape.m != 16 || shape.n != 8 || shape.k != 16)
      return "mma.sync is emitted as m16n8k16 only";
    if (!pairsRegisters(roles.aFeed) || !pairsRegisters(roles.bFeed) ||
        roles.kPerRow % 2 != 0)
      return "mma.sync operands are registers of two consecutive k";
    return "";
  }

  Value multiply(ImplicitLocOpBuilder &b, const MMAAtom &atom,
                 ArrayRef<Value> a, Value w, Value acc) const override {
    bool bf16 = atom.element.isBF16();
    // Registers of 2 elements: i32 for bf16, vector<2xf16> for f16.
    auto regs = [&](Value v) {
      auto words = VectorType::get(
          {cast<VectorType>(v.getType()).getNumElements() / 2}, b.getI32Type());
      Value cast = vector::BitCastOp::create(b, words, v);
      SmallVector<Value> out;
      for (int64_t i = 0; i < words.getNumElements(); ++i) {
        Value word = vector::ExtractOp::create(b, cast, i);
        if (!bf16)
          word = LLVM::BitcastOp::create(
              b, VectorType::get({2}, b.getF16Type()), word);
        out.push_back(word);
      }
      return out;
    };
    SmallVector<SmallVector<Value>> aRegs;
    for (Value row : a)
      aRegs.push_back(regs(row));
    SmallVector<Value> bRegs = regs(w);
    SmallVector<Value> c;
    for (int64_t v = 0; v < atom.accType.getNumElements(); ++v)
      c.push_back(vector::ExtractOp::create(b, acc, v));
    // MMA s of the step takes slots s * kPerRow .. of each run; operand
    // register p holds values 2p and 2p+1.
    const LaneRoles &roles = atom.roles;
    for (int64_t s = 0; s < atom.mmasPerStep(); ++s) {
      auto word = [&](const OperandFeed &f) {
        return (s * roles.kPerRow + f.slot) / 2;
      };
      SmallVector<Value> aOps, bOps;
      for (size_t v = 0; v < roles.aFeed.size(); v += 2)
        aOps.push_back(aRegs[roles.aFeed[v].row][word(roles.aFeed[v])]);
      for (size_t v = 0; v < roles.bFeed.size(); v += 2)
        bOps.push_back(bRegs[word(roles.bFeed[v])]);
      c = mmaSyncM16N8K16(b, bf16, aOps, bOps, c);
    }
    return vector::FromElementsOp::create(b, atom.accType, c);
  }
};

} // namespace

const MMAInstruction &mlir::moe::mmaSyncInstruction() {
  static const MMASyncInstruction instance;
  return instance;
}

Value mlir::moe::mmaRegister(ImplicitLocOpBuilder &b, Value pair) {
  auto type = cast<VectorType>(pair.getType());
  if (!type.getElementType().isBF16())
    return pair;
  Value word =
      vector::BitCastOp::create(b, VectorType::get({1}, b.getI32Type()), pair);
  return vector::ExtractOp::create(b, word, 0);
}

SmallVector<Value> mlir::moe::mmaSyncM16N8K16(ImplicitLocOpBuilder &b,
                                              bool bf16, ArrayRef<Value> a,
                                              ArrayRef<Value> w,
                                              ArrayRef<Value> acc) {
  Type f32 = b.getF32Type();
  auto resultType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  NVVM::MMATypes type = bf16 ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  Value d = NVVM::MmaOp::create(
      b, resultType, a, w, acc, {16, 8, 16}, std::nullopt, std::nullopt,
      std::array<NVVM::MMATypes, 2>{type, type},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> c;
  for (int64_t v = 0; v < 4; ++v)
    c.push_back(LLVM::ExtractValueOp::create(b, d, v));
  return c;
}

SmallVector<Value> mlir::moe::mmaSyncM16N8K32E4M3(ImplicitLocOpBuilder &b,
                                                  ArrayRef<Value> a,
                                                  ArrayRef<Value> w,
                                                  ArrayRef<Value> acc) {
  Type f32 = b.getF32Type();
  auto resultType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  SmallVector<Value> args(a);
  llvm::append_range(args, w);
  llvm::append_range(args, acc);
  Value d =
      LLVM::CallIntrinsicOp::create(
          b, resultType,
          b.getStringAttr("llvm.nvvm.mma.m16n8k32.row.col.f32.e4m3.e4m3.f32"),
          args)
          .getResult(0);
  SmallVector<Value> c;
  for (int64_t v = 0; v < 4; ++v)
    c.push_back(LLVM::ExtractValueOp::create(b, d, v));
  return c;
}
