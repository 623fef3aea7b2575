//===- moe-compile.cpp - compile moe programs to loadable libraries -------===//
//
// Parses a moe program, lowers it for a target and writes the artifact.
//
//===----------------------------------------------------------------------===//

#include "moe/Pipelines/Pipelines.h"
#include "moe/Registration.h"
#include "moe/Target/CPU.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory category("moe-compile options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                      cl::init("-"), cl::cat(category));

static cl::opt<std::string>
    outputFile("o", cl::desc("Output file (required for --emit=lib); '-' is "
                             "stdout for --emit=mlir|llvm"),
               cl::value_desc("file"), cl::init(""), cl::cat(category));

static cl::opt<std::string>
    target("target",
           cl::desc("Target to compile for: cpu (the reference semantics, a "
                    "host shared library)"),
           cl::value_desc("cpu"), cl::init("cpu"), cl::cat(category));

enum class Emit { Lib, MLIR, LLVM };
static cl::opt<Emit> emit(
    "emit", cl::desc("What to write"), cl::init(Emit::Lib),
    cl::values(clEnumValN(Emit::Lib, "lib",
                          "a shared library with an embedded manifest, "
                          "loadable by moe-run (default)"),
               clEnumValN(Emit::MLIR, "mlir",
                          "the lowered LLVM-dialect MLIR"),
               clEnumValN(Emit::LLVM, "llvm",
                          "the optimized host LLVM IR with the manifest")),
    cl::cat(category));

static cl::opt<bool> verbose("v", cl::desc("Print each stage as it runs"),
                             cl::init(false), cl::cat(category));

static cl::opt<bool> noOptimize(
    "no-optimize",
    cl::desc("Skip the graph optimizations (moe-optimize: expand experts, "
             "fuse SwiGLU into GEMM1, defer all_reduce, prune remote experts)"),
    cl::init(false), cl::cat(category));

static cl::opt<int64_t>
    tokens("tokens",
           cl::desc("Expected tokens per call, for the tile cost model of GPU "
                    "targets (0: each op's static T)"),
           cl::init(0), cl::cat(category));

static cl::opt<int64_t> epSize(
    "ep-size",
    cl::desc("Expert-parallel ranks: > 1 prunes remote experts (the entry "
             "then takes local weight slices and a trailing ep_rank index)"),
    cl::init(1), cl::cat(category));

static LogicalResult compile(MLIRContext &context) {
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input = openInputFile(inputFile, &error);
  if (!input) {
    llvm::errs() << "moe-compile: " << error << "\n";
    return failure();
  }
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(input), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  if (verbose)
    llvm::errs() << "moe-compile: parsing " << inputFile << "\n";
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return failure();
  if (!noOptimize) {
    if (verbose)
      llvm::errs() << "moe-compile: optimizing (moe-optimize)\n";
    PassManager optimize(&context);
    moe::buildOptimizePipeline(optimize, {target, tokens, epSize});
    if (failed(optimize.run(*module)))
      return failure();
  }
  // The signature after optimization (pruning changes it) is the ABI.
  FailureOr<std::vector<moe::ManifestEntry>> entries =
      moe::collectManifest(*module);
  if (failed(entries))
    return failure();

  if (verbose)
    llvm::errs() << "moe-compile: lowering for " << target << "\n";
  PassManager pm(&context);
  moe::buildCPUReferencePipeline(pm);
  if (failed(pm.run(*module)))
    return failure();

  if (emit == Emit::Lib)
    return moe::emitHostLibrary(*module, *entries, outputFile,
                                verbose ? &llvm::errs() : nullptr);
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFile.empty() ? "-" : outputFile.getValue(), &error);
  if (!output) {
    llvm::errs() << "moe-compile: " << error << "\n";
    return failure();
  }
  if (emit == Emit::MLIR)
    module->print(output->os());
  else if (failed(moe::printHostLLVMIR(*module, *entries, output->os())))
    return failure();
  output->keep();
  return success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "moe-compile: compile a moe program (MLIR with moe, func, linalg, "
      "tensor, arith, math ops) for a target\n\n"
      "  moe-compile layer.mlir --target=cpu -o layer.so\n\n"
      "The library exports every public func.func through the MLIR C "
      "interface (_mlir_ciface_NAME), a packed entry _moe_packed_NAME(void**) "
      "and the manifest text moe_manifest; moe-run loads it.\n");

  if (target != "cpu") {
    llvm::errs() << "moe-compile: unsupported --target='" << target
                 << "'; expected one of: cpu\n";
    return 1;
  }
  if (epSize < 1 || tokens < 0) {
    llvm::errs() << "moe-compile: expected --ep-size >= 1 and --tokens >= 0\n";
    return 1;
  }
  if (emit == Emit::Lib && outputFile.empty()) {
    llvm::errs() << "moe-compile: expected an output library: -o FILE.so\n";
    return 1;
  }
  DialectRegistry registry;
  moe::registerMoEAndUpstreamDialects(registry);
  MLIRContext context(registry);
  // Diagnostics point at the user's source line; the op dump adds noise.
  context.printOpOnDiagnostic(false);
  return failed(compile(context)) ? 1 : 0;
}
