//===- Manifest.h - entry points of a compiled program ----------*- C++ -*-===//
//
// Parses the manifest text that moe-compile embeds in every library.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_RUNTIME_MANIFEST_H
#define MOE_RUNTIME_MANIFEST_H

#include "moe/runtime/Tensor.h"

#include <string>
#include <vector>

namespace moe::runtime {

struct ValueSpec {
  bool isTensor = true;
  DType dtype = DType::F32;
  std::vector<int64_t> shape; ///< -1 for a dynamic size.

  std::string describe() const; ///< "tensor bf16 [?, 4096]", "scalar index".
};

/// A token bucket of a GPU library's entry: the entry runs `function` for
/// T in [min, max] (max -1: no bound), whose kernels are planned for
/// T = expected.
struct BucketSpec {
  long long min = 0, max = -1, expected = 0;
  std::string function;
};

struct EntrySpec {
  std::string name;
  std::vector<ValueSpec> args, results;
  std::vector<BucketSpec> buckets; ///< empty: planned for one T
};

/// Parses "moe-manifest 2" text; false with a reason on malformed input.
/// `checks` receives the messages of the run-time size checks, by id;
/// `target` the GPU chip of a `target CHIP` line ("" for a CPU library).
bool parseManifest(const std::string &text, std::vector<EntrySpec> &entries,
                   std::vector<std::string> &checks, std::string &target,
                   std::string &error);

/// The words of the status an entry call returns (the last packed slot):
/// {tag, v0, v1, v2}; see describeCheckFailure.
inline constexpr size_t kCheckStatusWords = 4;

/// The failure a call's `status` records, "" when every check passed. Tag
/// id + 1: size check `id` failed ("run-time size check failed: MESSAGE:
/// expected v0, found v1"); tag -(id + 1): route check `id` found v0 route
/// ids out of range, the first v1 at token v2 ("run-time check failed:
/// OP at LOC: v0 route ids outside [0, E), first v1 at token v2").
std::string describeCheckFailure(const int64_t *status,
                                 const std::vector<std::string> &checks);

/// Reads the manifest text of the library at `path` from its ELF file,
/// without loading the library (so a GPU library needs no GPU for it).
bool readManifestFromFile(const std::string &path, std::string &text,
                          std::string &error);

} // namespace moe::runtime

#endif // MOE_RUNTIME_MANIFEST_H
