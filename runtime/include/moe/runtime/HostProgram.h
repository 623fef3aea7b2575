//===- HostProgram.h - the CPU backend: load and call a library -*- C++ -*-===//
//
// Loads a library built by moe-compile --target=cpu and calls its entries.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_RUNTIME_HOSTPROGRAM_H
#define MOE_RUNTIME_HOSTPROGRAM_H

#include "moe/runtime/Manifest.h"
#include "moe/runtime/Tensor.h"

#include <memory>
#include <string>
#include <vector>

namespace moe::runtime {

class HostProgram {
public:
  /// dlopens `path` and parses its embedded manifest.
  static std::unique_ptr<HostProgram> load(const std::string &path,
                                           std::string &error);
  ~HostProgram();

  const std::vector<EntrySpec> &entries() const { return entrySpecs; }
  const EntrySpec *find(const std::string &name) const;

  /// Calls `entry` on `inputs` (dtypes and shapes must match the manifest;
  /// see checkInputs) and returns its results as dense host tensors. Fails
  /// with the message of the first run-time size check that did not hold
  /// (e.g. two inputs whose dynamic token counts differ).
  bool call(const EntrySpec &entry, std::vector<HostTensor> &inputs,
            std::vector<HostTensor> &outputs, std::string &error);

private:
  HostProgram() = default;
  void *handle = nullptr;
  std::vector<EntrySpec> entrySpecs;
  std::vector<std::string> checkMessages;
  int64_t *checkState = nullptr; ///< {failed id + 1, expected, found}
};

/// Checks that `inputs` fit `entry`: count, ranks, dtypes and static sizes.
/// Dynamic sizes are not related to each other here.
bool checkInputs(const EntrySpec &entry, const std::vector<HostTensor> &inputs,
                 std::string &error);

} // namespace moe::runtime

#endif // MOE_RUNTIME_HOSTPROGRAM_H
