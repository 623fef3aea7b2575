//===- cpu_lowering.cpp - fuzz the CPU lowering to LLVM IR ----------------===//
//
// Parses an input and compiles it as moe-compile --target=cpu --emit=llvm.
//
//===----------------------------------------------------------------------===//

#include "FuzzMLIR.h"

#include "moe/Pipelines/Pipelines.h"
#include "moe/Target/CPU.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  moe::fuzz::Session session;
  mlir::MLIRContext &context = session.context;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      moe::fuzz::parseMoEProgram(data, size, session);
  if (!module)
    return -1;
  mlir::PassManager optimize(&context);
  mlir::moe::buildOptimizePipeline(optimize, {"cpu", 0, 1, 0});
  if (mlir::failed(optimize.run(*module)))
    return 0;
  auto entries = mlir::moe::collectManifest(*module);
  if (mlir::failed(entries))
    return 0;
  mlir::PassManager lower(&context);
  mlir::moe::buildCPUReferencePipeline(lower);
  if (mlir::failed(lower.run(*module)))
    return 0;
  // The LLVM IR moe-compile would compile (manifest and packed entries,
  // optimized at O3), printed nowhere. O3 takes four fifths of the time and
  // is upstream code: one input in 8, chosen by its hash so that a crash
  // reproduces, goes through it; the others are only translated.
  if (llvm::xxh3_64bits(llvm::ArrayRef<uint8_t>(data, size)) % 8 == 0) {
    (void)mlir::moe::printHostLLVMIR(*module, *entries, llvm::nulls());
    return 0;
  }
  // A failed translation is a diagnostic (moe-compile reports it), not a
  // crash.
  llvm::LLVMContext llvmContext;
  (void)mlir::translateModuleToLLVMIR(*module, llvmContext, "host");
  return 0;
}
