//===- elf_manifest.cpp - fuzz reading a library's manifest from its ELF --===//
//
// Reads the manifest of an input ELF file with readManifestFromFile and
// parses it, as moe-run does before it loads a library.
//
//===----------------------------------------------------------------------===//

#include "moe/runtime/Manifest.h"

#include <cstdint>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // readManifestFromFile takes a path: an in-memory file keeps the disk out.
  static int fd = memfd_create("fuzz.so", 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != ssize_t(size))
    return 0;
  std::string text, error, target;
  if (!moe::runtime::readManifestFromFile(path, text, error))
    return 0;
  std::vector<moe::runtime::EntrySpec> entries;
  std::vector<std::string> checks;
  (void)moe::runtime::parseManifest(text, entries, checks, target, error);
  return 0;
}
