//===- parse_verify.cpp - fuzz the parser and verifiers -------------------===//
//
// Parses and verifies an input, then checks that what it prints parses again.
//
//===----------------------------------------------------------------------===//

#include "FuzzMLIR.h"

#include "llvm/Support/raw_ostream.h"

#include <cstdio>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  moe::fuzz::Session session;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      moe::fuzz::parse(data, size, session);
  if (!module)
    return 0;
  if (!moe::fuzz::isMoEProgram(*module))
    return -1; // not kept in the corpus
  // A valid moe program prints, in the custom and the generic form, as
  // text that parses back: a printer/parser mismatch is a bug.
  for (bool generic : {false, true}) {
    std::string text;
    llvm::raw_string_ostream os(text);
    mlir::OpPrintingFlags flags;
    if (generic)
      flags.printGenericOpForm();
    module->print(os, flags);
    if (!moe::fuzz::parseText(text, session.context)) {
      std::fprintf(stderr, "printed %s form does not parse again:\n%s\n",
                   generic ? "generic" : "custom", text.c_str());
      std::abort();
    }
  }
  return 0;
}
