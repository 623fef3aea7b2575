//===- Npy.cpp - NumPy .npy files -----------------------------------------===//
//
// Parses the .npy header dictionary and moves the raw data in and out.
//
//===----------------------------------------------------------------------===//

#include "moe/runtime/Npy.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

using namespace moe::runtime;

size_t moe::runtime::npyElementSize(const std::string &descr) {
  if (descr == "<f4" || descr == "<i4")
    return 4;
  if (descr == "<f8" || descr == "<i8")
    return 8;
  if (descr == "|u1")
    return 1;
  return 0;
}

namespace {
struct FileCloser {
  void operator()(FILE *f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

/// The quoted value of `key` in the header dict, e.g. 'descr': '<f4'.
bool headerString(const std::string &header, const std::string &key,
                  std::string &value) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return false;
  size_t open = header.find('\'', header.find(':', at) + 1);
  size_t close = open == std::string::npos ? open : header.find('\'', open + 1);
  if (close == std::string::npos)
    return false;
  value = header.substr(open + 1, close - open - 1);
  return true;
}
} // namespace

bool moe::runtime::readNpy(const std::string &path, NpyArray &array,
                           std::string &error) {
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return false;
  }
  unsigned char magic[8];
  if (std::fread(magic, 1, 8, file.get()) != 8 ||
      std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    error = "'" + path + "' is not a .npy file (bad magic)";
    return false;
  }
  // Header and data lengths come from the file: they are checked against
  // its size before anything is allocated for them.
  uint64_t fileSize = 0;
  if (std::fseek(file.get(), 0, SEEK_END) != 0 ||
      (fileSize = static_cast<uint64_t>(std::ftell(file.get()))) < 8 ||
      std::fseek(file.get(), 8, SEEK_SET) != 0) {
    error = "cannot measure '" + path + "': " + std::strerror(errno);
    return false;
  }
  uint32_t headerLen = 0;
  unsigned char lenBytes[4] = {0, 0, 0, 0};
  size_t lenSize = magic[6] == 1 ? 2 : 4;
  if (magic[6] < 1 || magic[6] > 3 ||
      std::fread(lenBytes, 1, lenSize, file.get()) != lenSize) {
    error = "'" + path + "': unsupported .npy version " +
            std::to_string(magic[6]);
    return false;
  }
  for (size_t i = 0; i < lenSize; ++i)
    headerLen |= static_cast<uint32_t>(lenBytes[i]) << (8 * i);
  uint64_t headerEnd = 8 + lenSize + uint64_t(headerLen);
  if (headerEnd > fileSize) {
    error = "'" + path + "': truncated header (expected " +
            std::to_string(headerLen) + " bytes, found " +
            std::to_string(fileSize - 8 - lenSize) + ")";
    return false;
  }
  std::string header(headerLen, '\0');
  if (std::fread(&header[0], 1, headerLen, file.get()) != headerLen) {
    error = "'" + path + "': truncated header";
    return false;
  }
  if (!headerString(header, "descr", array.descr)) {
    error = "'" + path + "': header has no 'descr'";
    return false;
  }
  if (header.find("'fortran_order': True") != std::string::npos) {
    error = "'" + path + "': Fortran-ordered arrays are not supported; save a "
            "C-ordered copy (numpy.ascontiguousarray)";
    return false;
  }
  size_t shapeAt = header.find("'shape'");
  size_t open = header.find('(', shapeAt);
  size_t close = header.find(')', open);
  if (shapeAt == std::string::npos || open == std::string::npos ||
      close == std::string::npos) {
    error = "'" + path + "': header has no 'shape'";
    return false;
  }
  array.shape.clear();
  std::string dims = header.substr(open + 1, close - open - 1);
  for (size_t pos = 0; pos < dims.size();) {
    size_t next = dims.find(',', pos);
    std::string item = dims.substr(pos, next == std::string::npos
                                            ? std::string::npos
                                            : next - pos);
    if (item.find_first_not_of(" ") != std::string::npos)
      array.shape.push_back(std::strtoll(item.c_str(), nullptr, 10));
    if (next == std::string::npos)
      break;
    pos = next + 1;
  }
  size_t elementSize = npyElementSize(array.descr);
  if (!elementSize) {
    error = "'" + path + "': unsupported dtype '" + array.descr +
            "'; expected float32 (<f4), int32 (<i4), int64 (<i8), "
            "float64 (<f8) or uint8 (|u1)";
    return false;
  }
  // Sizes come from the file: reject negative ones and products that do
  // not fit (more than 2^40 bytes is no input this runtime can hold).
  uint64_t count = 1;
  for (int64_t d : array.shape) {
    if (d < 0 || (d > 0 && count > (uint64_t(1) << 40) / uint64_t(d))) {
      error = "'" + path + "': bad or too large shape in the header";
      return false;
    }
    count *= static_cast<uint64_t>(d);
  }
  if (count * elementSize > (uint64_t(1) << 40)) {
    error = "'" + path + "': bad or too large shape in the header";
    return false;
  }
  if (count * elementSize > fileSize - headerEnd) {
    error = "'" + path + "': truncated data (expected " +
            std::to_string(count * elementSize) + " bytes, found " +
            std::to_string(fileSize - headerEnd) + ")";
    return false;
  }
  array.data.resize(count * elementSize);
  if (std::fread(array.data.data(), 1, array.data.size(), file.get()) !=
      array.data.size()) {
    error = "'" + path + "': truncated data (expected " +
            std::to_string(array.data.size()) + " bytes)";
    return false;
  }
  return true;
}

bool moe::runtime::writeNpy(const std::string &path, const NpyArray &array,
                            std::string &error) {
  std::string shape = "(";
  for (int64_t d : array.shape)
    shape += std::to_string(d) + ", ";
  if (array.shape.size() > 1)
    shape.resize(shape.size() - 2);
  else if (array.shape.size() == 1)
    shape.resize(shape.size() - 1); // keep the trailing comma of (n,)
  shape += ")";
  std::string header = "{'descr': '" + array.descr +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  File file(std::fopen(path.c_str(), "wb"));
  if (!file) {
    error = "cannot write '" + path + "': " + std::strerror(errno);
    return false;
  }
  unsigned char prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                              static_cast<unsigned char>(header.size() & 0xFF),
                              static_cast<unsigned char>(header.size() >> 8)};
  if (std::fwrite(prefix, 1, 10, file.get()) != 10 ||
      std::fwrite(header.data(), 1, header.size(), file.get()) !=
          header.size() ||
      std::fwrite(array.data.data(), 1, array.data.size(), file.get()) !=
          array.data.size()) {
    error = "cannot write '" + path + "': " + std::strerror(errno);
    return false;
  }
  return true;
}
