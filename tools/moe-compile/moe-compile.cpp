//===- moe-compile.cpp - compile moe programs to loadable libraries -------===//
//
// Parses a moe program, lowers it for a target and writes the artifact.
//
//===----------------------------------------------------------------------===//

#include "moe/Passes/Passes.h"
#include "moe/Pipelines/Pipelines.h"
#include "moe/Registration.h"
#include "moe/Target/AMDGPU.h"
#include "moe/Target/CPU.h"
#include "moe/Target/GPUTarget.h"
#include "moe/Target/IREEModule.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include <map>

using namespace mlir;
namespace cl = llvm::cl;

static cl::OptionCategory category("moe-compile options");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input.mlir>"),
                                      cl::init("-"), cl::cat(category));

static cl::opt<std::string>
    outputFile("o",
               cl::desc("Output file (required for --emit=lib); '-' is "
                        "stdout for --emit=mlir|llvm"),
               cl::value_desc("file"), cl::init(""), cl::cat(category));

static cl::opt<std::string> target(
    "target",
    cl::desc("Target to compile for: cpu (the reference semantics, a host "
             "shared library), gfx942 / gfx950 (AMDGPU) or sm_90 (NVIDIA "
             "Hopper); a comma-separated list of GPU targets with "
             "--emit=hsaco or --emit=isa"),
    cl::value_desc("cpu|gfx942|gfx950|sm_90"), cl::init("cpu"),
    cl::cat(category));

enum class Emit { Lib, MLIR, LLVM, Hsaco, Isa, IREE };
static cl::opt<Emit> emit(
    "emit", cl::desc("What to write"), cl::init(Emit::Lib),
    cl::values(clEnumValN(Emit::Lib, "lib",
                          "a shared library with an embedded manifest, "
                          "loadable by moe-run (default; for a GPU target "
                          "the kernels are embedded and the entry points "
                          "take and return device memory)"),
               clEnumValN(Emit::MLIR, "mlir", "the lowered LLVM-dialect MLIR"),
               clEnumValN(Emit::LLVM, "llvm",
                          "the optimized host LLVM IR with the manifest"),
               clEnumValN(Emit::Hsaco, "hsaco",
                          "one code object per kernel into the folder -o DIR: "
                          "KERNEL.CHIP.hsaco (gfx942, gfx950)"),
               clEnumValN(Emit::Isa, "isa",
                          "the kernels' assembly (ISA for gfx942, gfx950; "
                          "PTX for sm_90)"),
               clEnumValN(Emit::IREE, "iree",
                          "an IREE input program into the folder -o DIR: "
                          "module.mlir (each kernel a hal.dispatch.extern) "
                          "and MODULE.CHIP.hsaco code objects with IREE's "
                          "kernel ABI (gfx942, gfx950; README \"IREE\")")),
    cl::cat(category));

/// --stats is taken out of argv before LLVM parses it: LLVM owns a -stats
/// option of its own (pass statistics).
static bool stats = false;

static cl::opt<std::string> toolkit(
    "toolkit",
    cl::desc("Folder with llvm/bin/ld.lld for AMDGPU linking (default: the "
             "toolkit folder of the build, next to bin/)"),
    cl::value_desc("dir"), cl::init(""), cl::cat(category));

static cl::opt<bool> verbose("v", cl::desc("Print each stage as it runs"),
                             cl::init(false), cl::cat(category));

static cl::opt<bool> raiseLinalg(
    "raise-linalg",
    cl::desc("First raise MoE routers, RMSNorms and experts written in "
             "torch-mlir's linalg-on-tensors form to moe ops "
             "(--moe-raise-linalg; default true: model IR in); "
             "--raise-linalg=false compiles the input as it is"),
    cl::init(true), cl::cat(category));

static cl::opt<bool> noOptimize(
    "no-optimize",
    cl::desc("Skip the graph optimizations (moe-optimize: expand experts, "
             "fuse SwiGLU into GEMM1 and the combine into a route-order "
             "GEMM2, defer all_reduce, prune remote experts)"),
    cl::init(false), cl::cat(category));

static cl::opt<std::string> skipInterStageQuant(
    "skip-inter-stage-quant",
    cl::desc("Whether GEMM2 reads GEMM1's activations unquantized (a16w8, "
             "a16w4) instead of their fp8/fp4 quantization "
             "(--moe-skip-inter-stage-quant): auto (the target chip's cost "
             "model; --target=cpu keeps the quantization), always or never. "
             "Skipping changes the numerics: see docs/GraphPasses.md"),
    cl::value_desc("auto|always|never"), cl::init("auto"), cl::cat(category));

static cl::opt<bool> ocpToFnuz(
    "ocp-to-fnuz",
    cl::desc("gfx942: convert OCP fp8 weights (f8E4M3FN with f32 scales, as "
             "checkpoints ship them) to its FNUZ fp8 by reinterpreting the "
             "bits and doubling the scales, which keeps every weight's value "
             "(--moe-legalize-fp8 ocp-to-fnuz); without it an fp8 type the "
             "target chip does not multiply is an error"),
    cl::init(false), cl::cat(category));

static cl::opt<std::string> tokens(
    "tokens",
    cl::desc("Expected tokens per call T of GPU targets. N: every kernel is "
             "planned for T = N (the tile cost model and the measured GEMM "
             "plans of TunedPlans.inc); A..B: token buckets for T in [A, B], "
             "chosen at run time; absent: buckets for every T. Each library "
             "runs every T; a static T is planned as it is"),
    cl::value_desc("N|A..B"), cl::init(""), cl::cat(category));

/// --tokens as the optimize pipeline's tokens (N, or A) and maxTokens (B;
/// 0 for N or no --tokens).
static int64_t plannedTokens = 0, maxTokens = 0;

/// Reads --tokens; false when it is neither N nor A..B (1 <= A <= B).
static bool parseTokens() {
  StringRef text = tokens;
  if (text.empty())
    return true;
  auto [first, second] = text.split("..");
  int64_t a = 0, b = 0;
  if (first.getAsInteger(10, a) || a < 1)
    return false;
  plannedTokens = a;
  if (second.empty() && !text.contains(".."))
    return true;
  if (second.getAsInteger(10, b) || b < a)
    return false;
  maxTokens = b;
  return true;
}

static cl::opt<int64_t> epSize(
    "ep-size",
    cl::desc("Expert-parallel ranks: > 1 prunes remote experts (the entry "
             "then takes local weight slices and a trailing ep_rank index)"),
    cl::init(1), cl::cat(category));

static cl::opt<moe::GemmLoads> gemmLoads(
    "gemm-loads",
    cl::desc("How the GEMM kernels' k loop loads A and weights (GPU targets)"),
    moe::gemmLoadsValues(), cl::init(moe::GemmLoads::Auto), cl::cat(category));

static cl::opt<bool> routeChecks(
    "route-checks",
    cl::desc("GPU targets: the align kernels report expert ids outside "
             "[0, E) as a run-time check failure (default); "
             "--route-checks=false drops such routes without a report"),
    cl::init(true), cl::cat(category));

enum class KernelABI { MemRef, IREE };
static cl::opt<KernelABI> kernelABI(
    "kernel-abi", cl::desc("GPU targets: how the kernels take their arguments"),
    cl::values(clEnumValN(KernelABI::MemRef, "memref",
                          "MLIR memref descriptors (default)"),
               clEnumValN(KernelABI::IREE, "iree",
                          "IREE's HIP list: buffer pointers, then 32-bit "
                          "constants (moe-use-iree-kernel-abi); the host "
                          "code packs them so")),
    cl::init(KernelABI::MemRef), cl::cat(category));

static moe::KernelOptions kernelOptions() {
  moe::KernelOptions options;
  options.gemmLoads = gemmLoads;
  options.routeChecks = routeChecks;
  options.ireeKernelABI = kernelABI == KernelABI::IREE;
  options.tokens = maxTokens ? 0 : plannedTokens; // buckets plan their own
  return options;
}

/// The GPU chips of --target (comma-separated), empty for cpu.
static std::vector<const moe::ChipInfo *> chips;

/// The toolkit folder: --toolkit, else <bin>/../toolkit of this build.
static std::string toolkitFolder() {
  if (!toolkit.empty())
    return toolkit;
  std::string exe = llvm::sys::fs::getMainExecutable(nullptr, nullptr);
  SmallString<256> dir(
      llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)));
  llvm::sys::path::append(dir, "toolkit");
  return std::string(dir);
}

/// Checks that `tk` (kernelToolkit) has what linking kernels for `chip`
/// needs: ld.lld for AMDGPU; for sm_90, ptxas and libdevice (exp).
static LogicalResult checkToolkit(const moe::ChipInfo &chip, StringRef tk) {
  if (chip.vendor == moe::GPUVendor::NVIDIA) {
    if (!tk.empty())
      return success();
    llvm::errs() << "moe-compile: no CUDA toolkit for " << chip.name
                 << " (expected a folder with bin/ptxas and "
                    "nvvm/libdevice/libdevice.10.bc: $CUDA_HOME, $CUDA_PATH, "
                    "the folder of ptxas on PATH, /usr/local/cuda or "
                    "/usr/local/cuda-*)\n";
    return failure();
  }
  SmallString<256> lld(tk);
  llvm::sys::path::append(lld, "llvm", "bin", "ld.lld");
  if (llvm::sys::fs::exists(lld))
    return success();
  llvm::errs() << "moe-compile: no ld.lld in the toolkit folder '" << tk
               << "' (expected " << lld << "; install lld-22 or pass "
               << "--toolkit=DIR)\n";
  return failure();
}

/// Creates folder `dir` and writes `bytes` to `dir`/`name`.
static LogicalResult writeFile(StringRef dir, StringRef name, StringRef bytes) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
    llvm::errs() << "moe-compile: cannot create '" << dir
                 << "': " << ec.message() << "\n";
    return failure();
  }
  SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec) {
    llvm::errs() << "moe-compile: cannot write '" << path
                 << "': " << ec.message() << "\n";
    return failure();
  }
  os << bytes;
  if (verbose)
    llvm::errs() << "moe-compile: wrote " << path << "\n";
  return success();
}

/// --target=gfx942|gfx950|sm_90: the kernels of the optimized program; the
/// assembly of --emit=isa goes to `isaStream`.
static LogicalResult compileKernels(ModuleOp module, const moe::ChipInfo &chip,
                                    raw_ostream *isaStream) {
  std::string tk = moe::kernelToolkit(chip, toolkitFolder());
  if (failed(checkToolkit(chip, tk)))
    return failure();
  if (verbose)
    llvm::errs() << "moe-compile: building and compiling kernels for "
                 << chip.name << "\n";
  std::vector<std::string> skipped;
  FailureOr<std::vector<moe::KernelObject>> objects =
      moe::compileKernels(module, chip, tk, kernelOptions(), skipped);
  if (failed(objects))
    return failure();
  if (!skipped.empty()) {
    std::map<std::string, int> counts;
    for (const std::string &op : skipped)
      ++counts[op];
    llvm::errs() << "moe-compile: note: no " << chip.name
                 << " kernel template yet for";
    for (auto [op, n] : counts)
      llvm::errs() << " " << op << " (" << n << ")";
    llvm::errs() << "; emitted the other " << objects->size() << " kernels\n";
  }
  if (emit == Emit::Hsaco) {
    std::string dir = outputFile.empty() ? "." : outputFile.getValue();
    for (const moe::KernelObject &object : *objects)
      if (failed(writeFile(
              dir, object.kernels.front() + "." + object.chip + ".hsaco",
              object.binary)))
        return failure();
  } else if (isaStream) {
    for (const moe::KernelObject &object : *objects)
      *isaStream << "// kernel " << object.kernels.front() << " for "
                 << object.chip << "\n"
                 << object.assembly << "\n";
  }
  if (stats) {
    llvm::outs() << llvm::formatv(
        "{0,-40} {1,6} {2,5} {3,5} {4,5} {5,6} {6,6} {7,7} {8,5} {9,5} {10,4} "
        "{11}\n",
        "kernel", "chip", "VGPR", "AGPR", "SGPR", "spills", "LDS", "scratch",
        "waves", "WG/CU", "MFMA", "shape");
    for (const moe::KernelObject &object : *objects) {
      for (const std::string &kernel : object.kernels) {
        std::string error;
        FailureOr<moe::KernelStats> s =
            moe::readKernelStats(object, kernel, error);
        if (failed(s)) {
          llvm::errs() << "moe-compile: " << kernel << ": " << error << "\n";
          return failure();
        }
        llvm::outs() << llvm::formatv(
            "{0,-40} {1,6} {2,5} {3,5} {4,5} {5,6} {6,6} {7,7} {8,5} {9,5} "
            "{10,4} {11}\n",
            s->name, object.chip, s->vgprs, s->agprs, s->sgprs,
            s->vgprSpills + s->sgprSpills, s->ldsBytes, s->scratchBytes,
            s->wavesPerSIMD, s->workgroupsPerCU, s->mfmaCount,
            s->mfmaShapes.empty() ? "-" : s->mfmaShapes);
      }
    }
  }
  return success();
}

/// `module` canonicalized, CSE'd and printed.
static FailureOr<std::string> tidyAndPrint(MLIRContext &context,
                                           ModuleOp module) {
  PassManager tidy(&context);
  tidy.addPass(createCanonicalizerPass());
  tidy.addPass(createCSEPass());
  if (failed(tidy.run(module)))
    return failure();
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  return text;
}

/// The IREE module of the outlined `program` (buildIREEModule), tidied and
/// printed.
static FailureOr<std::string>
printIREEModule(MLIRContext &context, ModuleOp program,
                ArrayRef<const moe::ChipInfo *> objects, StringRef suffix) {
  FailureOr<OwningOpRef<ModuleOp>> iree =
      moe::buildIREEModule(program, objects, suffix);
  if (failed(iree))
    return failure();
  return tidyAndPrint(context, **iree);
}

/// --emit=iree: the outlined program's host functions as an IREE module,
/// and its kernels' code objects with IREE's argument list, per chip. When
/// every chip plans the same launches, one set of functions names every
/// chip's code objects; otherwise each chip gets its own set, named with
/// the suffix _CHIP.
static LogicalResult
emitIREE(MLIRContext &context, ModuleOp module,
         function_ref<LogicalResult(ModuleOp, const moe::ChipInfo &)>
             optimizeAndPlan) {
  std::string dir = outputFile.empty() ? "." : outputFile.getValue();
  // The hal ops of the IREE module are not registered here.
  context.allowUnregisteredDialects(true);
  std::vector<OwningOpRef<ModuleOp>> programs;
  for (const moe::ChipInfo *chip : chips) {
    OwningOpRef<ModuleOp> copy(module.clone());
    if (failed(optimizeAndPlan(*copy, *chip)))
      return failure();
    // No moe runtime under IREE to report a route check to.
    moe::KernelOptions options = kernelOptions();
    options.routeChecks = false;
    PassManager outline(&context);
    moe::addGPUOutliningPasses(outline, *chip, options);
    outline.addPass(createCanonicalizerPass());
    if (failed(outline.run(*copy)))
      return failure();
    programs.push_back(std::move(copy));
  }
  std::vector<std::string> shared;
  for (OwningOpRef<ModuleOp> &program : programs) {
    FailureOr<std::string> text = printIREEModule(context, *program, chips, "");
    if (failed(text))
      return failure();
    shared.push_back(*text);
  }
  std::string text = shared.front();
  if (llvm::any_of(shared, [&](const std::string &t) { return t != text; })) {
    if (verbose)
      llvm::errs() << "moe-compile: the chips plan different launches: one "
                      "set of functions per chip (suffix _CHIP)\n";
    OwningOpRef<ModuleOp> merged = ModuleOp::create(module.getLoc());
    for (auto [chip, program] : llvm::zip(chips, programs)) {
      FailureOr<OwningOpRef<ModuleOp>> iree =
          moe::buildIREEModule(*program, {chip}, ("_" + chip->name).str());
      if (failed(iree))
        return failure();
      for (Operation &op : llvm::make_early_inc_range(*(*iree)->getBody()))
        op.moveBefore(merged->getBody(), merged->getBody()->end());
    }
    FailureOr<std::string> mergedText = tidyAndPrint(context, *merged);
    if (failed(mergedText))
      return failure();
    text = *mergedText;
  }
  for (auto [chip, program] : llvm::zip(chips, programs)) {
    std::string tk = moe::kernelToolkit(*chip, toolkitFolder());
    if (failed(checkToolkit(*chip, tk)))
      return failure();
    if (verbose)
      llvm::errs() << "moe-compile: compiling " << chip->name
                   << " kernels with IREE's argument list\n";
    PassManager kernels(&context);
    moe::addIREEKernelPasses(kernels, *chip, tk);
    if (failed(kernels.run(*program)))
      return failure();
    for (auto binary : program->getOps<gpu::BinaryOp>())
      if (failed(writeFile(
              dir, moe::ireeObjectPath(binary.getName(), chip->name),
              cast<gpu::ObjectAttr>(binary.getObjects()[0]).getObject())))
        return failure();
  }
  return writeFile(dir, "module.mlir", text);
}

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
  if (raiseLinalg) {
    if (verbose)
      llvm::errs() << "moe-compile: raising linalg MoE (moe-raise-linalg)\n";
    PassManager pm(&context);
    pm.addPass(moe::createMoERaiseLinalgPass());
    if (failed(pm.run(*module)))
      return failure();
  }
  // Tiles depend on the chip: each GPU target optimizes its own copy.
  auto optimize = [&](ModuleOp m, StringRef chip) {
    if (noOptimize)
      return success();
    if (verbose)
      llvm::errs() << "moe-compile: optimizing (moe-optimize) for " << chip
                   << "\n";
    PassManager pm(&context);
    // Route order runs row-dot GEMMs: not where other loads are forced.
    bool routeOrder = gemmLoads == moe::GemmLoads::Auto ||
                      gemmLoads == moe::GemmLoads::RowDot ||
                      gemmLoads == moe::GemmLoads::MMARowDot;
    moe::buildOptimizePipeline(pm,
                               {chip.str(), plannedTokens, epSize, maxTokens,
                                routeOrder, skipInterStageQuant, ocpToFnuz});
    return pm.run(m);
  };
  // GEMM plans, and token buckets whose kernels came out equal merged:
  // what the manifest lists.
  auto plan = [&](ModuleOp m, const moe::ChipInfo &chip) {
    PassManager pm(&context);
    moe::addKernelPlanningPasses(pm, chip, kernelOptions());
    return pm.run(m);
  };
  bool kernelsOnly = emit == Emit::Hsaco || emit == Emit::Isa;
  if (!chips.empty() && kernelsOnly) {
    std::unique_ptr<llvm::ToolOutputFile> isa;
    if (emit == Emit::Isa) {
      std::string error;
      isa = openOutputFile(outputFile.empty() ? "-" : outputFile.getValue(),
                           &error);
      if (!isa) {
        llvm::errs() << "moe-compile: " << error << "\n";
        return failure();
      }
    }
    for (const moe::ChipInfo *chip : chips) {
      OwningOpRef<ModuleOp> copy(module->clone());
      if (failed(optimize(*copy, chip->name)) || failed(plan(*copy, *chip)) ||
          failed(compileKernels(*copy, *chip, isa ? &isa->os() : nullptr)))
        return failure();
    }
    if (isa)
      isa->keep();
    return success();
  }

  if (emit == Emit::IREE)
    return emitIREE(context, *module,
                    [&](ModuleOp m, const moe::ChipInfo &chip) {
                      return success(succeeded(optimize(m, chip.name)) &&
                                     succeeded(plan(m, chip)));
                    });

  const moe::ChipInfo *gpu = chips.empty() ? nullptr : chips.front();
  StringRef gpuChip = gpu ? gpu->name : StringRef();
  if (failed(optimize(*module, gpu ? gpuChip : StringRef(target))) ||
      (gpu && failed(plan(*module, *gpu))))
    return failure();
  // The signature after optimization (pruning changes it) is the ABI.
  FailureOr<std::vector<moe::ManifestEntry>> entries =
      moe::collectManifest(*module);
  if (failed(entries))
    return failure();

  if (verbose)
    llvm::errs() << "moe-compile: lowering for " << target << "\n";
  PassManager pm(&context);
  if (gpu) {
    std::string tk = moe::kernelToolkit(*gpu, toolkitFolder());
    if (failed(checkToolkit(*gpu, tk)))
      return failure();
    moe::addGPUHostLoweringPasses(pm, *gpu, tk, kernelOptions());
  } else {
    moe::buildCPUReferencePipeline(pm);
  }
  if (failed(pm.run(*module)))
    return failure();

  if (emit == Emit::Lib)
    return moe::emitHostLibrary(*module, *entries, outputFile,
                                verbose ? &llvm::errs() : nullptr, gpuChip);
  std::unique_ptr<llvm::ToolOutputFile> output =
      openOutputFile(outputFile.empty() ? "-" : outputFile.getValue(), &error);
  if (!output) {
    llvm::errs() << "moe-compile: " << error << "\n";
    return failure();
  }
  if (emit == Emit::MLIR)
    module->print(output->os());
  else if (failed(
               moe::printHostLLVMIR(*module, *entries, output->os(), gpuChip)))
    return failure();
  output->keep();
  return success();
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  SmallVector<char *> args;
  for (int i = 0; i < argc; ++i) {
    StringRef arg = argv[i];
    if (i > 0 && (arg == "--stats" || arg == "-stats"))
      stats = true;
    else
      args.push_back(argv[i]);
  }
  argc = static_cast<int>(args.size());
  argv = args.data();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "moe-compile: compile a moe program (MLIR with moe, func, linalg, "
      "tensor, arith, math ops) for a target\n\n"
      "  moe-compile layer.mlir --target=cpu -o layer.so\n\n"
      "The library exports every public func.func through the MLIR C "
      "interface (_mlir_ciface_NAME), a packed entry _moe_packed_NAME(void**) "
      "and the manifest text moe_manifest; moe-run loads it.\n\n"
      "  moe-compile layer.mlir --target=gfx942 --emit=hsaco -o DIR --stats\n\n"
      "writes one code object per kernel (KERNEL.CHIP.hsaco); --stats prints "
      "per kernel VGPRs, AGPRs, SGPRs, spills, LDS and scratch bytes, "
      "occupancy (waves per SIMD and workgroups per CU), the MFMA instruction "
      "count and the MFMA shapes (MxNxK).\n");

  if (target != "cpu") {
    SmallVector<StringRef> names;
    StringRef(target).split(names, ',');
    for (StringRef name : names) {
      const moe::ChipInfo *chip = moe::lookupChip(name);
      if (!chip) {
        llvm::errs() << "moe-compile: unsupported --target='" << name
                     << "'; expected one of: cpu, gfx942, gfx950, sm_90 (or "
                        "a comma-separated list of GPU targets)\n";
        return 1;
      }
      chips.push_back(chip);
    }
  }
  bool gpu = !chips.empty();
  if (!gpu && (emit == Emit::Hsaco || emit == Emit::Isa)) {
    llvm::errs() << "moe-compile: --emit=hsaco and --emit=isa write GPU "
                    "kernels; use them with --target=gfx942, gfx950 or "
                    "sm_90\n";
    return 1;
  }
  if (chips.size() > 1 && emit != Emit::Hsaco && emit != Emit::Isa &&
      emit != Emit::IREE) {
    llvm::errs() << "moe-compile: --emit=lib, mlir and llvm build one GPU "
                    "target at a time; got --target="
                 << target << "\n";
    return 1;
  }
  bool nvidia = llvm::any_of(chips, [](const moe::ChipInfo *chip) {
    return chip->vendor == moe::GPUVendor::NVIDIA;
  });
  if (emit == Emit::IREE && (!gpu || nvidia)) {
    llvm::errs() << "moe-compile: --emit=iree writes ROCm code objects; use "
                    "it with --target=gfx942, gfx950 or both (for sm_90, "
                    "--kernel-abi=iree --emit=lib builds the same kernels)\n";
    return 1;
  }
  if (stats && (!gpu || nvidia)) {
    llvm::errs() << "moe-compile: --stats reads AMDGPU code objects; use it "
                    "with --target=gfx942 or gfx950\n";
    return 1;
  }
  if (emit == Emit::Hsaco && nvidia) {
    llvm::errs() << "moe-compile: --emit=hsaco writes AMDGPU code objects; "
                    "for sm_90 use --emit=isa (PTX) or --emit=lib\n";
    return 1;
  }
  if (kernelABI == KernelABI::IREE &&
      (!gpu || emit == Emit::Hsaco || emit == Emit::Isa)) {
    llvm::errs() << "moe-compile: --kernel-abi=iree changes the kernels of a "
                    "GPU program; use it with a GPU --target and --emit=lib, "
                    "mlir or llvm\n";
    return 1;
  }
  if (epSize < 1) {
    llvm::errs() << "moe-compile: expected --ep-size >= 1, got " << epSize
                 << "\n";
    return 1;
  }
  if (!parseTokens()) {
    llvm::errs() << "moe-compile: expected --tokens=N or --tokens=A..B with "
                    "1 <= A <= B, got '"
                 << tokens << "'\n";
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
