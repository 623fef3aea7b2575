//===- Device.h - GPU backends of the runtime, loaded at run time -*- C++ -*-===//
//
// Loads a GPU backend library (CUDA) and exposes its moe_device_* API.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_RUNTIME_DEVICE_H
#define MOE_RUNTIME_DEVICE_H

#include <cstdint>
#include <memory>
#include <string>

namespace moe::runtime {

/// dlopens backend library `name` (RTLD_GLOBAL: the libraries loaded after
/// it resolve their runtime calls against it): $MOE_RUNTIME_<NAME> if set,
/// else libmoe_runtime_<name>.so next to this executable or in ../lib.
/// Null after writing why to `error`.
void *openBackendLibrary(const std::string &name, std::string &error);

/// A GPU backend: a shared library (libmoe_runtime_cuda.so) that defines
/// the mgpu* functions GPU libraries call and the moe_device_* API below.
/// It is loaded with RTLD_GLOBAL before any GPU library, whose undefined
/// mgpu* symbols it resolves.
class DeviceBackend {
public:
  /// Loads backend `name` ("cuda"): $MOE_RUNTIME_<NAME> if set, else
  /// libmoe_runtime_<name>.so next to this executable or in ../lib.
  static std::unique_ptr<DeviceBackend> load(const std::string &name,
                                             std::string &error);

  std::string name;
  const char *(*deviceName)() = nullptr;
  const char *(*lastError)() = nullptr;
  void (*setAsync)(int) = nullptr;
  int (*synchronize)() = nullptr;
  void *(*alloc)(uint64_t) = nullptr;
  void (*free)(void *) = nullptr;
  int (*copyToDevice)(void *, const void *, uint64_t) = nullptr;
  int (*copyToHost)(void *, const void *, uint64_t) = nullptr;
  void *(*recordEvent)() = nullptr;
  double (*elapsedMs)(void *, void *) = nullptr;
  /// Collectives over several ranks (runtime/lib/gpu/Collectives.cpp).
  int (*collectiveId)(void *) = nullptr;
  int (*collectiveInit)(const char *, int, int, const void *) = nullptr;
  /// Peer workspaces of the one-shot kernels
  /// (runtime/lib/gpu/PeerWorkspace.cpp).
  int (*peerWorkspace)(const char *, int64_t, int64_t, void *) = nullptr;
  int (*peerOpen)(const char *, const void *) = nullptr;

  /// The backend's first error, prefixed for users, or "" when none.
  std::string error() const;

private:
  void *handle = nullptr;
};

} // namespace moe::runtime

#endif // MOE_RUNTIME_DEVICE_H
