//===- FuzzMLIR.h - shared set-up of the MLIR fuzz targets ------*- C++ -*-===//
//
// Parses a fuzz input as a moe program with every diagnostic swallowed.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_TEST_FUZZ_FUZZMLIR_H
#define MOE_TEST_FUZZ_FUZZMLIR_H

#include "moe/Registration.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/StringSet.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

namespace moe::fuzz {

/// The registry of moe-opt, built once.
inline const mlir::DialectRegistry &registry() {
  static mlir::DialectRegistry *r = [] {
    auto *r = new mlir::DialectRegistry;
    mlir::moe::registerMoEAndUpstreamDialects(*r);
    return r;
  }();
  return *r;
}

/// Inputs one context serves before a fresh one replaces it.
/// A fresh context per input runs at 1/18 the speed (parse-verify: 1,800
/// against 32,000 inputs/s; optimize: 900 against 11,700), most of it in
/// loading dialects, while an input's module is gone before the next one
/// is parsed: what inputs share is only uniqued attributes and types and
/// loaded dialects, and a new context every 1,000 inputs bounds its memory.
/// MOE_FUZZ_FRESH_CONTEXT=1 gives each input its own (to check that a crash
/// needs no earlier input; a single reproducer always gets a fresh one).
inline constexpr unsigned kInputsPerContext = 1000;

/// The context of one input: single-threaded (deterministic; thread pools
/// cost more than they save on small programs), no op dumps or stack traces
/// on diagnostics, and a handler that swallows every diagnostic.
struct Session {
  Session()
      : context(next()),
        handler(&context, [](mlir::Diagnostic &) { return mlir::success(); }) {}
  mlir::MLIRContext &context;
  mlir::ScopedDiagnosticHandler handler;
  std::string text; ///< the input, NUL-terminated (see parse)

private:
  static mlir::MLIRContext &next() {
    static std::unique_ptr<mlir::MLIRContext> current;
    static unsigned served = 0;
    static const bool fresh = std::getenv("MOE_FUZZ_FRESH_CONTEXT") != nullptr;
    if (!current || fresh || ++served >= kInputsPerContext) {
      served = 0;
      current.reset(); // before its replacement: at most one is alive
      current = std::make_unique<mlir::MLIRContext>(
          registry(), mlir::MLIRContext::Threading::DISABLED);
      current->printOpOnDiagnostic(false);
      current->printStackTraceOnDiagnostic(false);
    }
    return *current;
  }
};

/// Whether every op of `module` is of a dialect the moe pipelines take as
/// input (the ops of examples/ and test/). Other upstream ops would mostly
/// find crashes in upstream passes, which are not ours to fix.
inline bool isMoEProgram(mlir::ModuleOp module) {
  static const llvm::StringSet<> dialects = {
      "builtin", "func", "moe", "arith", "tensor", "linalg", "math"};
  return !module
              .walk([&](mlir::Operation *op) {
                return dialects.contains(op->getName().getDialectNamespace())
                           ? mlir::WalkResult::advance()
                           : mlir::WalkResult::interrupt();
              })
              .wasInterrupted();
}

/// Upstream MLIR 22 ops whose parsers crash on malformed text (mlir-opt
/// too): inputs that name them are skipped, or the fuzzer would find only
/// these. linalg.transpose: `permutation = [1,: 0]` dereferences a null
/// attribute in TransposeOp::parse (SEGV).
inline bool namesCrashingUpstreamParser(llvm::StringRef text) {
  return text.contains("linalg.transpose");
}

/// Parses and verifies `text` as a module; null on any error.
inline mlir::OwningOpRef<mlir::ModuleOp> parseText(const std::string &text,
                                                   mlir::MLIRContext &context) {
  if (namesCrashingUpstreamParser(text))
    return nullptr;
  return mlir::parseSourceString<mlir::ModuleOp>(text, &context, "fuzz-input");
}

/// Parses and verifies `data` as a module; null on any error.
inline mlir::OwningOpRef<mlir::ModuleOp> parse(const uint8_t *data, size_t size,
                                               Session &session) {
  // MLIR's lexer reads a NUL past the end of its buffer (files come in
  // NUL-terminated MemoryBuffers); libFuzzer's data has none.
  session.text.assign(reinterpret_cast<const char *>(data), size);
  return parseText(session.text, session.context);
}

/// parse() of a program of the moe pipelines' input dialects
/// (isMoEProgram); null otherwise, which the pass targets skip.
inline mlir::OwningOpRef<mlir::ModuleOp>
parseMoEProgram(const uint8_t *data, size_t size, Session &session) {
  mlir::OwningOpRef<mlir::ModuleOp> module = parse(data, size, session);
  if (!module || !isMoEProgram(*module))
    return nullptr;
  return module;
}

} // namespace moe::fuzz

#endif // MOE_TEST_FUZZ_FUZZMLIR_H
