//===- Collectives.cpp - moe.all_reduce over NCCL or RCCL -----------------===//
//
// What GPU libraries call for moe.all_reduce, moe.all_gather,
// moe.reduce_scatter and moe.all_to_all over a group of several ranks
// (moe_collective_*), and the moe_device_collective_* API that sets up the
// group's
// communicator. The collective library (NCCL on CUDA, RCCL on HIP; both
// have NCCL's API) is dlopened on first use, so the backend builds and runs
// single-rank programs without it.
//
// Setting up a group: one process per rank, each on its own device
// (MOE_CUDA_DEVICE / MOE_HIP_DEVICE). Rank 0 makes an id
// (moe_device_collective_id) and hands it to the others out of band (moe-run
// writes it to a file); every rank then calls moe_device_collective_init
// with the group's name, its rank, the group's size and that id.
//
//===----------------------------------------------------------------------===//

#include "Backend.h"

#include "../AllToAllLayout.h"

#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

using namespace moe::runtime;
using namespace moe::runtime::backend;

namespace {
// The part of NCCL's ABI used here (nccl.h; RCCL's rccl.h is the same).
using NcclResult = int;
using NcclComm = void *;
struct NcclUniqueId {
  char bytes[128];
};
constexpr int kNcclSum = 0;
constexpr int kNcclInt32 = 2, kNcclFloat16 = 6, kNcclFloat32 = 7,
              kNcclBfloat16 = 9;

struct Library {
  bool loaded = false;
  std::string error;
  NcclResult (*getUniqueId)(NcclUniqueId *) = nullptr;
  NcclResult (*commInitRank)(NcclComm *, int, NcclUniqueId, int) = nullptr;
  NcclResult (*allReduce)(const void *, void *, size_t, int, int, NcclComm,
                          api::Stream) = nullptr;
  NcclResult (*allGather)(const void *, void *, size_t, int, NcclComm,
                          api::Stream) = nullptr;
  NcclResult (*reduceScatter)(const void *, void *, size_t, int, int, NcclComm,
                              api::Stream) = nullptr;
  NcclResult (*send)(const void *, size_t, int, int, NcclComm,
                     api::Stream) = nullptr;
  NcclResult (*recv)(void *, size_t, int, int, NcclComm, api::Stream) = nullptr;
  NcclResult (*groupStart)() = nullptr;
  NcclResult (*groupEnd)() = nullptr;
  const char *(*errorString)(NcclResult) = nullptr;
};

Library &library() {
  static Library lib;
  static std::once_flag once;
  std::call_once(once, [] {
    const char *env = std::getenv(api::kCollectiveEnv);
    const char *path = env && *env ? env : api::kCollectiveLibrary;
    void *handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    if (!handle) {
      lib.error = std::string("cannot load ") + api::kCollectiveName + " (" +
                  path + "; $" + api::kCollectiveEnv +
                  " may name the library): " + dlerror();
      return;
    }
    bool ok = true;
    auto bind = [&](auto &fn, const char *symbol) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
          dlsym(handle, symbol));
      if (!fn && ok) {
        lib.error = std::string(path) + " has no " + symbol;
        ok = false;
      }
    };
    bind(lib.getUniqueId, "ncclGetUniqueId");
    bind(lib.commInitRank, "ncclCommInitRank");
    bind(lib.allReduce, "ncclAllReduce");
    bind(lib.allGather, "ncclAllGather");
    bind(lib.reduceScatter, "ncclReduceScatter");
    bind(lib.send, "ncclSend");
    bind(lib.recv, "ncclRecv");
    bind(lib.groupStart, "ncclGroupStart");
    bind(lib.groupEnd, "ncclGroupEnd");
    bind(lib.errorString, "ncclGetErrorString");
    lib.loaded = ok;
  });
  return lib;
}

/// The library, or null after recording why it is unavailable.
Library *loadedLibrary() {
  Library &lib = library();
  if (lib.loaded)
    return &lib;
  fail(lib.error);
  return nullptr;
}

bool succeeded(Library &lib, NcclResult result, const std::string &what) {
  if (result == 0)
    return true;
  const char *text = lib.errorString(result);
  fail(what + " failed: " + api::kCollectiveName + " error " +
       std::to_string(result) + " (" + (text ? text : "no description") + ")");
  return false;
}

struct Group {
  NcclComm comm = nullptr; ///< made on first use (communicator())
  NcclUniqueId id{};
  int rank = 0, size = 0;
};

std::mutex groupsMutex;
std::map<std::string, Group> &groups() {
  static std::map<std::string, Group> g;
  return g;
}
} // namespace

/// Writes the id of a new communicator (128 bytes) to `id`: rank 0 calls
/// this and hands the id to the other ranks. 0 on success.
MOE_EXPORT int moe_device_collective_id(void *id) {
  Library *lib = ready() ? loadedLibrary() : nullptr;
  NcclUniqueId unique;
  if (!lib ||
      !succeeded(*lib, lib->getUniqueId(&unique), "making a communicator id"))
    return 1;
  std::memcpy(id, unique.bytes, sizeof(unique.bytes));
  return 0;
}

/// Joins group `group` (the name in the program's #moe.parallel layout) as
/// rank `rank` of `size`, with the id rank 0 made. The communicator is made
/// when the group's first library collective runs (every rank then blocks
/// until all have come), so that a program whose collectives all run over
/// peer workspaces (PeerWorkspace.cpp) needs no library. 0 on success.
MOE_EXPORT int moe_device_collective_init(const char *group, int rank, int size,
                                          const void *id) {
  std::string name = group ? group : "";
  if (size < 1 || rank < 0 || rank >= size) {
    fail("joining group '" + name + "': expected a rank in [0, " +
         std::to_string(size) + ") and a size >= 1, got rank " +
         std::to_string(rank) + " of " + std::to_string(size));
    return 1;
  }
  if (!ready())
    return 1;
  Group joined;
  joined.rank = rank;
  joined.size = size;
  std::memcpy(joined.id.bytes, id, sizeof(joined.id.bytes));
  std::lock_guard<std::mutex> lock(groupsMutex);
  if (groups().count(name)) {
    fail("joining group '" + name + "': this process has joined it already");
    return 1;
  }
  groups()[name] = joined;
  return 0;
}

bool backend::groupMember(const std::string &name, int &rank, int &size) {
  std::lock_guard<std::mutex> lock(groupsMutex);
  auto it = groups().find(name);
  if (it == groups().end())
    return false;
  rank = it->second.rank;
  size = it->second.size;
  return true;
}

/// The communicator of group `name` (joined, `joined` its entry), made on
/// first use; null after recording why.
static NcclComm communicator(const std::string &name, Group joined,
                             const std::string &what) {
  if (joined.comm)
    return joined.comm;
  Library *lib = loadedLibrary();
  if (!lib)
    return nullptr;
  // Made one at a time, so that two threads cannot both make one.
  static std::mutex making;
  std::lock_guard<std::mutex> serial(making);
  {
    std::lock_guard<std::mutex> lock(groupsMutex);
    if (NcclComm made = groups()[name].comm)
      return made;
  }
  NcclComm comm = nullptr;
  if (!succeeded(*lib,
                 lib->commInitRank(&comm, joined.size, joined.id, joined.rank),
                 what + ": joining the communicator as rank " +
                     std::to_string(joined.rank) + " of " +
                     std::to_string(joined.size)))
    return nullptr;
  std::lock_guard<std::mutex> lock(groupsMutex);
  groups()[name].comm = comm;
  return comm;
}

namespace {
/// What a collective call needs: the library, the group's communicator and
/// the NCCL type; null after recording why the call cannot run.
struct Call {
  Library *lib = nullptr;
  NcclComm comm = nullptr;
  int dataType = -1;
  int size = 0;
  std::string what;
};

Call prepare(const char *op, int32_t type, const char *group,
             int64_t groupSize) {
  Call call;
  if (failed() || !ready())
    return call;
  std::string name = group ? group : "";
  call.what = std::string(op) + " over group '" + name + "' of " +
              std::to_string(groupSize) + " ranks";
  Group joined;
  {
    std::lock_guard<std::mutex> lock(groupsMutex);
    auto it = groups().find(name);
    if (it == groups().end()) {
      fail(call.what + ": this process has not joined '" + name +
           "' (moe-run --group " + name + " --ranks " +
           std::to_string(groupSize) +
           " --rank R --comm-file F, or moe_device_collective_init)");
      return call;
    }
    joined = it->second;
  }
  if (joined.size != groupSize) {
    fail(call.what + ": the program was compiled for " +
         std::to_string(groupSize) + " ranks, the group has " +
         std::to_string(joined.size) + " (expected equal sizes)");
    return call;
  }
  call.dataType = type == 0   ? kNcclFloat32
                  : type == 1 ? kNcclFloat16
                  : type == 2 ? kNcclBfloat16
                              : -1;
  if (call.dataType < 0) {
    fail(call.what + ": unknown element type code " + std::to_string(type) +
         " (expected 0 f32, 1 f16 or 2 bf16)");
    return call;
  }
  call.comm = communicator(name, joined, call.what);
  if (!call.comm)
    return call;
  call.lib = loadedLibrary();
  call.size = joined.size;
  return call;
}
} // namespace

/// Queues `issue(call)` (a library collective) for `op` when the call can
/// run and has elements to move.
template <typename Issue>
static void collective(const char *op, int64_t count, int32_t type,
                       uint64_t groupName, int64_t groupSize, Issue issue) {
  Call call = prepare(op, type, reinterpret_cast<const char *>(groupName),
                      groupSize);
  if (call.lib && count > 0)
    succeeded(*call.lib, issue(call), call.what);
}

/// The collectives of GPU libraries: `count` elements of `type` (0 f32,
/// 1 f16, 2 bf16) from device address `in` to `out` over the group named by
/// the NUL-terminated host string at `groupName`, whose size the program
/// was compiled for is `groupSize`; queued on the current stream.

/// moe.all_reduce (sum): `count` elements in and out.
MOE_EXPORT void moe_collective_all_reduce(uint64_t in, uint64_t out,
                                          int64_t count, int32_t type,
                                          uint64_t groupName,
                                          int64_t groupSize) {
  collective("moe.all_reduce", count, type, groupName, groupSize,
             [&](const Call &call) {
               return call.lib->allReduce(
                   reinterpret_cast<const void *>(in),
                   reinterpret_cast<void *>(out), static_cast<size_t>(count),
                   call.dataType, kNcclSum, call.comm, currentStream());
             });
}

/// The ranks' `count` elements each, stacked in rank order into `out`.
MOE_EXPORT void moe_collective_all_gather(uint64_t in, uint64_t out,
                                          int64_t count, int32_t type,
                                          uint64_t groupName,
                                          int64_t groupSize) {
  collective("moe.all_gather", count, type, groupName, groupSize,
             [&](const Call &call) {
               return call.lib->allGather(
                   reinterpret_cast<const void *>(in),
                   reinterpret_cast<void *>(out), static_cast<size_t>(count),
                   call.dataType, call.comm, currentStream());
             });
}

/// Rank r's `count` elements of the sum: slice r of `in` (groupSize x count
/// elements).
MOE_EXPORT void moe_collective_reduce_scatter(uint64_t in, uint64_t out,
                                              int64_t count, int32_t type,
                                              uint64_t groupName,
                                              int64_t groupSize) {
  collective("moe.reduce_scatter", count, type, groupName, groupSize,
             [&](const Call &call) {
               return call.lib->reduceScatter(
                   reinterpret_cast<const void *>(in),
                   reinterpret_cast<void *>(out), static_cast<size_t>(count),
                   call.dataType, kNcclSum, call.comm, currentStream());
             });
}

/// Sends `counts[p]` rows of `rowBytes` bytes from `base` + the rows before
/// them to (or receives them from) each peer p, in one group call.
static bool exchangeBlocks(const Call &call, const RowBlocks &sent,
                           const RowBlocks &received, uint64_t in, uint64_t out,
                           int64_t rowElements, size_t elementBytes) {
  api::Stream stream = currentStream();
  size_t rowBytes = static_cast<size_t>(rowElements) * elementBytes;
  if (!succeeded(*call.lib, call.lib->groupStart(), call.what))
    return false;
  bool ok = true;
  for (int p = 0; p < call.size && ok; ++p) {
    if (sent.rows[p] > 0)
      ok = succeeded(
          *call.lib,
          call.lib->send(
              reinterpret_cast<const void *>(
                  in + static_cast<uint64_t>(sent.start[p]) * rowBytes),
              static_cast<size_t>(sent.rows[p] * rowElements), call.dataType, p,
              call.comm, stream),
          call.what);
    if (ok && received.rows[p] > 0)
      ok = succeeded(
          *call.lib,
          call.lib->recv(
              reinterpret_cast<void *>(
                  out + static_cast<uint64_t>(received.start[p]) * rowBytes),
              static_cast<size_t>(received.rows[p] * rowElements),
              call.dataType, p, call.comm, stream),
          call.what);
  }
  // The group ends even after a failed call, so that NCCL's state stays
  // consistent.
  bool ended = succeeded(*call.lib, call.lib->groupEnd(), call.what);
  return ok && ended;
}

/// Device address `address` as the driver API takes it.
static api::Ptr atAddress(uint64_t address) {
  return reinterpret_cast<api::Ptr>(reinterpret_cast<void *>(address));
}

/// `n` i32 counts at device address `counts`, on the host (waits for the
/// stream).
static bool countsOnHost(uint64_t counts, int n, std::vector<int32_t> &host,
                         const std::string &what) {
  host.assign(static_cast<size_t>(n), 0);
  api::Stream stream = currentStream();
  return check(api::copyToHostAsync(host.data(), atAddress(counts),
                                    host.size() * sizeof(int32_t), stream),
               what.c_str()) &&
         check(api::streamSynchronize(stream), what.c_str());
}

/// moe.all_to_all, first step: rank r's sendCounts[i] (i32, device) becomes
/// rank i's recvCounts[r]. Returns the rows received (their sum, read back
/// to the host: this waits for the stream), 0 after an error.
MOE_EXPORT int64_t moe_collective_exchange_counts(uint64_t sendCounts,
                                                  uint64_t recvCounts,
                                                  uint64_t groupName,
                                                  int64_t groupSize) {
  // After an error the counts are zeros, never what the buffer held.
  if (ready() && !check(api::memset32Async(atAddress(recvCounts), 0,
                                           static_cast<size_t>(groupSize),
                                           currentStream()),
                        "zeroing moe.all_to_all's recv_counts"))
    return 0;
  Call call = prepare("moe.all_to_all", /*f32, unused*/ 0,
                      reinterpret_cast<const char *>(groupName), groupSize);
  if (!call.lib)
    return 0;
  call.dataType = kNcclInt32;
  RowBlocks one;
  one.start.resize(call.size);
  one.rows.assign(call.size, 1);
  for (int p = 0; p < call.size; ++p)
    one.start[p] = p;
  std::vector<int32_t> received;
  if (!exchangeBlocks(call, one, one, sendCounts, recvCounts, 1,
                      sizeof(int32_t)) ||
      !countsOnHost(recvCounts, call.size, received, "moe.all_to_all counts"))
    return 0;
  RowBlocks blocks;
  std::string why = layRowBlocks(received.data(), call.size, INT64_MAX,
                                 "recv_counts", blocks);
  if (!why.empty()) {
    fail(call.what + ": " + why);
    return 0;
  }
  return blocks.total;
}

/// moe.all_to_all, second step: the first sendCounts[0] rows of `in` (of
/// inRows, each rowElements elements) go to rank 0, the next sendCounts[1]
/// to rank 1, ...; `out` (outRows rows) receives rank 0's rows, then rank
/// 1's, ..., and zeros past the received total. The counts are read back
/// to the host first (this waits for the stream).
MOE_EXPORT void
moe_collective_all_to_all(uint64_t in, uint64_t out, int64_t inRows,
                          int64_t outRows, int64_t rowElements,
                          uint64_t sendCounts, uint64_t recvCounts,
                          int32_t type, uint64_t groupName, int64_t groupSize) {
  size_t elementBytes = type == 0 ? 4 : 2;
  // Until the rows arrive (and after an error), the result is zeros.
  size_t rowBytes = static_cast<size_t>(rowElements) * elementBytes;
  if (ready() && outRows > 0 &&
      !check(api::memset16Async(atAddress(out), 0,
                                static_cast<size_t>(outRows) * rowBytes / 2,
                                currentStream()),
             "zeroing moe.all_to_all's rows"))
    return;
  Call call = prepare("moe.all_to_all", type,
                      reinterpret_cast<const char *>(groupName), groupSize);
  if (!call.lib)
    return;
  std::vector<int32_t> send, recv;
  if (!countsOnHost(sendCounts, call.size, send, "moe.all_to_all counts") ||
      !countsOnHost(recvCounts, call.size, recv, "moe.all_to_all counts"))
    return;
  RowBlocks sent, received;
  std::string why = layExchange(send.data(), recv.data(), call.size, inRows,
                                outRows, sent, received);
  if (!why.empty()) {
    fail(call.what + ": " + why);
    return;
  }
  exchangeBlocks(call, sent, received, in, out, rowElements, elementBytes);
}
