//===- CudaApi.h - the driver calls of the GPU backend, on CUDA -*- C++ -*-===//
//
// Maps the driver operations DeviceRuntime.cpp needs to the CUDA driver API.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_RUNTIME_GPU_CUDAAPI_H
#define MOE_RUNTIME_GPU_CUDAAPI_H

#include <cuda.h>

#include <string>

namespace moe::runtime::api {

inline constexpr const char *kDeviceEnv = "MOE_CUDA_DEVICE";
/// The collective library (same API as NCCL's), dlopened on first use:
/// $MOE_NCCL_LIBRARY if set, else this name.
inline constexpr const char *kCollectiveLibrary = "libnccl.so.2";
inline constexpr const char *kCollectiveEnv = "MOE_NCCL_LIBRARY";
inline constexpr const char *kCollectiveName = "NCCL";

using Result = CUresult;
using Module = CUmodule;
using Function = CUfunction;
using Stream = CUstream;
using Event = CUevent;
using Ptr = CUdeviceptr;
inline constexpr Result kSuccess = CUDA_SUCCESS;

inline std::string describe(Result r) {
  const char *name = nullptr, *text = nullptr;
  cuGetErrorName(r, &name);
  cuGetErrorString(r, &text);
  return std::string(name ? name : "?") + " (" +
         (text ? text : "no description") + ")";
}

/// Initializes the driver and makes device `ordinal`'s primary context
/// current; `context` keeps what later threads must make current again.
struct Context {
  CUcontext context = nullptr;
  CUdevice device = 0;
};
inline Result open(Context &c, int ordinal) {
  if (Result r = cuInit(0); r != kSuccess)
    return r;
  if (Result r = cuDeviceGet(&c.device, ordinal); r != kSuccess)
    return r;
  if (Result r = cuDevicePrimaryCtxRetain(&c.context, c.device); r != kSuccess)
    return r;
  return cuCtxSetCurrent(c.context);
}
inline Result makeCurrent(const Context &c) {
  return cuCtxSetCurrent(c.context);
}
inline Result deviceName(const Context &c, char *name, int size) {
  return cuDeviceGetName(name, size, c.device);
}

inline Result moduleLoad(Module *m, const void *image) {
  return cuModuleLoadData(m, image);
}
inline Result moduleLoadJIT(Module *m, const void *image, int optLevel) {
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel))};
  return cuModuleLoadDataEx(m, image, 1, options, values);
}
inline Result moduleUnload(Module m) { return cuModuleUnload(m); }
inline Result moduleGetFunction(Function *f, Module m, const char *name) {
  return cuModuleGetFunction(f, m, name);
}
inline Result launch(Function f, unsigned gx, unsigned gy, unsigned gz,
                     unsigned bx, unsigned by, unsigned bz, unsigned smem,
                     Stream s, void **params) {
  return cuLaunchKernel(f, gx, gy, gz, bx, by, bz, smem, s, params, nullptr);
}
/// Lets `f` take `bytes` of dynamic shared memory (beyond 48 KiB less its
/// static shared memory a launch fails without it).
inline Result allowDynamicShared(Function f, int bytes) {
  return cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                            bytes);
}

inline Result streamCreate(Stream *s) {
  return cuStreamCreate(s, CU_STREAM_NON_BLOCKING);
}
inline Result streamSynchronize(Stream s) { return cuStreamSynchronize(s); }
inline Result streamWaitEvent(Stream s, Event e) {
  return cuStreamWaitEvent(s, e, 0);
}
inline Result eventCreate(Event *e, bool timing) {
  return cuEventCreate(e, timing ? CU_EVENT_DEFAULT : CU_EVENT_DISABLE_TIMING);
}
inline Result eventDestroy(Event e) { return cuEventDestroy(e); }
inline Result eventSynchronize(Event e) { return cuEventSynchronize(e); }
inline Result eventRecord(Event e, Stream s) { return cuEventRecord(e, s); }
inline Result eventElapsed(float *ms, Event a, Event b) {
  return cuEventElapsedTime(ms, a, b);
}

inline Result mallocAsync(Ptr *p, size_t bytes, Stream s) {
  return cuMemAllocAsync(p, bytes, s);
}
inline Result freeAsync(Ptr p, Stream s) { return cuMemFreeAsync(p, s); }
inline Result copyAsync(Ptr dst, Ptr src, size_t bytes, Stream s) {
  return cuMemcpyAsync(dst, src, bytes, s);
}
inline Result copyToDeviceAsync(Ptr dst, const void *src, size_t bytes,
                                Stream s) {
  return cuMemcpyHtoDAsync(dst, src, bytes, s);
}
inline Result copyToHostAsync(void *dst, Ptr src, size_t bytes, Stream s) {
  return cuMemcpyDtoHAsync(dst, src, bytes, s);
}
inline Result memset16Async(Ptr dst, unsigned short v, size_t n, Stream s) {
  return cuMemsetD16Async(dst, v, n, s);
}
inline Result memset32Async(Ptr dst, unsigned v, size_t n, Stream s) {
  return cuMemsetD32Async(dst, v, n, s);
}

/// Device memory that other processes can open (IPC): a plain allocation,
/// not one of the stream-ordered pool's.
using IpcHandle = CUipcMemHandle;
inline Result mallocShared(Ptr *p, size_t bytes) {
  return cuMemAlloc(p, bytes);
}
inline Result freeShared(Ptr p) { return cuMemFree(p); }
inline Result ipcHandle(IpcHandle *h, Ptr p) { return cuIpcGetMemHandle(h, p); }
inline Result ipcOpen(Ptr *p, const IpcHandle &h) {
  return cuIpcOpenMemHandle(p, h, CU_IPC_MEM_LAZY_ENABLE_PEER_ACCESS);
}
inline Result ipcClose(Ptr p) { return cuIpcCloseMemHandle(p); }
inline Result copyToDevice(Ptr dst, const void *src, size_t bytes) {
  return cuMemcpyHtoD(dst, src, bytes);
}
inline Result memset32(Ptr dst, unsigned v, size_t n) {
  return cuMemsetD32(dst, v, n);
}
inline Result copyToHost(void *dst, Ptr src, size_t bytes) {
  return cuMemcpyDtoH(dst, src, bytes);
}
/// Waits for all work of the current context (every stream).
inline Result synchronizeAll() { return cuCtxSynchronize(); }

/// Page-locked host memory that kernels can read and write, and the
/// address they use for it.
inline Result hostAllocMapped(void **p, size_t bytes) {
  return cuMemHostAlloc(p, bytes,
                        CU_MEMHOSTALLOC_DEVICEMAP | CU_MEMHOSTALLOC_PORTABLE);
}
inline Result hostDevicePointer(Ptr *d, void *p) {
  return cuMemHostGetDevicePointer(d, p, 0);
}
inline Result hostFree(void *p) { return cuMemFreeHost(p); }

} // namespace moe::runtime::api

#endif // MOE_RUNTIME_GPU_CUDAAPI_H
