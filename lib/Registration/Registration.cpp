//===- Registration.cpp - dialects and passes of the moe tools ------------===//
//
// Registers the moe dialect and passes alongside all of upstream MLIR's.
//
//===----------------------------------------------------------------------===//

#include "moe/Registration.h"

#include "moe/Conversion/Passes.h"
#include "moe/Dialect/MoE/MoE.h"
#include "moe/Dialect/TMTensor/TMTensor.h"
#include "moe/Passes/Passes.h"
#include "moe/Pipelines/Pipelines.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void mlir::moe::registerMoEAndUpstreamDialects(DialectRegistry &registry) {
  registry.insert<MoEDialect, tm_tensor::TMTensorDialect>();
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registerLaunchFuncMemoryEffects(registry);
}

void mlir::moe::registerMoEAndUpstreamPasses() {
  registerAllPasses();
  registerMoEConversionPasses();
  registerMoEPasses();
  registerMoEPipelines();
}
