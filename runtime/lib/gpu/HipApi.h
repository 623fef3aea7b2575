//===- HipApi.h - the driver calls of the GPU backend, on HIP ---*- C++ -*-===//
//
// Maps the driver operations DeviceRuntime.cpp needs to the HIP module API.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_RUNTIME_GPU_HIPAPI_H
#define MOE_RUNTIME_GPU_HIPAPI_H

#include <hip/hip_runtime_api.h>

#include <cstdint>
#include <string>

namespace moe::runtime::api {

inline constexpr const char *kDeviceEnv = "MOE_HIP_DEVICE";
/// The collective library (same API as NCCL's), dlopened on first use:
/// $MOE_RCCL_LIBRARY if set, else this name.
inline constexpr const char *kCollectiveLibrary = "librccl.so.1";
inline constexpr const char *kCollectiveEnv = "MOE_RCCL_LIBRARY";
inline constexpr const char *kCollectiveName = "RCCL";

using Result = hipError_t;
using Module = hipModule_t;
using Function = hipFunction_t;
using Stream = hipStream_t;
using Event = hipEvent_t;
using Ptr = hipDeviceptr_t;
inline constexpr Result kSuccess = hipSuccess;

inline std::string describe(Result r) {
  return std::string(hipGetErrorName(r)) + " (" + hipGetErrorString(r) + ")";
}

/// HIP keeps one context per device per process; the device is per thread.
struct Context {
  int device = 0;
};
inline Result open(Context &c, int ordinal) {
  c.device = ordinal;
  if (Result r = hipInit(0); r != kSuccess)
    return r;
  return hipSetDevice(ordinal);
}
inline Result makeCurrent(const Context &c) { return hipSetDevice(c.device); }
inline Result deviceName(const Context &c, char *name, int size) {
  hipDevice_t device;
  if (Result r = hipDeviceGet(&device, c.device); r != kSuccess)
    return r;
  return hipDeviceGetName(name, size, device);
}

inline Result moduleLoad(Module *m, const void *image) {
  return hipModuleLoadData(m, image);
}
inline Result moduleLoadJIT(Module *m, const void *image, int optLevel) {
  hipJitOption options[] = {hipJitOptionOptimizationLevel};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel))};
  return hipModuleLoadDataEx(m, image, 1, options, values);
}
inline Result moduleUnload(Module m) { return hipModuleUnload(m); }
inline Result moduleGetFunction(Function *f, Module m, const char *name) {
  return hipModuleGetFunction(f, m, name);
}
inline Result launch(Function f, unsigned gx, unsigned gy, unsigned gz,
                     unsigned bx, unsigned by, unsigned bz, unsigned smem,
                     Stream s, void **params) {
  return hipModuleLaunchKernel(f, gx, gy, gz, bx, by, bz, smem, s, params,
                               nullptr);
}
/// Lets `f` take `bytes` of dynamic LDS.
inline Result allowDynamicShared(Function f, int bytes) {
  return hipFuncSetAttribute(reinterpret_cast<const void *>(f),
                             hipFuncAttributeMaxDynamicSharedMemorySize, bytes);
}

inline Result streamCreate(Stream *s) {
  return hipStreamCreateWithFlags(s, hipStreamNonBlocking);
}
inline Result streamSynchronize(Stream s) { return hipStreamSynchronize(s); }
inline Result streamWaitEvent(Stream s, Event e) {
  return hipStreamWaitEvent(s, e, 0);
}
inline Result eventCreate(Event *e, bool timing) {
  return hipEventCreateWithFlags(e, timing ? hipEventDefault
                                           : hipEventDisableTiming);
}
inline Result eventDestroy(Event e) { return hipEventDestroy(e); }
inline Result eventSynchronize(Event e) { return hipEventSynchronize(e); }
inline Result eventRecord(Event e, Stream s) { return hipEventRecord(e, s); }
inline Result eventElapsed(float *ms, Event a, Event b) {
  return hipEventElapsedTime(ms, a, b);
}

inline Result mallocAsync(Ptr *p, size_t bytes, Stream s) {
  return hipMallocAsync(p, bytes, s);
}
inline Result freeAsync(Ptr p, Stream s) { return hipFreeAsync(p, s); }
inline Result copyAsync(Ptr dst, Ptr src, size_t bytes, Stream s) {
  return hipMemcpyDtoDAsync(dst, src, bytes, s);
}
inline Result copyToDeviceAsync(Ptr dst, const void *src, size_t bytes,
                                Stream s) {
  return hipMemcpyHtoDAsync(dst, const_cast<void *>(src), bytes, s);
}
inline Result copyToHostAsync(void *dst, Ptr src, size_t bytes, Stream s) {
  return hipMemcpyDtoHAsync(dst, src, bytes, s);
}
inline Result memset16Async(Ptr dst, unsigned short v, size_t n, Stream s) {
  return hipMemsetD16Async(dst, v, n, s);
}
inline Result memset32Async(Ptr dst, unsigned v, size_t n, Stream s) {
  return hipMemsetD32Async(dst, static_cast<int>(v), n, s);
}

/// Device memory that other processes can open (IPC): fine-grained, so
/// that the peers' flag stores and loads are coherent across devices.
using IpcHandle = hipIpcMemHandle_t;
inline Result mallocShared(Ptr *p, size_t bytes) {
  return hipExtMallocWithFlags(reinterpret_cast<void **>(p), bytes,
                               hipDeviceMallocFinegrained);
}
inline Result freeShared(Ptr p) { return hipFree(p); }
inline Result ipcHandle(IpcHandle *h, Ptr p) {
  return hipIpcGetMemHandle(h, p);
}
inline Result ipcOpen(Ptr *p, const IpcHandle &h) {
  return hipIpcOpenMemHandle(reinterpret_cast<void **>(p), h,
                             hipIpcMemLazyEnablePeerAccess);
}
inline Result ipcClose(Ptr p) { return hipIpcCloseMemHandle(p); }
inline Result copyToDevice(Ptr dst, const void *src, size_t bytes) {
  return hipMemcpyHtoD(dst, const_cast<void *>(src), bytes);
}
inline Result memset32(Ptr dst, unsigned v, size_t n) {
  return hipMemsetD32(dst, static_cast<int>(v), n);
}
inline Result copyToHost(void *dst, Ptr src, size_t bytes) {
  return hipMemcpyDtoH(dst, src, bytes);
}
/// Waits for all work of the current device (every stream).
inline Result synchronizeAll() { return hipDeviceSynchronize(); }

/// Page-locked host memory that kernels can read and write, and the
/// address they use for it.
inline Result hostAllocMapped(void **p, size_t bytes) {
  return hipHostMalloc(p, bytes, hipHostMallocMapped | hipHostMallocPortable);
}
inline Result hostDevicePointer(Ptr *d, void *p) {
  return hipHostGetDevicePointer(reinterpret_cast<void **>(d), p, 0);
}
inline Result hostFree(void *p) { return hipHostFree(p); }

} // namespace moe::runtime::api

#endif // MOE_RUNTIME_GPU_HIPAPI_H
