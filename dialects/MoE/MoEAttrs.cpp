//===- MoEAttrs.cpp - attributes of the moe dialect -----------------------===//
//
// Parses, prints and verifies the activation, tile and parallel-layout attributes.
//
//===----------------------------------------------------------------------===//

#include "moe/Dialect/MoE/MoE.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/SmallSet.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace mlir;
using namespace mlir::moe;

#include "MoE/MoEEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "MoE/MoEAttrs.cpp.inc"

void MoEDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "MoE/MoEAttrs.cpp.inc"
      >();
}

/// Prints `v` with the fewest digits that read back as the same double, as
/// an MLIR float literal: plain decimals ("7.0", "1.702") where they are
/// short, otherwise scientific notation with a '.' in the mantissa.
static void printShortestDouble(AsmPrinter &printer, double v) {
  char buf[64];
  double magnitude = std::fabs(v);
  if (magnitude == 0.0 || (magnitude >= 1e-4 && magnitude < 1e15)) {
    for (int decimals = 1; decimals <= 20; ++decimals) {
      std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
      if (std::strtod(buf, nullptr) == v) {
        printer << buf;
        return;
      }
    }
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*e", precision, v);
    if (std::strtod(buf, nullptr) == v)
      break;
  }
  printer << buf;
}

//===----------------------------------------------------------------------===//
// ActivationAttr
//===----------------------------------------------------------------------===//

static constexpr double kDefaultAlpha = 1.702;
static constexpr double kDefaultBeta = 1.0;
static constexpr double kDefaultLimit = 7.0;

ActivationAttr ActivationAttr::get(MLIRContext *context, ActivationKind kind,
                                   GateUpLayout layout) {
  return get(context, kind, layout, llvm::APFloat(kDefaultAlpha),
             llvm::APFloat(kDefaultBeta), llvm::APFloat(kDefaultLimit));
}

Attribute ActivationAttr::parse(AsmParser &parser, Type) {
  llvm::SMLoc loc = parser.getCurrentLocation();
  StringRef kindName;
  if (parser.parseLess() || parser.parseKeyword(&kindName))
    return {};
  std::optional<ActivationKind> kind = symbolizeActivationKind(kindName);
  if (!kind) {
    parser.emitError(loc) << "expected an activation kind (silu_mul, gelu_mul "
                             "or swiglu_oai), got '"
                          << kindName << "'";
    return {};
  }
  GateUpLayout layout = GateUpLayout::Split;
  double values[3] = {kDefaultAlpha, kDefaultBeta, kDefaultLimit};
  const char *names[3] = {"alpha", "beta", "limit"};
  llvm::SmallSet<StringRef, 4> seen;
  while (succeeded(parser.parseOptionalComma())) {
    llvm::SMLoc keyLoc = parser.getCurrentLocation();
    StringRef key;
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return {};
    if (!seen.insert(key).second) {
      parser.emitError(keyLoc) << "'" << key << "' is given twice";
      return {};
    }
    if (key == "layout") {
      StringRef layoutName;
      llvm::SMLoc valueLoc = parser.getCurrentLocation();
      if (parser.parseKeyword(&layoutName))
        return {};
      std::optional<GateUpLayout> parsed = symbolizeGateUpLayout(layoutName);
      if (!parsed) {
        parser.emitError(valueLoc)
            << "expected layout 'split' or 'interleaved', got '" << layoutName
            << "'";
        return {};
      }
      layout = *parsed;
      continue;
    }
    auto *it = llvm::find(names, key);
    if (it == std::end(names)) {
      parser.emitError(keyLoc)
          << "expected 'layout', 'alpha', 'beta' or 'limit', got '" << key
          << "'";
      return {};
    }
    if (*kind != ActivationKind::SwigluOai) {
      parser.emitError(keyLoc) << "'" << key << "' applies to swiglu_oai only, "
                               << "not to " << kindName;
      return {};
    }
    if (parser.parseFloat(values[it - std::begin(names)]))
      return {};
  }
  if (parser.parseGreater())
    return {};
  return getChecked([&] { return parser.emitError(loc); },
                    parser.getContext(), *kind, layout,
                    llvm::APFloat(values[0]), llvm::APFloat(values[1]),
                    llvm::APFloat(values[2]));
}

void ActivationAttr::print(AsmPrinter &printer) const {
  printer << "<" << stringifyActivationKind(getKind());
  if (getLayout() != GateUpLayout::Split)
    printer << ", layout = " << stringifyGateUpLayout(getLayout());
  if (getKind() == ActivationKind::SwigluOai) {
    printer << ", alpha = ";
    printShortestDouble(printer, getAlphaValue());
    printer << ", beta = ";
    printShortestDouble(printer, getBetaValue());
    printer << ", limit = ";
    printShortestDouble(printer, getLimitValue());
  }
  printer << ">";
}

LogicalResult
ActivationAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                       ActivationKind kind, GateUpLayout layout,
                       llvm::APFloat alpha, llvm::APFloat beta,
                       llvm::APFloat limit) {
  if (kind != ActivationKind::SwigluOai)
    return success();
  double a = alpha.convertToDouble(), b = beta.convertToDouble(),
         l = limit.convertToDouble();
  if (!(a > 0) || !std::isfinite(a))
    return emitError() << "expected swiglu_oai 'alpha' > 0, got " << a;
  if (!std::isfinite(b))
    return emitError() << "expected a finite swiglu_oai 'beta', got " << b;
  if (!(l > 0) || !std::isfinite(l))
    return emitError() << "expected swiglu_oai 'limit' > 0, got " << l;
  return success();
}

//===----------------------------------------------------------------------===//
// TileAttr
//===----------------------------------------------------------------------===//

/// Checks that `value` is a power of two in [lo, hi].
static LogicalResult checkPowerOfTwo(function_ref<InFlightDiagnostic()> emitError,
                                     StringRef name, int64_t value, int64_t lo,
                                     int64_t hi) {
  if (value >= lo && value <= hi && llvm::isPowerOf2_64(value))
    return success();
  return emitError() << "expected '" << name << "' to be a power of two in ["
                     << lo << ", " << hi << "], got " << value;
}

LogicalResult TileAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               int64_t blockM, int64_t blockN) {
  // block_m 1: route order (moe.grouped_matmul's route_ids).
  if ((blockM != 1 &&
       failed(checkPowerOfTwo(emitError, "block_m", blockM, 16, 256))) ||
      failed(checkPowerOfTwo(emitError, "block_n", blockN, 8, 512)))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// GemmPlanAttr
//===----------------------------------------------------------------------===//

LogicalResult GemmPlanAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   int64_t blockN, int64_t wavesN,
                                   int64_t slices, int64_t group,
                                   int64_t rowGroup, KernelLoads loads,
                                   std::optional<int64_t> stages,
                                   std::optional<int64_t> unroll,
                                   std::optional<int64_t> kTile) {
  if (kTile && loads != KernelLoads::SharedTiles)
    return emitError() << "expected 'k_tile' only with shared_tiles loads, "
                          "got "
                       << stringifyKernelLoads(loads);
  if (kTile && *kTile != 32 && *kTile != 64 && *kTile != 128)
    return emitError() << "expected 'k_tile' of 32, 64 or 128, got " << *kTile;
  for (auto [name, value] : {std::pair<StringRef, int64_t>{"block_n", blockN},
                             {"waves_n", wavesN},
                             {"slices", slices},
                             {"group", group},
                             {"row_group", rowGroup}})
    if (value < 1)
      return emitError() << "expected '" << name << "' >= 1, got " << value;
  bool unrolled = loads == KernelLoads::Registers ||
                  loads == KernelLoads::RowDot ||
                  loads == KernelLoads::MMARowDot;
  if (!unrolled) {
    StringRef kind = stringifyKernelLoads(loads);
    if (!stages || *stages < 2)
      return emitError() << "expected 'stages' >= 2 with " << kind
                         << " loads, got "
                         << (stages ? std::to_string(*stages) : "none");
    if (unroll)
      return emitError() << "expected no 'unroll' with " << kind
                         << " loads (the stages pipeline the loop)";
    if ((loads == KernelLoads::SharedTiles ||
         loads == KernelLoads::WarpgroupTiles) &&
        slices != 1)
      return emitError() << "expected 'slices' = 1 with " << kind
                         << " loads (waves split the rows, not K), got "
                         << slices;
    return success();
  }
  StringRef kind = loads == KernelLoads::Registers
                       ? StringRef("register")
                       : stringifyKernelLoads(loads);
  if (!unroll || *unroll < 1)
    return emitError() << "expected 'unroll' >= 1 with " << kind
                       << " loads, got "
                       << (unroll ? std::to_string(*unroll) : "none");
  // mma_row_dot may stage its runs through LDS (fp8 weights: `stages`
  // cp.async steps, checked against the problem by the planner).
  if (stages && loads != KernelLoads::MMARowDot)
    return emitError() << "expected no 'stages' with " << kind << " loads";
  if (stages && *stages < 2)
    return emitError() << "expected 'stages' >= 2 with " << kind
                       << " loads, got " << *stages;
  return success();
}

//===----------------------------------------------------------------------===//
// ParallelAttr
//===----------------------------------------------------------------------===//

Attribute ParallelAttr::parse(AsmParser &parser, Type) {
  llvm::SMLoc loc = parser.getCurrentLocation();
  SmallVector<StringAttr> names;
  SmallVector<int64_t> sizes;
  auto parseGroup = [&]() -> ParseResult {
    std::string name;
    int64_t size;
    if (parser.parseKeywordOrString(&name) || parser.parseEqual() ||
        parser.parseInteger(size))
      return failure();
    names.push_back(StringAttr::get(parser.getContext(), name));
    sizes.push_back(size);
    return success();
  };
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::LessGreater,
                                     parseGroup))
    return {};
  return getChecked([&] { return parser.emitError(loc); },
                    parser.getContext(), names, sizes);
}

void ParallelAttr::print(AsmPrinter &printer) const {
  printer << "<";
  llvm::interleaveComma(llvm::zip(getNames(), getSizes()), printer,
                        [&](auto group) {
                          printer.printKeywordOrString(
                              std::get<0>(group).getValue());
                          printer << " = " << std::get<1>(group);
                        });
  printer << ">";
}

LogicalResult ParallelAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   ArrayRef<StringAttr> names,
                                   ArrayRef<int64_t> sizes) {
  if (names.size() != sizes.size())
    return emitError() << "expected one size per group name, got "
                       << names.size() << " names and " << sizes.size()
                       << " sizes";
  if (names.empty())
    return emitError() << "expected at least one group, e.g. <tp = 8>";
  llvm::SmallSet<StringRef, 4> seen;
  for (auto [name, size] : llvm::zip(names, sizes)) {
    if (name.getValue().empty())
      return emitError() << "expected a non-empty group name";
    if (!seen.insert(name.getValue()).second)
      return emitError() << "expected unique group names, got '"
                         << name.getValue() << "' twice";
    if (size < 1)
      return emitError() << "expected group '" << name.getValue()
                         << "' to have at least 1 rank, got " << size;
  }
  return success();
}

std::optional<int64_t> ParallelAttr::getGroupSize(StringRef name) const {
  for (auto [groupName, size] : llvm::zip(getNames(), getSizes()))
    if (groupName.getValue() == name)
      return size;
  return std::nullopt;
}
