//===- CudaBackend.cpp - the CUDA backend of the moe-mlir runtime ---------===//
//
// Implements the mgpu* host ABI of GPU libraries and the moe_device_* API
// with the CUDA driver API.
//
//===----------------------------------------------------------------------===//
//
// A library built by `moe-compile --target=sm_90` calls mgpuModuleLoad from
// its constructors and, per entry call, mgpuStreamCreate, mgpuMemAlloc,
// mgpuMemset16/32, mgpuModuleGetFunction, mgpuLaunchKernel, mgpuMemFree,
// mgpuStreamSynchronize and mgpuStreamDestroy. This file defines them on
// the primary context of one device (MOE_CUDA_DEVICE, default 0), so device
// pointers are shared with other users of that context (PyTorch, say).
//
// Streams: every call runs on one stream, the caller's (moe_device_set_stream,
// which may be the legacy default stream) or one this backend creates once; mgpuStreamDestroy never destroys it.
// With moe_device_set_async(1) mgpuStreamSynchronize does nothing, so calls
// queue back to back (and can be captured in a CUDA graph); the caller then
// synchronizes. Memory is stream-ordered (cuMemAllocAsync/cuMemFreeAsync).
//
// Errors: the first failing driver call is recorded (moe_device_last_error)
// and later launches are skipped until moe_device_clear_error.
//
//===----------------------------------------------------------------------===//

#include <cuda.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

#define MOE_EXPORT extern "C" __attribute__((visibility("default")))

namespace {
struct State {
  std::once_flag initOnce;
  bool ready = false;
  CUcontext context = nullptr;
  CUdevice device = 0;
  CUstream ownStream = nullptr;
  CUstream userStream = nullptr; ///< may be null: the legacy default stream
  bool hasUserStream = false;
  bool async = false;
  std::string error;
  std::mutex errorMutex;
};

State &state() {
  static State s;
  return s;
}

bool check(CUresult result, const char *what) {
  if (result == CUDA_SUCCESS)
    return true;
  State &s = state();
  std::lock_guard<std::mutex> lock(s.errorMutex);
  if (s.error.empty()) {
    const char *name = nullptr, *text = nullptr;
    cuGetErrorName(result, &name);
    cuGetErrorString(result, &text);
    s.error = std::string(what) + " failed: " + (name ? name : "?") + " (" +
              (text ? text : "no description") + ")";
  }
  return false;
}

bool failed() {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.errorMutex);
  return !s.error.empty();
}

/// Initializes the driver and the primary context once; makes the context
/// current on the calling thread.
bool ready() {
  State &s = state();
  std::call_once(s.initOnce, [&s] {
    int ordinal = 0;
    if (const char *env = std::getenv("MOE_CUDA_DEVICE"))
      ordinal = std::atoi(env);
    s.ready = check(cuInit(0), "cuInit") &&
              check(cuDeviceGet(&s.device, ordinal), "cuDeviceGet") &&
              check(cuDevicePrimaryCtxRetain(&s.context, s.device),
                    "cuDevicePrimaryCtxRetain") &&
              check(cuCtxSetCurrent(s.context), "cuCtxSetCurrent") &&
              check(cuStreamCreate(&s.ownStream, CU_STREAM_NON_BLOCKING),
                    "cuStreamCreate");
  });
  return s.ready && check(cuCtxSetCurrent(s.context), "cuCtxSetCurrent");
}

CUstream currentStream() {
  State &s = state();
  return s.hasUserStream ? s.userStream : s.ownStream;
}
} // namespace

//===----------------------------------------------------------------------===//
// The mgpu* ABI of MLIR's gpu-to-llvm lowering.
//===----------------------------------------------------------------------===//

MOE_EXPORT CUmodule mgpuModuleLoad(void *data, size_t /*size*/) {
  CUmodule module = nullptr;
  if (ready())
    check(cuModuleLoadData(&module, data), "cuModuleLoadData");
  return module;
}

MOE_EXPORT CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  CUmodule module = nullptr;
  if (!ready())
    return nullptr;
  CUjit_option options[] = {CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel))};
  check(cuModuleLoadDataEx(&module, data, 1, options, values),
        "cuModuleLoadDataEx");
  return module;
}

MOE_EXPORT void mgpuModuleUnload(CUmodule module) {
  // At process exit the driver may already be shutting down; nothing to do.
  if (module && state().ready)
    cuModuleUnload(module);
}

MOE_EXPORT CUfunction mgpuModuleGetFunction(CUmodule module,
                                            const char *name) {
  CUfunction function = nullptr;
  if (module && ready())
    check(cuModuleGetFunction(&function, module, name),
          "cuModuleGetFunction");
  return function;
}

MOE_EXPORT void mgpuLaunchKernel(CUfunction function, intptr_t gridX,
                                 intptr_t gridY, intptr_t gridZ,
                                 intptr_t blockX, intptr_t blockY,
                                 intptr_t blockZ, int32_t smem,
                                 CUstream stream, void **params,
                                 void ** /*extra*/, size_t /*paramsCount*/) {
  if (!function || failed() || !ready())
    return;
  // An empty grid (no tokens) has nothing to do.
  if (gridX == 0 || gridY == 0 || gridZ == 0)
    return;
  check(cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                       smem, stream, params, nullptr),
        "cuLaunchKernel");
}

MOE_EXPORT CUstream mgpuStreamCreate() {
  return ready() ? currentStream() : nullptr;
}

MOE_EXPORT void mgpuStreamDestroy(CUstream) {}

MOE_EXPORT void mgpuStreamSynchronize(CUstream stream) {
  if (!state().async && ready())
    check(cuStreamSynchronize(stream), "cuStreamSynchronize");
}

MOE_EXPORT void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  if (ready())
    check(cuStreamWaitEvent(stream, event, 0), "cuStreamWaitEvent");
}

MOE_EXPORT CUevent mgpuEventCreate() {
  CUevent event = nullptr;
  if (ready())
    check(cuEventCreate(&event, CU_EVENT_DISABLE_TIMING), "cuEventCreate");
  return event;
}

MOE_EXPORT void mgpuEventDestroy(CUevent event) {
  if (event && ready())
    check(cuEventDestroy(event), "cuEventDestroy");
}

MOE_EXPORT void mgpuEventSynchronize(CUevent event) {
  if (ready())
    check(cuEventSynchronize(event), "cuEventSynchronize");
}

MOE_EXPORT void mgpuEventRecord(CUevent event, CUstream stream) {
  if (ready())
    check(cuEventRecord(event, stream), "cuEventRecord");
}

MOE_EXPORT void *mgpuMemAlloc(uint64_t bytes, CUstream stream,
                              bool /*isHostShared*/) {
  CUdeviceptr ptr = 0;
  if (bytes > 0 && ready())
    check(cuMemAllocAsync(&ptr, bytes, stream), "cuMemAllocAsync");
  return reinterpret_cast<void *>(ptr);
}

MOE_EXPORT void mgpuMemFree(void *ptr, CUstream stream) {
  if (ptr && ready())
    check(cuMemFreeAsync(reinterpret_cast<CUdeviceptr>(ptr), stream),
          "cuMemFreeAsync");
}

MOE_EXPORT void mgpuMemcpy(void *dst, void *src, size_t bytes,
                           CUstream stream) {
  if (bytes > 0 && ready())
    check(cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                        reinterpret_cast<CUdeviceptr>(src), bytes, stream),
          "cuMemcpyAsync");
}

MOE_EXPORT void mgpuMemset16(void *dst, unsigned short value, size_t count,
                             CUstream stream) {
  if (count > 0 && ready())
    check(cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                           stream),
          "cuMemsetD16Async");
}

MOE_EXPORT void mgpuMemset32(void *dst, unsigned int value, size_t count,
                             CUstream stream) {
  if (count > 0 && ready())
    check(cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                           stream),
          "cuMemsetD32Async");
}

//===----------------------------------------------------------------------===//
// moe_device_*: what callers of a GPU library (moe-run, Python) use.
//===----------------------------------------------------------------------===//

MOE_EXPORT const char *moe_device_name() {
  static char name[256] = "";
  if (ready() && !name[0])
    check(cuDeviceGetName(name, sizeof(name), state().device),
          "cuDeviceGetName");
  return name;
}

MOE_EXPORT const char *moe_device_last_error() {
  if (!ready() && state().error.empty())
    return "the CUDA backend is not initialized";
  return failed() ? state().error.c_str() : nullptr;
}

MOE_EXPORT void moe_device_clear_error() {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.errorMutex);
  s.error.clear();
}

/// Runs later calls on `stream`, a CUstream of the caller (null is the
/// legacy default stream, PyTorch's default).
MOE_EXPORT void moe_device_set_stream(void *stream) {
  state().userStream = static_cast<CUstream>(stream);
  state().hasUserStream = true;
}

/// Runs later calls on the backend's own stream again.
MOE_EXPORT void moe_device_use_own_stream() { state().hasUserStream = false; }

/// 1: entry points return without waiting for their kernels.
MOE_EXPORT void moe_device_set_async(int async) { state().async = async != 0; }

MOE_EXPORT int moe_device_synchronize() {
  return ready() && check(cuStreamSynchronize(currentStream()),
                          "cuStreamSynchronize")
             ? 0
             : 1;
}

MOE_EXPORT void *moe_device_alloc(uint64_t bytes) {
  return mgpuMemAlloc(bytes, ready() ? currentStream() : nullptr, false);
}

MOE_EXPORT void moe_device_free(void *ptr) {
  if (ready())
    mgpuMemFree(ptr, currentStream());
}

MOE_EXPORT int moe_device_copy_to_device(void *dst, const void *src,
                                         uint64_t bytes) {
  if (bytes == 0)
    return 0;
  return ready() && check(cuMemcpyHtoDAsync(reinterpret_cast<CUdeviceptr>(dst),
                                            src, bytes, currentStream()),
                          "cuMemcpyHtoDAsync") &&
                 check(cuStreamSynchronize(currentStream()),
                       "cuStreamSynchronize")
             ? 0
             : 1;
}

MOE_EXPORT int moe_device_copy_to_host(void *dst, const void *src,
                                       uint64_t bytes) {
  if (bytes == 0)
    return 0;
  return ready() && check(cuMemcpyDtoHAsync(dst,
                                            reinterpret_cast<CUdeviceptr>(src),
                                            bytes, currentStream()),
                          "cuMemcpyDtoHAsync") &&
                 check(cuStreamSynchronize(currentStream()),
                       "cuStreamSynchronize")
             ? 0
             : 1;
}

/// Records a timing event on the current stream (moe_device_elapsed_ms).
MOE_EXPORT void *moe_device_record_event() {
  CUevent event = nullptr;
  if (ready() && check(cuEventCreate(&event, CU_EVENT_DEFAULT),
                       "cuEventCreate"))
    check(cuEventRecord(event, currentStream()), "cuEventRecord");
  return event;
}

/// Milliseconds between two recorded events (waits for `end`); frees both.
MOE_EXPORT double moe_device_elapsed_ms(void *begin, void *end) {
  float ms = -1.0f;
  if (ready() && check(cuEventSynchronize(static_cast<CUevent>(end)),
                       "cuEventSynchronize"))
    check(cuEventElapsedTime(&ms, static_cast<CUevent>(begin),
                             static_cast<CUevent>(end)),
          "cuEventElapsedTime");
  cuEventDestroy(static_cast<CUevent>(begin));
  cuEventDestroy(static_cast<CUevent>(end));
  return ms;
}
