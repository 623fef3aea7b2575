//===- Tensor.cpp - host tensors and element types of the runtime ---------===//
//
// Implements dtype names, bf16/f16 conversions and element access.
//
//===----------------------------------------------------------------------===//

#include "moe/runtime/Tensor.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <new>
#include <unistd.h>

using namespace moe::runtime;

bool moe::runtime::parseDType(const std::string &name, DType &dtype) {
  static const struct {
    const char *name;
    DType dtype;
  } table[] = {{"bf16", DType::BF16},
               {"f16", DType::F16},
               {"f32", DType::F32},
               {"i32", DType::I32},
               {"i64", DType::I64},
               {"index", DType::Index},
               {"f8e4m3fn", DType::F8E4M3FN},
               {"f8e4m3fnuz", DType::F8E4M3FNUZ},
               {"f8e8m0fnu", DType::F8E8M0FNU},
               {"f4e2m1fn", DType::F4E2M1FN}};
  for (const auto &entry : table)
    if (name == entry.name) {
      dtype = entry.dtype;
      return true;
    }
  return false;
}

const char *moe::runtime::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::BF16: return "bf16";
  case DType::F16: return "f16";
  case DType::F32: return "f32";
  case DType::I32: return "i32";
  case DType::I64: return "i64";
  case DType::Index: return "index";
  case DType::F8E4M3FN:
    return "f8e4m3fn";
  case DType::F8E4M3FNUZ:
    return "f8e4m3fnuz";
  case DType::F8E8M0FNU:
    return "f8e8m0fnu";
  case DType::F4E2M1FN:
    return "f4e2m1fn";
  }
  return "?";
}

size_t moe::runtime::dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::BF16:
  case DType::F16: return 2;
  case DType::F32:
  case DType::I32: return 4;
  case DType::I64:
  case DType::Index: return 8;
  case DType::F8E4M3FN:
  case DType::F8E4M3FNUZ:
  case DType::F8E8M0FNU:
  case DType::F4E2M1FN:
    return 1;
  }
  return 0;
}

bool moe::runtime::isFloat(DType dtype) {
  return dtype == DType::BF16 || dtype == DType::F16 || dtype == DType::F32;
}

bool moe::runtime::isQuantized(DType dtype) {
  return dtype == DType::F8E4M3FN || dtype == DType::F8E4M3FNUZ ||
         dtype == DType::F8E8M0FNU || dtype == DType::F4E2M1FN;
}

double moe::runtime::decodeQuantized(DType dtype, uint8_t code) {
  if (dtype == DType::F8E8M0FNU)
    return code == 0xFF ? std::nan("") : std::ldexp(1.0, int(code) - 127);
  // sign | exponent field | mantissa, with the bias of the flavour.
  int manBits = dtype == DType::F4E2M1FN ? 1 : 3;
  int expBits = dtype == DType::F4E2M1FN ? 2 : 4;
  int bias = dtype == DType::F8E4M3FNUZ ? 8 : dtype == DType::F4E2M1FN ? 1 : 7;
  int width = 1 + expBits + manBits;
  code &= static_cast<uint8_t>((1u << width) - 1);
  bool negative = (code >> (width - 1)) & 1;
  int mag = code & ((1 << (width - 1)) - 1);
  if ((dtype == DType::F8E4M3FN && mag == 0x7F) ||
      (dtype == DType::F8E4M3FNUZ && code == 0x80))
    return std::nan("");
  int field = mag >> manBits, man = mag & ((1 << manBits) - 1);
  double value = field == 0
                     ? std::ldexp(man, 1 - bias - manBits)
                     : std::ldexp((1 << manBits) + man, field - bias - manBits);
  return negative ? -value : value;
}

static uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return bits;
}

static float bitsFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

uint16_t moe::runtime::floatToBF16(float value) {
  uint32_t bits = floatBits(value);
  if (std::isnan(value))
    return static_cast<uint16_t>((bits >> 16) | 0x40);
  uint32_t bias = 0x7FFF + ((bits >> 16) & 1);
  return static_cast<uint16_t>((bits + bias) >> 16);
}

float moe::runtime::bf16ToFloat(uint16_t bits) {
  return bitsFloat(static_cast<uint32_t>(bits) << 16);
}

uint16_t moe::runtime::floatToF16(float value) {
  uint32_t bits = floatBits(value);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  uint32_t abs = bits & 0x7FFFFFFF;
  if (abs > 0x7F800000) // NaN
    return sign | 0x7E00;
  if (abs >= 0x477FF000) // rounds to >= 65520: infinity
    return sign | 0x7C00;
  if (abs < 0x38800000) { // below the smallest normal f16 (2^-14)
    // Subnormal: value / 2^-24 rounded to nearest even.
    float scaled = bitsFloat(abs) * 16777216.0f; // 2^24, exact
    float rounded = std::nearbyint(scaled);      // default mode: ties to even
    return sign | static_cast<uint16_t>(rounded);
  }
  uint32_t mantissa = abs & 0x7FFFFF;
  uint32_t exponent = (abs >> 23) - 127 + 15;
  uint32_t half = (exponent << 10) | (mantissa >> 13);
  uint32_t rest = mantissa & 0x1FFF;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half; // may carry into the exponent, which is the right result
  return sign | static_cast<uint16_t>(half);
}

float moe::runtime::f16ToFloat(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1F;
  uint32_t mantissa = bits & 0x3FF;
  if (exponent == 0) {
    float value = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -value : value;
  }
  if (exponent == 31)
    return bitsFloat(sign | 0x7F800000 | (mantissa << 13));
  return bitsFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
}

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

double HostTensor::at(int64_t i) const {
  const uint8_t *p = bytes.data() + i * dtypeSize(dtype);
  if (isQuantized(dtype))
    return decodeQuantized(dtype, *p);
  switch (dtype) {
  case DType::BF16: {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return bf16ToFloat(v);
  }
  case DType::F16: {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return f16ToFloat(v);
  }
  case DType::F32: {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case DType::I32: {
    int32_t v;
    std::memcpy(&v, p, 4);
    return v;
  }
  case DType::I64:
  case DType::Index: {
    int64_t v;
    std::memcpy(&v, p, 8);
    return static_cast<double>(v);
  }
  default: // quantized, handled above
    return 0;
  }
}

void HostTensor::set(int64_t i, double value) {
  uint8_t *p = bytes.data() + i * dtypeSize(dtype);
  if (isQuantized(dtype)) {
    *p = static_cast<uint8_t>(value);
    return;
  }
  switch (dtype) {
  case DType::BF16: {
    uint16_t v = floatToBF16(static_cast<float>(value));
    std::memcpy(p, &v, 2);
    return;
  }
  case DType::F16: {
    uint16_t v = floatToF16(static_cast<float>(value));
    std::memcpy(p, &v, 2);
    return;
  }
  case DType::F32: {
    float v = static_cast<float>(value);
    std::memcpy(p, &v, 4);
    return;
  }
  case DType::I32: {
    int32_t v = static_cast<int32_t>(value);
    std::memcpy(p, &v, 4);
    return;
  }
  case DType::I64:
  case DType::Index: {
    int64_t v = static_cast<int64_t>(value);
    std::memcpy(p, &v, 8);
    return;
  }
  default: // quantized, handled above
    return;
  }
}

std::string moe::runtime::formatShape(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") +
            (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return text + "]";
}

bool HostTensor::allocate(std::string &error) {
  uint64_t count = dtypeSize(dtype);
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && count > std::numeric_limits<uint64_t>::max() /
                                       static_cast<uint64_t>(d))) {
      error = formatShape(shape) + " " + dtypeName(dtype) +
              ": the byte count does not fit in 64 bits";
      return false;
    }
    count *= static_cast<uint64_t>(d);
  }
  long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGE_SIZE);
  uint64_t memory =
      pages > 0 && pageSize > 0
          ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(pageSize)
          : std::numeric_limits<uint64_t>::max();
  if (count > memory || count > bytes.max_size()) {
    error = formatShape(shape) + " " + dtypeName(dtype) + " needs " +
            std::to_string(count) + " bytes, more than this machine's " +
            std::to_string(memory) + " bytes of memory";
    return false;
  }
  try {
    bytes.assign(static_cast<size_t>(count), 0);
  } catch (const std::bad_alloc &) {
    error = formatShape(shape) + " " + dtypeName(dtype) + ": " +
            std::to_string(count) + " bytes could not be allocated";
    return false;
  }
  return true;
}
