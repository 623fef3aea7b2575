//===- HostLibrary.cpp - shared libraries for the host CPU ----------------===//
//
// Turns an LLVM-dialect module into a loadable .so with a manifest and packed entries.
//
//===----------------------------------------------------------------------===//

#include "moe/Target/CPU.h"

#include "moe/Conversion/SizeChecks.h"
#include "moe/Dialect/MoE/MoE.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace mlir::moe;

/// A TargetMachine for the CPU this compiler runs on (a CPU library is built
/// and run on the same machine) or, with `portable`, for any CPU of the
/// host's architecture; position independent for a shared library.
static FailureOr<std::unique_ptr<llvm::TargetMachine>>
createHostTargetMachine(ModuleOp module, bool portable) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return module.emitError() << "no LLVM target for the host triple '"
                              << triple.str() << "': " << error;
  std::string features, cpu = "generic";
  if (!portable) {
    cpu = llvm::sys::getHostCPUName().str();
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features += (features.empty() ? "" : ",") +
                  std::string(feature.second ? "+" : "-") +
                  feature.first().str();
  }
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(),
      llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return module.emitError() << "cannot create a target machine for '"
                              << triple.str() << "'";
  return machine;
}

/// Adds `void _moe_packed_NAME(void **slots)`: slot 0 points at the results
/// (when there are any), then one slot per argument: a memref descriptor,
/// or a pointer to a scalar; the last slot points at the caller's status,
/// kCheckStateWords int64 values (or is null). It clears the thread's check
/// state, calls `_mlir_ciface_NAME` (and takes the checks its kernels
/// recorded) and copies the state into the status.
static LogicalResult addPackedWrapper(ModuleOp module, llvm::Module &llvmModule,
                                      const ManifestEntry &entry) {
  llvm::Function *ciface =
      llvmModule.getFunction("_mlir_ciface_" + entry.name);
  if (!ciface)
    return module.emitError() << "no C interface was generated for entry '"
                              << entry.name << "'";
  llvm::LLVMContext &ctx = llvmModule.getContext();
  auto *ptrType = llvm::PointerType::getUnqual(ctx);
  auto *i64Type = llvm::Type::getInt64Ty(ctx);
  auto *fnType =
      llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptrType}, false);
  auto *wrapper = llvm::Function::Create(fnType, llvm::Function::ExternalLinkage,
                                         "_moe_packed_" + entry.name, llvmModule);
  auto *body = llvm::BasicBlock::Create(ctx, "entry", wrapper);
  auto *report = llvm::BasicBlock::Create(ctx, "report", wrapper);
  auto *done = llvm::BasicBlock::Create(ctx, "done", wrapper);
  llvm::IRBuilder<> b(body);
  auto slotAt = [&](unsigned i) {
    return b.CreateLoad(ptrType,
                        b.CreateConstGEP1_64(ptrType, wrapper->getArg(0), i));
  };
  llvm::GlobalVariable *state =
      llvmModule.getGlobalVariable(kCheckStateSymbol, /*AllowInternal=*/true);
  auto stateWord = [&](unsigned i) -> llvm::Value * {
    return b.CreateConstGEP1_64(i64Type, b.CreateThreadLocalAddress(state), i);
  };
  if (state)
    for (unsigned i = 0; i < kCheckStateWords; ++i)
      b.CreateStore(b.getInt64(0), stateWord(i));
  // A GPU library whose kernels record route checks (in host words the
  // runtime maps for the device) takes them into the state after the call:
  // moe_device_take_checks(state) copies them unless a host check failed
  // first, and clears them (a null state only clears them).
  llvm::FunctionCallee takeChecks;
  if (state && llvmModule.getFunction("moe_device_check_block")) {
    takeChecks = llvmModule.getOrInsertFunction(
        "moe_device_take_checks",
        llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptrType}, false));
    b.CreateCall(takeChecks, {llvm::ConstantPointerNull::get(ptrType)});
  }
  SmallVector<llvm::Value *> args;
  for (unsigned i = 0; i < ciface->arg_size(); ++i) {
    llvm::Value *slot = slotAt(i);
    llvm::Type *paramType = ciface->getArg(i)->getType();
    args.push_back(paramType->isPointerTy() ? slot
                                            : b.CreateLoad(paramType, slot));
  }
  b.CreateCall(ciface, args);
  if (takeChecks)
    b.CreateCall(takeChecks, {stateWord(0)});
  llvm::Value *status = slotAt(ciface->arg_size());
  b.CreateCondBr(b.CreateIsNull(status), done, report);
  b.SetInsertPoint(report);
  for (unsigned i = 0; i < kCheckStateWords; ++i)
    b.CreateStore(
        state ? static_cast<llvm::Value *>(b.CreateLoad(i64Type, stateWord(i)))
              : b.getInt64(0),
        b.CreateConstGEP1_64(i64Type, status, i));
  b.CreateBr(done);
  b.SetInsertPoint(done);
  b.CreateRetVoid();
  return success();
}

/// The host LLVM module: translation, manifest, packed entries, O3.
static FailureOr<std::unique_ptr<llvm::Module>>
buildHostModule(ModuleOp module, const std::vector<ManifestEntry> &entries,
                llvm::LLVMContext &ctx, llvm::TargetMachine &machine,
                StringRef gpuChip) {
  // The run-time size checks (of the CPU lowering or the GPU launches) become
  // "check ID MESSAGE" lines of the manifest; the attribute itself means
  // nothing to LLVM.
  std::string text = serializeManifest(entries);
  if (!gpuChip.empty())
    text += "target " + gpuChip.str() + "\n";
  StringRef checksName = MoEDialect::getCheckMessagesAttrName();
  if (auto checks = module->getAttrOfType<ArrayAttr>(checksName)) {
    for (auto [id, message] : llvm::enumerate(checks)) {
      std::string line = cast<StringAttr>(message).getValue().str();
      llvm::replace(line, '\n', ' ');
      text += "check " + std::to_string(id) + " " + line + "\n";
    }
    module->removeAttr(checksName);
  }
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, ctx, "moe_program");
  if (!llvmModule)
    return module.emitError() << "translation to LLVM IR failed";
  llvmModule->setTargetTriple(machine.getTargetTriple());
  llvmModule->setDataLayout(machine.createDataLayout());

  // One check state per thread, so that calls on several threads at once
  // each report their own checks (addPackedWrapper).
  if (llvm::GlobalVariable *state = llvmModule->getGlobalVariable(
          kCheckStateSymbol, /*AllowInternal=*/true)) {
    state->setThreadLocal(true);
    state->setLinkage(llvm::GlobalValue::InternalLinkage);
  }
  auto *init = llvm::ConstantDataArray::getString(ctx, text, /*AddNull=*/true);
  new llvm::GlobalVariable(*llvmModule, init->getType(), /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, init,
                           "moe_manifest");
  for (const ManifestEntry &entry : entries)
    if (failed(addPackedWrapper(module, *llvmModule, entry)))
      return failure();
  auto optimize = makeOptimizingTransformer(3, 0, &machine);
  if (llvm::Error err = optimize(llvmModule.get()))
    return module.emitError() << "LLVM optimization failed: "
                              << llvm::toString(std::move(err));
  return llvmModule;
}

LogicalResult
mlir::moe::printHostLLVMIR(ModuleOp module,
                           const std::vector<ManifestEntry> &entries,
                           raw_ostream &os, StringRef gpuChip) {
  FailureOr<std::unique_ptr<llvm::TargetMachine>> machine =
      createHostTargetMachine(module, !gpuChip.empty());
  if (failed(machine))
    return failure();
  llvm::LLVMContext ctx;
  FailureOr<std::unique_ptr<llvm::Module>> llvmModule =
      buildHostModule(module, entries, ctx, **machine, gpuChip);
  if (failed(llvmModule))
    return failure();
  (*llvmModule)->print(os, nullptr);
  return success();
}

/// The C compiler driver used to link: $CC, else cc, gcc or clang-22.
static std::string findLinkerDriver() {
  if (const char *cc = std::getenv("CC"))
    if (auto path = llvm::sys::findProgramByName(cc))
      return *path;
  for (StringRef name : {"cc", "gcc", "clang-22", "clang"})
    if (auto path = llvm::sys::findProgramByName(name))
      return *path;
  return "";
}

LogicalResult
mlir::moe::emitHostLibrary(ModuleOp module,
                           const std::vector<ManifestEntry> &entries,
                           StringRef outputPath, raw_ostream *progress,
                           StringRef gpuChip) {
  FailureOr<std::unique_ptr<llvm::TargetMachine>> machine =
      createHostTargetMachine(module, !gpuChip.empty());
  if (failed(machine))
    return failure();
  llvm::LLVMContext ctx;
  if (progress)
    *progress << "moe-compile: translating to LLVM IR and optimizing (O3) for "
              << (*machine)->getTargetCPU() << "\n";
  FailureOr<std::unique_ptr<llvm::Module>> llvmModule =
      buildHostModule(module, entries, ctx, **machine, gpuChip);
  if (failed(llvmModule))
    return failure();

  SmallString<128> objectPath;
  int fd;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("moe-program", "o", fd, objectPath))
    return module.emitError() << "cannot create a temporary object file: "
                              << ec.message();
  llvm::FileRemover removeObject(objectPath);
  {
    llvm::raw_fd_ostream objectStream(fd, /*shouldClose=*/true);
    llvm::legacy::PassManager codegen;
    if ((*machine)->addPassesToEmitFile(codegen, objectStream, nullptr,
                                        llvm::CodeGenFileType::ObjectFile))
      return module.emitError() << "the host target cannot emit object files";
    if (progress)
      *progress << "moe-compile: generating machine code\n";
    codegen.run(**llvmModule);
  }

  std::string driver = findLinkerDriver();
  if (driver.empty())
    return module.emitError()
           << "no C compiler driver (cc, gcc, clang-22) found to link the "
              "shared library; install one or set CC";
  std::string out = outputPath.str(), obj = objectPath.str().str();
  SmallVector<StringRef> args = {driver, "-shared", "-o", out, obj, "-lm"};
  // The bf16 conversion routines LLVM may call (see CMakeLists.txt).
  if (llvm::sys::fs::exists(MOE_COMPILER_RT_BUILTINS))
    args.push_back(MOE_COMPILER_RT_BUILTINS);
  if (progress)
    *progress << "moe-compile: linking " << out << " with " << driver << "\n";
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(driver, args, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0)
    return module.emitError() << "linking '" << out << "' with '" << driver
                              << "' failed (exit code " << rc << ")"
                              << (message.empty() ? "" : ": ") << message;
  return success();
}
