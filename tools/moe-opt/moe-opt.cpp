//===- moe-opt.cpp - the moe-mlir optimizer driver ------------------------===//
//
// mlir-opt with the moe dialect and passes next to all upstream ones.
//
//===----------------------------------------------------------------------===//

#include "moe/Registration.h"

#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::moe::registerMoEAndUpstreamPasses();
  mlir::DialectRegistry registry;
  mlir::moe::registerMoEAndUpstreamDialects(registry);
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv,
      "moe-mlir optimizer driver: the moe dialect plus upstream MLIR\n",
      registry));
}
