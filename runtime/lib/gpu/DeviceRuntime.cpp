//===- DeviceRuntime.cpp - the GPU backends of the moe-mlir runtime -------===//
//
// Implements the mgpu* host ABI of GPU libraries and the moe_device_* API on
// the CUDA driver API (CudaApi.h) or HIP (HipApi.h, MOE_RUNTIME_HIP).
//
//===----------------------------------------------------------------------===//
//
// A library built by `moe-compile --target=sm_90|gfx942|gfx950` calls
// mgpuModuleLoad from its constructors and, per entry call,
// mgpuStreamCreate, mgpuMemAlloc, mgpuMemset16/32, mgpuModuleGetFunction,
// mgpuLaunchKernel, mgpuMemFree, mgpuStreamSynchronize and
// mgpuStreamDestroy. This file defines them on one device (MOE_CUDA_DEVICE
// or MOE_HIP_DEVICE, default 0; CUDA: its primary context), so device
// pointers are shared with other users of that device (PyTorch, say).
//
// Streams: every call runs on one stream, the caller's (moe_device_set_stream,
// which may be the legacy default stream) or one this backend creates once;
// mgpuStreamDestroy never destroys it. With moe_device_set_async(1)
// mgpuStreamSynchronize does nothing, so calls queue back to back (and can be
// captured in a CUDA graph); the caller then synchronizes. Both settings
// belong to the calling thread, so several threads can call libraries at
// once, each on its own stream. Memory is stream-ordered
// (cuMemAllocAsync/cuMemFreeAsync).
//
// Errors: the first failing driver call is recorded (moe_device_last_error)
// and later launches are skipped until moe_device_clear_error.
//
//===----------------------------------------------------------------------===//

#include "Backend.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <type_traits>

using namespace moe::runtime;
using namespace moe::runtime::backend;
using api::Event;
using api::Function;
using api::Module;
using api::Stream;

namespace {
struct State {
  std::once_flag initOnce;
  bool ready = false;
  api::Context context;
  Stream ownStream = nullptr;
  std::string error;
  std::mutex errorMutex;
};

State &state() {
  static State s;
  return s;
}

/// What moe_device_set_stream and moe_device_set_async chose on this thread.
struct ThreadSettings {
  Stream userStream = nullptr; ///< may be null: the legacy default stream
  bool hasUserStream = false;
  bool async = false;
};

ThreadSettings &thisThread() {
  thread_local ThreadSettings settings;
  return settings;
}

api::Ptr toDevice(const void *p) {
  return reinterpret_cast<api::Ptr>(const_cast<void *>(p));
}
} // namespace

void backend::fail(const std::string &why) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.errorMutex);
  if (s.error.empty())
    s.error = why;
}

bool backend::check(api::Result result, const char *what) {
  if (result == api::kSuccess)
    return true;
  fail(std::string(what) + " failed: " + api::describe(result));
  return false;
}

bool backend::failed() {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.errorMutex);
  return !s.error.empty();
}

bool backend::ready() {
  State &s = state();
  std::call_once(s.initOnce, [&s] {
    int ordinal = 0;
    if (const char *env = std::getenv(api::kDeviceEnv))
      ordinal = std::atoi(env);
    s.ready = check(api::open(s.context, ordinal), "opening the device") &&
              check(api::streamCreate(&s.ownStream), "creating a stream");
  });
  return s.ready &&
         check(api::makeCurrent(s.context), "making the device current");
}

Stream backend::currentStream() {
  ThreadSettings &t = thisThread();
  return t.hasUserStream ? t.userStream : state().ownStream;
}

//===----------------------------------------------------------------------===//
// The mgpu* ABI of MLIR's gpu-to-llvm lowering.
//===----------------------------------------------------------------------===//

MOE_EXPORT Module mgpuModuleLoad(void *data, size_t /*size*/) {
  Module module = nullptr;
  if (ready())
    check(api::moduleLoad(&module, data), "loading a code object");
  return module;
}

MOE_EXPORT Module mgpuModuleLoadJIT(void *data, int optLevel) {
  Module module = nullptr;
  if (ready())
    check(api::moduleLoadJIT(&module, data, optLevel),
          "compiling and loading a code object");
  return module;
}

MOE_EXPORT void mgpuModuleUnload(Module module) {
  // At process exit the driver may already be shutting down: no check.
  if (module && state().ready)
    (void)api::moduleUnload(module);
}

MOE_EXPORT Function mgpuModuleGetFunction(Module module, const char *name) {
  Function function = nullptr;
  if (module && ready())
    check(api::moduleGetFunction(&function, module, name),
          "looking up a kernel");
  return function;
}

MOE_EXPORT void mgpuLaunchKernel(Function function, intptr_t gridX,
                                 intptr_t gridY, intptr_t gridZ,
                                 intptr_t blockX, intptr_t blockY,
                                 intptr_t blockZ, int32_t smem,
                                 Stream stream, void **params,
                                 void ** /*extra*/, size_t /*paramsCount*/) {
  if (!function || failed() || !ready())
    return;
  // An empty grid (no tokens) has nothing to do.
  if (gridX == 0 || gridY == 0 || gridZ == 0)
    return;
  // Dynamic shared memory is an opt-in per kernel beyond 48 KiB less the
  // kernel's static shared memory (which the NVPTX backend may make
  // nonzero: it gives the dynamic-memory symbol a byte), so opt in for any.
  // No stream operation: allowed while a graph is captured.
  if (smem > 0 && !check(api::allowDynamicShared(function, smem),
                                 "allowing a kernel its dynamic shared memory"))
    return;
  check(api::launch(function, gridX, gridY, gridZ, blockX, blockY, blockZ, smem,
                    stream, params),
        "launching a kernel");
}

MOE_EXPORT Stream mgpuStreamCreate() {
  return ready() ? currentStream() : nullptr;
}

MOE_EXPORT void mgpuStreamDestroy(Stream) {}

MOE_EXPORT void mgpuStreamSynchronize(Stream stream) {
  if (!thisThread().async && ready())
    check(api::streamSynchronize(stream), "synchronizing the stream");
}

MOE_EXPORT void mgpuStreamWaitEvent(Stream stream, Event event) {
  if (ready())
    check(api::streamWaitEvent(stream, event), "waiting for an event");
}

MOE_EXPORT Event mgpuEventCreate() {
  Event event = nullptr;
  if (ready())
    check(api::eventCreate(&event, /*timing=*/false), "creating an event");
  return event;
}

MOE_EXPORT void mgpuEventDestroy(Event event) {
  if (event && ready())
    check(api::eventDestroy(event), "destroying an event");
}

MOE_EXPORT void mgpuEventSynchronize(Event event) {
  if (ready())
    check(api::eventSynchronize(event), "waiting for an event");
}

MOE_EXPORT void mgpuEventRecord(Event event, Stream stream) {
  if (ready())
    check(api::eventRecord(event, stream), "recording an event");
}

MOE_EXPORT void *mgpuMemAlloc(uint64_t bytes, Stream stream,
                              bool /*isHostShared*/) {
  api::Ptr ptr{};
  if (bytes > 0 && ready())
    check(api::mallocAsync(&ptr, bytes, stream), "allocating device memory");
  return reinterpret_cast<void *>(ptr);
}

MOE_EXPORT void mgpuMemFree(void *ptr, Stream stream) {
  if (ptr && ready())
    check(api::freeAsync(toDevice(ptr), stream), "freeing device memory");
}

MOE_EXPORT void mgpuMemcpy(void *dst, void *src, size_t bytes, Stream stream) {
  if (bytes > 0 && ready())
    check(api::copyAsync(toDevice(dst), toDevice(src), bytes, stream),
          "copying device memory");
}

MOE_EXPORT void mgpuMemset16(void *dst, unsigned short value, size_t count,
                             Stream stream) {
  if (count > 0 && ready())
    check(api::memset16Async(toDevice(dst), value, count, stream),
          "filling device memory");
}

MOE_EXPORT void mgpuMemset32(void *dst, unsigned int value, size_t count,
                             Stream stream) {
  if (count > 0 && ready())
    check(api::memset32Async(toDevice(dst), value, count, stream),
          "filling device memory");
}

//===----------------------------------------------------------------------===//
// moe_device_*: what callers of a GPU library (moe-run, Python) use.
//===----------------------------------------------------------------------===//

MOE_EXPORT const char *moe_device_name() {
  static char name[256] = "";
  if (ready() && !name[0])
    check(api::deviceName(state().context, name, sizeof(name)),
          "reading the device name");
  return name;
}

MOE_EXPORT const char *moe_device_last_error() {
  if (!ready() && state().error.empty())
    return "the backend is not initialized";
  return failed() ? state().error.c_str() : nullptr;
}

MOE_EXPORT void moe_device_clear_error() {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.errorMutex);
  s.error.clear();
}

/// Runs this thread's later calls on `stream`, a stream of the caller (null
/// is the legacy default stream, PyTorch's default).
MOE_EXPORT void moe_device_set_stream(void *stream) {
  thisThread().userStream = static_cast<Stream>(stream);
  thisThread().hasUserStream = true;
}

/// Runs this thread's later calls on the backend's own stream again.
MOE_EXPORT void moe_device_use_own_stream() {
  thisThread().hasUserStream = false;
}

/// 1: this thread's entry calls return without waiting for their kernels.
MOE_EXPORT void moe_device_set_async(int async) {
  thisThread().async = async != 0;
}

//===----------------------------------------------------------------------===//
// Checks that kernels record (moe.align's route ids): four host words per
// thread, {tag, v0, v1, v2} as in the check state of a library, page-locked
// and mapped for the device. A library passes their device address to its
// align kernels (moe_device_check_block) and its packed entry takes them
// into its status after the call (moe_device_take_checks). Asynchronous
// calls record none: they return before their kernels run.
//===----------------------------------------------------------------------===//

namespace {
struct CheckBlock {
  volatile int64_t *host = nullptr;
  api::Ptr device{};
  ~CheckBlock() {
    if (host)
      (void)api::hostFree(const_cast<int64_t *>(host));
  }
};
CheckBlock &thisThreadChecks() {
  thread_local CheckBlock block;
  return block;
}
constexpr int kCheckWords = 4;

/// A device address (an integer in CUDA, a pointer in HIP) as an integer.
template <typename P> int64_t addressOf(P p) {
  if constexpr (std::is_pointer_v<P>)
    return static_cast<int64_t>(reinterpret_cast<uintptr_t>(p));
  else
    return static_cast<int64_t>(p);
}
} // namespace

/// The device address of this thread's check words, or 0 (no record).
MOE_EXPORT int64_t moe_device_check_block() {
  if (thisThread().async || !ready())
    return 0;
  CheckBlock &block = thisThreadChecks();
  if (!block.host) {
    void *host = nullptr;
    if (!check(api::hostAllocMapped(&host, kCheckWords * sizeof(int64_t)),
               "allocating mapped host memory for the checks"))
      return 0;
    if (!check(api::hostDevicePointer(&block.device, host),
               "mapping host memory for the checks")) {
      (void)api::hostFree(host);
      return 0;
    }
    block.host = static_cast<int64_t *>(host);
    for (int i = 0; i < kCheckWords; ++i)
      block.host[i] = 0;
  }
  return addressOf(block.device);
}

/// Copies this thread's recorded check into `state` (a library's check
/// state) unless `state` records a failure already, and clears it; a null
/// `state` only clears it.
MOE_EXPORT void moe_device_take_checks(int64_t *state) {
  CheckBlock &block = thisThreadChecks();
  if (!block.host)
    return;
  if (state && state[0] == 0 && block.host[0] != 0)
    for (int i = 0; i < kCheckWords; ++i)
      state[i] = block.host[i];
  for (int i = 0; i < kCheckWords; ++i)
    block.host[i] = 0;
}

/// Waits for the current stream (after ready()).
static bool synchronizeCurrent() {
  return check(api::streamSynchronize(currentStream()),
               "synchronizing the stream");
}

MOE_EXPORT int moe_device_synchronize() {
  return ready() && synchronizeCurrent() ? 0 : 1;
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
  return ready() &&
                 check(api::copyToDeviceAsync(toDevice(dst), src, bytes,
                                              currentStream()),
                       "copying to the device") &&
                 synchronizeCurrent()
             ? 0
             : 1;
}

MOE_EXPORT int moe_device_copy_to_host(void *dst, const void *src,
                                       uint64_t bytes) {
  if (bytes == 0)
    return 0;
  return ready() &&
                 check(api::copyToHostAsync(dst, toDevice(src), bytes,
                                            currentStream()),
                       "copying to the host") &&
                 synchronizeCurrent()
             ? 0
             : 1;
}

/// Records a timing event on the current stream (moe_device_elapsed_ms).
MOE_EXPORT void *moe_device_record_event() {
  Event event = nullptr;
  if (ready() && check(api::eventCreate(&event, /*timing=*/true),
                       "creating an event"))
    check(api::eventRecord(event, currentStream()), "recording an event");
  return event;
}

/// Milliseconds between two recorded events (waits for `end`); frees both.
MOE_EXPORT double moe_device_elapsed_ms(void *begin, void *end) {
  float ms = -1.0f;
  auto first = static_cast<Event>(begin), last = static_cast<Event>(end);
  if (ready() && check(api::eventSynchronize(last), "waiting for an event"))
    check(api::eventElapsed(&ms, first, last), "reading an event's time");
  (void)api::eventDestroy(first);
  (void)api::eventDestroy(last);
  return ms;
}
