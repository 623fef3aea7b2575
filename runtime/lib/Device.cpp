//===- Device.cpp - GPU backends of the runtime, loaded at run time -------===//
//
// dlopens a backend library and binds its moe_device_* functions.
//
//===----------------------------------------------------------------------===//

#include "moe/runtime/Device.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cctype>
#include <climits>
#include <cstdlib>
#include <type_traits>

using namespace moe::runtime;

/// The folder of the running executable.
static std::string executableDir() {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0)
    return ".";
  std::string exe(path, static_cast<size_t>(n));
  return exe.substr(0, exe.find_last_of('/'));
}

void *moe::runtime::openBackendLibrary(const std::string &name,
                                       std::string &error) {
  std::string file = "libmoe_runtime_" + name + ".so";
  std::string upper;
  for (char c : name)
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string tried;
  const char *env = std::getenv(("MOE_RUNTIME_" + upper).c_str());
  std::string dir = executableDir();
  std::string candidates[] = {env ? env : "", dir + "/" + file,
                              dir + "/../lib/" + file};
  std::string why;
  for (const std::string &path : candidates) {
    if (path.empty())
      continue;
    if (void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL))
      return handle;
    why = dlerror();
    tried += (tried.empty() ? "" : ", ") + path;
  }
  error = "the " + name + " backend is unavailable: cannot load " + file +
          " (tried " + tried + "): " + why;
  return nullptr;
}

std::unique_ptr<DeviceBackend> DeviceBackend::load(const std::string &name,
                                                   std::string &error) {
  void *handle = openBackendLibrary(name, error);
  if (!handle)
    return nullptr;
  std::unique_ptr<DeviceBackend> backend(new DeviceBackend());
  backend->handle = handle;
  backend->name = name;
  bool ok = true;
  auto bind = [&](auto &fn, const char *symbol) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
        dlsym(handle, symbol));
    if (!fn) {
      error = "the " + name + " backend library has no " + symbol;
      ok = false;
    }
  };
  bind(backend->deviceName, "moe_device_name");
  bind(backend->lastError, "moe_device_last_error");
  bind(backend->setAsync, "moe_device_set_async");
  bind(backend->synchronize, "moe_device_synchronize");
  bind(backend->alloc, "moe_device_alloc");
  bind(backend->free, "moe_device_free");
  bind(backend->copyToDevice, "moe_device_copy_to_device");
  bind(backend->copyToHost, "moe_device_copy_to_host");
  bind(backend->recordEvent, "moe_device_record_event");
  bind(backend->elapsedMs, "moe_device_elapsed_ms");
  bind(backend->collectiveId, "moe_device_collective_id");
  bind(backend->collectiveInit, "moe_device_collective_init");
  bind(backend->peerWorkspace, "moe_device_peer_workspace");
  bind(backend->peerOpen, "moe_device_peer_open");
  if (!ok)
    return nullptr;
  if (std::string e = backend->error(); !e.empty()) {
    error = e;
    return nullptr;
  }
  return backend;
}

std::string DeviceBackend::error() const {
  const char *e = lastError();
  return e ? "the " + name + " backend: " + e : "";
}
