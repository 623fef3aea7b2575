//===- npy.cpp - fuzz the runtime's .npy reader ---------------------------===//
//
// Reads an input as a .npy file with moe::runtime::readNpy.
//
//===----------------------------------------------------------------------===//

#include "moe/runtime/Npy.h"

#include <cstdint>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // readNpy takes a path: an in-memory file keeps the disk out of it.
  static int fd = memfd_create("fuzz.npy", 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != ssize_t(size))
    return 0;
  moe::runtime::NpyArray array;
  std::string error;
  if (moe::runtime::readNpy(path, array, error)) {
    // A read array holds exactly its elements.
    size_t elements = 1;
    for (int64_t d : array.shape)
      elements *= size_t(d);
    size_t bytes = moe::runtime::npyElementSize(array.descr);
    if (bytes && array.data.size() != elements * bytes)
      __builtin_trap();
  }
  return 0;
}
