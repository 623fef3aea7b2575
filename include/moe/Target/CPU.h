//===- CPU.h - host shared libraries from lowered moe programs --*- C++ -*-===//
//
// Declares the manifest of a compiled program and the host-library emitter.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TARGET_CPU_H
#define MOE_TARGET_CPU_H

#include "mlir/IR/BuiltinOps.h"

#include <string>
#include <vector>

namespace mlir::moe {

/// One argument or result of an entry point, as the runtime sees it.
struct ManifestValue {
  bool isTensor = true;
  std::string elementType;    ///< bf16, f16, f32, i32, i64; index for scalars.
  std::vector<int64_t> shape; ///< ShapedType::kDynamic for dynamic sizes.
};

/// A token bucket of an entry: the function called for T in [min, max]
/// (max -1: no bound), planned for T = expected.
struct ManifestBucket {
  int64_t min, max, expected;
  std::string function;
};

/// One public function of the program.
struct ManifestEntry {
  std::string name;
  std::vector<ManifestValue> args, results;
  std::vector<ManifestBucket> buckets; ///< in order of min; empty: none
};

/// The signatures of every public function of `module` (before lowering).
/// Fails with a diagnostic on a signature the runtime cannot call.
FailureOr<std::vector<ManifestEntry>> collectManifest(ModuleOp module);

/// The manifest as embedded text: a "moe-manifest 2" line (version 2: the
/// packed entries take a status slot last), then per entry
/// "entry NAME args N results M", one "arg"/"result" line per value
/// ("tensor TYPE RANK DIMS..." with ? for dynamic sizes, or "scalar TYPE"),
/// and "end".
std::string serializeManifest(const std::vector<ManifestEntry> &entries);

/// Translates an LLVM-dialect module to LLVM IR for the host, adds the
/// manifest (symbol `moe_manifest`, followed by one "check ID MESSAGE" line
/// per run-time check the lowering recorded in `moe.check_messages`) and one
/// `_moe_packed_NAME(void **)` wrapper per entry (see addPackedWrapper: the
/// slots are the results, the arguments and the caller's check status),
/// optimizes at O3, emits an object and links it into the shared library
/// `outputPath` with the system C compiler driver. `progress`, when set,
/// receives one line per stage. `gpuChip` names the GPU the embedded kernels
/// are for (the manifest gets a `target CHIP` line, and the host code is built
/// for generic x86-64, since it runs on the GPU machine), or is empty for the
/// CPU reference (built for this machine's CPU).
LogicalResult emitHostLibrary(ModuleOp module,
                              const std::vector<ManifestEntry> &entries,
                              StringRef outputPath, raw_ostream *progress,
                              StringRef gpuChip = "");

/// The same LLVM IR as emitHostLibrary would compile, printed to `os`.
LogicalResult printHostLLVMIR(ModuleOp module,
                              const std::vector<ManifestEntry> &entries,
                              raw_ostream &os, StringRef gpuChip = "");

} // namespace mlir::moe

#endif // MOE_TARGET_CPU_H
