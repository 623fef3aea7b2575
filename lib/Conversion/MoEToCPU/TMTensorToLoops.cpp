//===- TMTensorToLoops.cpp - the convert-tm-tensor-to-loops pass ----------===//
//
// Lowers tm_tensor.sort, tm_tensor.topk and tm_tensor.scatter to scf loops
// over tensors (tensor.extract / tensor.insert), the region inlined at each
// comparison or combination, so that model IR runs on the CPU unraised.
//
//===----------------------------------------------------------------------===//

#include "moe/Conversion/Passes.h"

#include "RefBuilder.h"

#include "moe/Conversion/SizeChecks.h"
#include "moe/Dialect/TMTensor/TMTensor.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::moe {
#define GEN_PASS_DEF_CONVERTTMTENSORTOLOOPSPASS
#include "moe/Conversion/Passes.h.inc"
} // namespace mlir::moe

using namespace mlir;
using namespace mlir::moe;
using namespace mlir::moe::cpu;
namespace tmt = mlir::moe::tm_tensor;

/// The values `region` yields for block arguments `args`, its ops cloned at
/// the builder's insertion point.
static SmallVector<Value> inlineRegion(RefBuilder &rb, Region &region,
                                       ValueRange args) {
  Block &block = region.front();
  IRMapping map;
  map.map(block.getArguments(), args);
  ImplicitLocOpBuilder &b = rb.builder();
  for (Operation &op : block.without_terminator())
    b.clone(op, map);
  SmallVector<Value> yielded;
  for (Value v : block.getTerminator()->getOperands())
    yielded.push_back(map.lookupOrDefault(v));
  return yielded;
}

using LineBody =
    function_ref<SmallVector<Value>(RefBuilder &, ArrayRef<Value>, ValueRange)>;

/// Loops over every index of `shape`'s dims but `skip` (index values in
/// `sizes`, one per dim), threading `iters`; `body` gets the full index
/// (dim `skip` a placeholder zero) and the iters.
static SmallVector<Value> overLines(RefBuilder &rb, ArrayRef<Value> sizes,
                                    int64_t skip, ValueRange iters,
                                    LineBody body, SmallVector<Value> at = {},
                                    int64_t d = 0) {
  if (d == static_cast<int64_t>(sizes.size()))
    return body(rb, at, iters);
  if (d == skip) {
    at.push_back(rb.idx(0));
    return overLines(rb, sizes, skip, iters, body, at, d + 1);
  }
  return rb.loop(rb.idx(0), sizes[d], iters,
                 [&](RefBuilder &in, Value iv, ValueRange args) {
                   SmallVector<Value> next(at);
                   next.push_back(iv);
                   return overLines(in, sizes, skip, args, body, next, d + 1);
                 });
}

/// tensor.insert of `value` (of the element type) into `tensor` at `at`.
static Value put(RefBuilder &rb, Value value, Value tensor, ValueRange at) {
  return tensor::InsertOp::create(rb.builder(), value, tensor, at);
}

/// An i1 constant.
static Value flag(RefBuilder &rb, bool value) {
  return arith::ConstantIntOp::create(rb.builder(), value, 1);
}

/// `at` with entry `d` replaced by `i`.
static SmallVector<Value> withIndex(ArrayRef<Value> at, int64_t d, Value i) {
  SmallVector<Value> index(at);
  index[d] = i;
  return index;
}

/// The sizes of `tensor`, one index value per dim.
static SmallVector<Value> sizesOf(RefBuilder &rb, Value tensor) {
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < cast<RankedTensorType>(tensor.getType()).getRank();
       ++d)
    sizes.push_back(rb.dim(tensor, d));
  return sizes;
}

/// sort: an insertion sort of every line along `dimension`. Element j moves
/// before element j - 1 while the region says it goes first; every pass
/// runs to the front, which leaves a sorted prefix unchanged when the
/// region is a strict order (and then the sort is stable).
static void lowerSort(tmt::SortOp op) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  RefBuilder rb(b);
  int64_t d = op.getDimension();
  SmallVector<Value> outs(op.getOutputs());
  SmallVector<Value> sizes = sizesOf(rb, outs[0]);
  SmallVector<Value> sorted = overLines(
      rb, sizes, d, outs,
      [&](RefBuilder &line, ArrayRef<Value> at, ValueRange tensors) {
        Value n = sizes[d];
        return line.loop(
            line.idx(1), n, tensors,
            [&](RefBuilder &pass, Value i, ValueRange passTensors) {
              return pass.loop(
                  pass.idx(0), i, passTensors,
                  [&](RefBuilder &step, Value back, ValueRange current) {
                    Value j = arith::SubIOp::create(step.builder(), i, back);
                    Value prev =
                        arith::SubIOp::create(step.builder(), j, step.idx(1));
                    SmallVector<Value> a, pair;
                    SmallVector<Value> before;
                    for (Value t : current) {
                      Value x = step.load(t, withIndex(at, d, j));
                      Value y = step.load(t, withIndex(at, d, prev));
                      a.push_back(x);
                      before.push_back(y);
                      pair.append({x, y});
                    }
                    Value first = inlineRegion(step, op.getRegion(), pair)[0];
                    return step.ifThen(first, current, [&](RefBuilder &swap) {
                      SmallVector<Value> swapped;
                      for (auto [t, x, y] : llvm::zip(current, a, before)) {
                        Value s = put(swap, x, t, withIndex(at, d, prev));
                        swapped.push_back(put(swap, y, s, withIndex(at, d, j)));
                      }
                      return swapped;
                    });
                  });
            });
      });
  op.replaceAllUsesWith(sorted);
  op.erase();
}

/// topk: every value of a line, in order, is inserted into the line of the
/// outs (whose initial values take part, as in torch-mlir): at each of the
/// k slots, when the region says the candidate goes first, it takes the
/// slot and the displaced value becomes the candidate.
static void lowerTopk(tmt::TopkOp op) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  RefBuilder rb(b);
  int64_t d = op.getDimension();
  Value values = op.getInputs()[0];
  Value indices = op.getInputs().size() > 1 ? op.getInputs()[1] : Value();
  SmallVector<Value> outs(op.getOutputs());
  Type indexType = getElementTypeOrSelf(outs[1].getType());
  SmallVector<Value> sizes = sizesOf(rb, values);
  Value k = rb.dim(outs[0], d);
  SmallVector<Value> best = overLines(
      rb, sizes, d, outs,
      [&](RefBuilder &line, ArrayRef<Value> at, ValueRange tensors) {
        return line.loop(
            line.idx(0), sizes[d], tensors,
            [&](RefBuilder &each, Value i, ValueRange kept) {
              Value v = each.load(values, withIndex(at, d, i));
              Value id = indices ? each.load(indices, withIndex(at, d, i))
                                 : arith::IndexCastOp::create(each.builder(),
                                                              indexType, i)
                                       .getResult();
              SmallVector<Value> iters(kept);
              iters.append({v, id});
              SmallVector<Value> slots = each.loop(
                  each.idx(0), k, iters,
                  [&](RefBuilder &slot, Value j, ValueRange state) {
                    Value vals = state[0], ids = state[1];
                    Value cand = state[2], candId = state[3];
                    Value old = slot.load(vals, withIndex(at, d, j));
                    Value oldId = slot.load(ids, withIndex(at, d, j));
                    Value first =
                        inlineRegion(slot, op.getRegion(), {cand, old})[0];
                    return slot.ifThen(first, state, [&](RefBuilder &take) {
                      Value nv = put(take, cand, vals, withIndex(at, d, j));
                      Value ni = put(take, candId, ids, withIndex(at, d, j));
                      return SmallVector<Value>{nv, ni, old, oldId};
                    });
                  });
              return SmallVector<Value>{slots[0], slots[1]};
            });
      });
  op.replaceAllUsesWith(best);
  op.erase();
}

/// scatter: update i's slice combines (through the region) with outs at the
/// coordinates of index tuple i (entry j indexes dim dimension_map[j]); the
/// slice's dims are outs' trailing dims, offset by the tuple where they
/// overlap. A tuple whose slice leaves outs is skipped and reported by a
/// run-time check (how many, the first bad index, its update).
static void lowerScatter(tmt::ScatterOp op) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  RefBuilder rb(b);
  Value updates = op.getInputs()[0], indices = op.getInputs()[1];
  Value original = op.getOutputs()[0];
  ArrayRef<int64_t> map = op.getDimensionMap();
  int64_t rank = cast<RankedTensorType>(original.getType()).getRank();
  int64_t sliceRank = cast<RankedTensorType>(updates.getType()).getRank() - 1;
  int64_t sliceStart = rank - sliceRank;
  SmallVector<Value> outSizes = sizesOf(rb, original);
  SmallVector<Value> updSizes = sizesOf(rb, updates);
  Value zero = rb.idx(0), one = rb.idx(1);
  // (outs, bad tuples, first bad index, its update)
  SmallVector<Value> state{original, zero, zero, zero};
  SmallVector<Value> done = rb.loop(
      zero, updSizes[0], state,
      [&](RefBuilder &each, Value i, ValueRange carried) {
        ImplicitLocOpBuilder &eb = each.builder();
        SmallVector<Value> start(rank, zero);
        Value ok = flag(each, true);
        Value firstBad = zero;
        for (auto [j, dim] : llvm::enumerate(map)) {
          Value raw = each.load(indices, {i, each.idx(j)});
          Value v = arith::IndexCastOp::create(eb, eb.getIndexType(), raw);
          start[dim] = v;
          // The slice extent along `dim` when the slice covers it.
          Value extent =
              dim >= sliceStart ? updSizes[1 + dim - sliceStart] : one;
          Value end = each.addi(v, extent);
          Value notNegative = each.cmpi(arith::CmpIPredicate::sge, v, zero);
          Value fits = each.cmpi(arith::CmpIPredicate::sle, end, outSizes[dim]);
          Value inside = each.andi(notNegative, fits);
          firstBad =
              each.select(each.andi(ok, each.cmpi(arith::CmpIPredicate::eq,
                                                  inside, flag(each, false))),
                          v, firstBad);
          ok = each.andi(ok, inside);
        }
        Value outs = each.ifThen(ok, {carried[0]}, [&](RefBuilder &in) {
          SmallVector<Value> sliceSizes(updSizes.begin() + 1, updSizes.end());
          return overLines(
              in, sliceSizes, /*skip=*/-1, {carried[0]},
              [&](RefBuilder &elem, ArrayRef<Value> s, ValueRange t) {
                SmallVector<Value> at(start);
                for (int64_t q = 0; q < sliceRank; ++q)
                  at[sliceStart + q] = elem.addi(at[sliceStart + q], s[q]);
                SmallVector<Value> updIndex{i};
                updIndex.append(s.begin(), s.end());
                Value u = elem.load(updates, updIndex);
                Value o = elem.load(t[0], at);
                Value combined = inlineRegion(elem, op.getRegion(), {u, o})[0];
                return SmallVector<Value>{put(elem, combined, t[0], at)};
              });
        })[0];
        Value bad = each.cmpi(arith::CmpIPredicate::eq, ok, flag(each, false));
        Value isFirst = each.andi(
            bad, each.cmpi(arith::CmpIPredicate::eq, carried[1], zero));
        return SmallVector<Value>{
            outs, each.select(bad, each.addi(carried[1], one), carried[1]),
            each.select(isFirst, firstBad, carried[2]),
            each.select(isFirst, i, carried[3])};
      });
  emitRouteRangeCheck(b, op, done[1], done[2], done[3],
                      "index tuples outside outs|update");
  op.replaceAllUsesWith(ValueRange{done[0]});
  op.erase();
}

namespace {
struct ConvertTMTensorToLoopsPass
    : mlir::moe::impl::ConvertTMTensorToLoopsPassBase<
          ConvertTMTensorToLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Operation *> ops;
    module.walk([&](Operation *op) {
      if (isa<tmt::SortOp, tmt::TopkOp, tmt::ScatterOp>(op))
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      if (auto sort = dyn_cast<tmt::SortOp>(op);
          sort && !sort.getInputs().empty()) {
        sort.emitOpError() << "with ins has no loop lowering (expected the "
                              "sorted tensors in outs only, as torch-mlir "
                              "writes them)";
        return signalPassFailure();
      }
      if (auto scatter = dyn_cast<tmt::ScatterOp>(op)) {
        declareCheckState(module);
        lowerScatter(scatter);
      } else if (auto sort = dyn_cast<tmt::SortOp>(op)) {
        lowerSort(sort);
      } else {
        lowerTopk(cast<tmt::TopkOp>(op));
      }
    }
  }
};
} // namespace
