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

/// Quantized types (fp8 E4M3 OCP/FNUZ, E8M0 scales, fp4 E2M1) hold one
/// element per byte in host tensors and in CPU libraries (fp4 in the low
/// nibble); .npy files carry their raw codes as uint8, fp4 packed two per
/// byte (the element of even index in the low nibble).
enum class DType {
  BF16,
  F16,
  F32,
  I32,
  I64,
  Index,
  F8E4M3FN,
  F8E4M3FNUZ,
  F8E8M0FNU,
  F4E2M1FN
};

/// Parses "bf16", "f16", "f32", "i32", "i64", "index", "f8e4m3fn",
/// "f8e4m3fnuz", "f8e8m0fnu", "f4e2m1fn"; false if unknown.
bool parseDType(const std::string &name, DType &dtype);
const char *dtypeName(DType dtype);
size_t dtypeSize(DType dtype);
bool isFloat(DType dtype);
/// fp8, E8M0 or fp4: stored as raw codes.
bool isQuantized(DType dtype);
/// The value of quantized `code` (NaN codes give NaN).
double decodeQuantized(DType dtype, uint8_t code);

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
  /// Element i widened to double (for checksums and f32 output); a
  /// quantized element's value.
  double at(int64_t i) const;
  /// Stores `value` at element i, rounded to the dtype; for quantized
  /// dtypes `value` is the raw code (0..255).
  void set(int64_t i, double value);
};

/// "[16, 4096]".
std::string formatShape(const std::vector<int64_t> &shape);

} // namespace moe::runtime

#endif // MOE_RUNTIME_TENSOR_H
