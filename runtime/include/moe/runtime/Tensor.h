//===- Tensor.h - host tensors and element types of the runtime -*- C++ -*-===//
//
// Element types the runtime passes to compiled programs, and a host tensor.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_RUNTIME_TENSOR_H
#define MOE_RUNTIME_TENSOR_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace moe::runtime {

enum class DType { BF16, F16, F32, I32, I64, Index };

/// Parses "bf16", "f16", "f32", "i32", "i64", "index"; false if unknown.
bool parseDType(const std::string &name, DType &dtype);
const char *dtypeName(DType dtype);
size_t dtypeSize(DType dtype);
bool isFloat(DType dtype);

/// IEEE conversions; to bf16 and f16 round to nearest even.
uint16_t floatToBF16(float value);
float bf16ToFloat(uint16_t bits);
uint16_t floatToF16(float value);
float f16ToFloat(uint16_t bits);

/// A dense row-major tensor in host memory.
struct HostTensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;

  int64_t numElements() const;
  /// Sizes `bytes` for `shape` and zeroes them. Fails with a message when
  /// the byte count overflows 64 bits, exceeds this machine's physical
  /// memory or cannot be allocated.
  bool allocate(std::string &error);
  /// Element i widened to double (for checksums and f32 output).
  double at(int64_t i) const;
  /// Stores `value` at element i, rounded to the dtype.
  void set(int64_t i, double value);
};

/// "[16, 4096]".
std::string formatShape(const std::vector<int64_t> &shape);

} // namespace moe::runtime

#endif // MOE_RUNTIME_TENSOR_H
