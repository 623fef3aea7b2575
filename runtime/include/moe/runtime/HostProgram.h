//===- HostProgram.h - the CPU backend: load and call a library -*- C++ -*-===//
//
// Loads a library built by moe-compile --target=cpu and calls its entries.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_RUNTIME_HOSTPROGRAM_H
#define MOE_RUNTIME_HOSTPROGRAM_H

#include "moe/runtime/Device.h"
#include "moe/runtime/Manifest.h"
#include "moe/runtime/Tensor.h"

#include <memory>
#include <string>
#include <vector>

namespace moe::runtime {

/// How HostProgram::call times an entry.
struct CallTiming {
  int64_t repeats = 0;     ///< timed calls after the first (0: none)
  double msPerCall = 0.0;  ///< mean over the timed calls
};

class HostProgram {
public:
  /// dlopens `path` and parses its embedded manifest. A GPU library (its
  /// manifest names a target) needs `device`, the backend loaded before it.
  static std::unique_ptr<HostProgram> load(const std::string &path,
                                           std::string &error,
                                           DeviceBackend *device = nullptr);

  /// The GPU chip the library's kernels are for, or "" for a CPU library.
  const std::string &target() const { return gpuTarget; }
  ~HostProgram();

  const std::vector<EntrySpec> &entries() const { return entrySpecs; }
  const EntrySpec *find(const std::string &name) const;

  /// Calls `entry` on `inputs` (dtypes and shapes must match the manifest;
  /// see checkInputs) and returns its results as dense host tensors. Fails
  /// with the message of the first run-time size check that did not hold
  /// (e.g. two inputs whose dynamic token counts differ). For a GPU
  /// library the inputs are copied to device memory first and the results
  /// back. With `timing`, the entry is then called `timing->repeats` more
  /// times on the same inputs (back to back, results freed) and the mean
  /// time per call is measured (device events on a GPU).
  bool call(const EntrySpec &entry, std::vector<HostTensor> &inputs,
            std::vector<HostTensor> &outputs, std::string &error,
            CallTiming *timing = nullptr);

private:
  HostProgram() = default;
  void *handle = nullptr;
  DeviceBackend *device = nullptr;
  std::string gpuTarget;
  std::vector<EntrySpec> entrySpecs;
  std::vector<std::string> checkMessages;
};

/// Checks that `inputs` fit `entry`: count, ranks, dtypes and static sizes.
/// Dynamic sizes are not related to each other here.
bool checkInputs(const EntrySpec &entry, const std::vector<HostTensor> &inputs,
                 std::string &error);

} // namespace moe::runtime

#endif // MOE_RUNTIME_HOSTPROGRAM_H
