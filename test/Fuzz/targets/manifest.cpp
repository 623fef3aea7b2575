//===- manifest.cpp - fuzz the runtime's manifest parser ------------------===//
//
// Parses an input as the manifest text of a library, as moe-run does.
//
//===----------------------------------------------------------------------===//

#include "moe/runtime/Manifest.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size), error;
  std::vector<moe::runtime::EntrySpec> entries;
  std::vector<std::string> checks;
  std::string target;
  if (!moe::runtime::parseManifest(text, entries, checks, target, error))
    return 0;
  for (const auto &entry : entries) {
    for (const auto &value : entry.args)
      (void)value.describe();
    for (const auto &value : entry.results)
      (void)value.describe();
  }
  // Every status a library can return is described without a crash.
  int64_t n = static_cast<int64_t>(checks.size());
  int64_t statuses[][moe::runtime::kCheckStatusWords] = {
      {0, 0, 0, 0},        {1, 2, 3, 0},      {-1, 3, 200, 5},
      {n + 1, 0, 0, 0},    {-n - 1, 1, 1, 1}, {INT64_MIN, 0, 0, 0},
      {INT64_MAX, 0, 0, 0}};
  for (const auto &status : statuses)
    (void)moe::runtime::describeCheckFailure(status, checks);
  return 0;
}
