//===- Npy.h - NumPy .npy files ---------------------------------*- C++ -*-===//
//
// Reads and writes little-endian, C-ordered .npy files (format 1.0-3.0).
//
//===----------------------------------------------------------------------===//

#ifndef MOE_RUNTIME_NPY_H
#define MOE_RUNTIME_NPY_H

#include <cstdint>
#include <string>
#include <vector>

namespace moe::runtime {

struct NpyArray {
  std::string descr; ///< NumPy dtype string, e.g. "<f4", "<i4", "<i8".
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;
};

/// Reads `path`; on failure returns false and says why in `error`.
bool readNpy(const std::string &path, NpyArray &array, std::string &error);

/// Writes a format 1.0 file.
bool writeNpy(const std::string &path, const NpyArray &array,
              std::string &error);

/// The element size of a supported descr ("<f4", "<i4", "<i8", "<f8"), or 0.
size_t npyElementSize(const std::string &descr);

} // namespace moe::runtime

#endif // MOE_RUNTIME_NPY_H
