//===- MFMAInstruction.cpp - amdgpu.mfma as the GEMM's MMA ---------------===//
//
// One A row per lane; each MFMA of a step takes its share of the lane's
// loaded run through a shuffle (none when one MFMA takes all of it).
//
//===----------------------------------------------------------------------===//

#include "MMAAtom.h"

#include "mlir/Dialect/AMDGPU/IR/AMDGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::moe;

namespace {

class MFMAInstruction final : public MMAInstruction {
public:
  std::string checkFeed(MMAShape, const LaneRoles &roles) const override {
    if (roles.aRows.size() != 1)
      return "an MFMA lane feeds one A row";
    return "";
  }

  Value multiply(ImplicitLocOpBuilder &b, const MMAAtom &atom,
                 ArrayRef<Value> a, Value w, Value acc) const override {
    const LaneRoles &roles = atom.roles;
    // MFMA i of the step takes slots i * kPerRow .. of the lane's run, in
    // the order the layout's operand values want them. A and B are cut
    // alike, so each MFMA sums a permutation of its share of the step's k
    // and together they sum all of them.
    auto part = [&](Value v, ArrayRef<OperandFeed> feed, int64_t i) -> Value {
      SmallVector<int64_t> positions;
      for (const OperandFeed &f : feed)
        positions.push_back(i * roles.kPerRow + f.slot);
      int64_t have = cast<VectorType>(v.getType()).getNumElements();
      if (positions == llvm::to_vector(llvm::seq<int64_t>(0, have)))
        return v;
      return vector::ShuffleOp::create(b, v, v, positions);
    };
    const MMAShape &mma = atom.mma;
    for (int64_t i = 0; i < atom.mmasPerStep(); ++i)
      acc = amdgpu::MFMAOp::create(
          b, atom.accType, b.getI32IntegerAttr(mma.m),
          b.getI32IntegerAttr(mma.n), b.getI32IntegerAttr(mma.k),
          b.getI32IntegerAttr(1), part(a[0], roles.aFeed, i),
          part(w, roles.bFeed, i), acc);
    return acc;
  }
};

} // namespace

const MMAInstruction &mlir::moe::mfmaInstruction() {
  static const MFMAInstruction instance;
  return instance;
}
