//===- Manifest.cpp - entry-point signatures of a compiled program --------===//
//
// Collects and serializes what the runtime needs to call each public function.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/CPU.h"

#include "moe/Dialect/MoE/MoE.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::moe;

/// The runtime's name of a tensor element or scalar type, or "" if the
/// runtime cannot pass it.
static std::string runtimeTypeName(Type type, bool scalar) {
  if (type.isBF16())
    return scalar ? "" : "bf16";
  if (type.isF16())
    return scalar ? "" : "f16";
  if (!scalar) {
    if (isa<Float8E4M3FNType>(type))
      return "f8e4m3fn";
    if (isa<Float8E4M3FNUZType>(type))
      return "f8e4m3fnuz";
    if (isa<Float8E8M0FNUType>(type))
      return "f8e8m0fnu";
    if (isa<Float4E2M1FNType>(type))
      return "f4e2m1fn";
  }
  if (type.isF32())
    return "f32";
  if (type.isSignlessInteger(32))
    return "i32";
  if (type.isSignlessInteger(64))
    return "i64";
  if (type.isIndex() && scalar)
    return "index";
  return "";
}

static FailureOr<ManifestValue> describe(func::FuncOp func, Type type,
                                         StringRef what, unsigned index,
                                         bool allowScalar) {
  ManifestValue value;
  if (auto tensor = dyn_cast<RankedTensorType>(type)) {
    value.elementType = runtimeTypeName(tensor.getElementType(), false);
    value.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  } else if (allowScalar) {
    value.isTensor = false;
    value.elementType = runtimeTypeName(type, true);
  }
  if (value.elementType.empty())
    return func.emitError() << "entry '" << func.getSymName() << "': " << what
                            << " #" << index << " has type " << type
                            << "; expected a ranked tensor of bf16, f16, f32, "
                            << "i32, i64, f8E4M3FN, f8E4M3FNUZ, f8E8M0FNU or "
                            << "f4E2M1FN"
                            << (allowScalar ? ", or an index, i32, i64 or "
                                              "f32 scalar"
                                            : "");
  return value;
}

/// The token buckets that dispatcher `name` calls, in order of min.
static std::vector<ManifestBucket> bucketsOf(ModuleOp module, StringRef name) {
  std::vector<ManifestBucket> buckets;
  for (auto func : module.getOps<func::FuncOp>()) {
    std::optional<TokenBucket> bucket = enclosingTokenBucket(func);
    if (bucket && bucket->of == name)
      buckets.push_back({bucket->min, bucket->max.value_or(-1),
                         bucket->expected, func.getSymName().str()});
  }
  llvm::sort(buckets, [](const ManifestBucket &a, const ManifestBucket &b) {
    return a.min < b.min;
  });
  return buckets;
}

FailureOr<std::vector<ManifestEntry>>
mlir::moe::collectManifest(ModuleOp module) {
  std::vector<ManifestEntry> entries;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (!func.isPublic() || func.isExternal())
      continue;
    ManifestEntry entry;
    entry.name = func.getSymName().str();
    for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
      FailureOr<ManifestValue> v = describe(func, type, "argument", i, true);
      if (failed(v))
        return failure();
      entry.args.push_back(*v);
    }
    for (auto [i, type] : llvm::enumerate(func.getResultTypes())) {
      FailureOr<ManifestValue> v = describe(func, type, "result", i, false);
      if (failed(v))
        return failure();
      entry.results.push_back(*v);
    }
    entry.buckets = bucketsOf(module, entry.name);
    entries.push_back(std::move(entry));
  }
  if (entries.empty())
    return module.emitError()
           << "expected at least one public func.func with a body to export";
  return entries;
}

std::string
mlir::moe::serializeManifest(const std::vector<ManifestEntry> &entries) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "moe-manifest 2\n";
  auto print = [&](StringRef kind, const ManifestValue &v) {
    os << kind << (v.isTensor ? " tensor " : " scalar ") << v.elementType;
    if (v.isTensor) {
      os << " " << v.shape.size();
      for (int64_t d : v.shape) {
        if (ShapedType::isDynamic(d))
          os << " ?";
        else
          os << " " << d;
      }
    }
    os << "\n";
  };
  for (const ManifestEntry &e : entries) {
    os << "entry " << e.name << " args " << e.args.size() << " results "
       << e.results.size() << "\n";
    for (const ManifestValue &v : e.args)
      print("arg", v);
    for (const ManifestValue &v : e.results)
      print("result", v);
    for (const ManifestBucket &b : e.buckets)
      os << "bucket " << b.min << " " << b.max << " " << b.expected << " "
         << b.function << "\n";
    os << "end\n";
  }
  return text;
}
