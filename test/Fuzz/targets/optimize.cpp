//===- optimize.cpp - fuzz moe-optimize for one chip ----------------------===//
//
// Parses an input and runs the moe-optimize pipeline for MOE_FUZZ_CHIP.
//
//===----------------------------------------------------------------------===//

#include "FuzzMLIR.h"

#include "moe/Pipelines/Pipelines.h"

#include "mlir/Pass/PassManager.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  moe::fuzz::Session session;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      moe::fuzz::parseMoEProgram(data, size, session);
  if (!module)
    return -1;
  // The options of moe-opt --moe-optimize=target=CHIP (token buckets).
  mlir::PassManager pm(&session.context);
  mlir::moe::buildOptimizePipeline(pm, {MOE_FUZZ_CHIP, 0, 1, 0});
  (void)pm.run(*module);
  return 0;
}
