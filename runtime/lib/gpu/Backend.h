//===- Backend.h - what the GPU backend's files share -----------*- C++ -*-===//
//
// The driver API of the backend being built (CUDA, or HIP with
// MOE_RUNTIME_HIP) and the device state of DeviceRuntime.cpp that the
// collectives (Collectives.cpp) use too.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_RUNTIME_GPU_BACKEND_H
#define MOE_RUNTIME_GPU_BACKEND_H

#ifdef MOE_RUNTIME_HIP
#include "HipApi.h"
#else
#include "CudaApi.h"
#endif

#include <string>

#define MOE_EXPORT extern "C" __attribute__((visibility("default")))

namespace moe::runtime::backend {

/// Initializes the device once; makes its context current on the calling
/// thread. False after a failure (recorded).
bool ready();
/// The stream every call runs on: the caller's or the backend's own.
api::Stream currentStream();
/// Records `why` as the backend's error unless one is recorded already.
void fail(const std::string &why);
/// True for success; else records "`what` failed: ..." and returns false.
bool check(api::Result result, const char *what);
/// Whether an error is recorded.
bool failed();
/// This process's rank in group `name` and the group's size; false when it
/// has not joined the group (Collectives.cpp).
bool groupMember(const std::string &name, int &rank, int &size);

} // namespace moe::runtime::backend

#endif // MOE_RUNTIME_GPU_BACKEND_H
