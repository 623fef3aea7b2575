//===- PeerWorkspace.cpp - workspaces the ranks of a node share -----------===//
//
// The peer workspaces of the one-shot all_reduce + RMSNorm kernel
// (lib/Conversion/MoEToGPU/OneShotAllReduce.h has the layout and the
// protocol). Each rank of a group allocates its workspace and hands its IPC
// handle to the others out of band (moe-run through files next to its
// --comm-file; an engine through its own channel), then opens theirs:
//   moe_device_peer_workspace(group, buffer_bytes, max_rows, handle)
//   moe_device_peer_open(group, handles of every rank, in rank order)
// Compiled programs ask moe_collective_one_shot_table whether their rows fit;
// without a workspace they take the library's all_reduce and the norm.
// The ranks may share a device: the kernels then wait for each other
// through the device's time slices (slow, but right).
//
//===----------------------------------------------------------------------===//

#include "Backend.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

using namespace moe::runtime;
using namespace moe::runtime::backend;

namespace {
/// A group's workspace on this rank and, once opened, the peer table.
struct Workspace {
  api::Ptr base{};
  int64_t flagBytes = 0, bufferBytes = 0, maxRows = 0;
  int rank = 0, size = 0;
  /// The peers' workspaces as opened here (null at this rank's index).
  std::vector<api::Ptr> opened;
  api::Ptr table{};
};

std::mutex workspacesMutex;
std::map<std::string, Workspace> &workspaces() {
  static std::map<std::string, Workspace> w;
  return w;
}

constexpr int64_t kAlign = 256;

int64_t alignUp(int64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

/// `p` as the address kernels take (CUDA's device pointers are integers,
/// HIP's are pointers).
uint64_t addressOf(api::Ptr p) { return (uint64_t)(uintptr_t)p; }
} // namespace

/// The bytes of one IPC handle (CUDA's and HIP's are both 64).
static_assert(sizeof(api::IpcHandle) == 64, "IPC handles are 64 bytes");

/// Allocates this rank's workspace for group `group`, which it has joined
/// (moe_device_collective_init): u32 flags for `maxRows` rows from each rank,
/// then two buffers of `bufferBytes`; the flags start at zero. Writes its
/// IPC handle (64 bytes) to `handle`. 0 on success.
MOE_EXPORT int moe_device_peer_workspace(const char *group, int64_t bufferBytes,
                                         int64_t maxRows, void *handle) {
  std::string name = group ? group : "";
  std::string what = "making the peer workspace of group '" + name + "'";
  if (!ready())
    return 1;
  Workspace w;
  if (!groupMember(name, w.rank, w.size)) {
    fail(what + ": this process has not joined it "
                "(moe_device_collective_init first)");
    return 1;
  }
  if (bufferBytes < 1 || maxRows < 1 || bufferBytes > (int64_t(1) << 40) ||
      maxRows > (int64_t(1) << 24)) {
    fail(what +
         ": expected buffer bytes in [1, 2^40] and rows in [1, 2^24], "
         "got " +
         std::to_string(bufferBytes) + " bytes and " + std::to_string(maxRows) +
         " rows");
    return 1;
  }
  {
    std::lock_guard<std::mutex> lock(workspacesMutex);
    if (workspaces().count(name)) {
      fail(what + ": it has one already");
      return 1;
    }
  }
  w.flagBytes = alignUp(maxRows * w.size * 4);
  w.bufferBytes = alignUp(bufferBytes);
  w.maxRows = maxRows;
  size_t total = static_cast<size_t>(w.flagBytes + 2 * w.bufferBytes);
  api::IpcHandle ipc;
  if (!check(api::mallocShared(&w.base, total), what.c_str()))
    return 1;
  if (!check(api::memset32(w.base, 0, static_cast<size_t>(w.flagBytes / 4)),
             what.c_str()) ||
      !check(api::ipcHandle(&ipc, w.base), what.c_str())) {
    api::freeShared(w.base);
    return 1;
  }
  std::memcpy(handle, &ipc, sizeof(ipc));
  std::lock_guard<std::mutex> lock(workspacesMutex);
  workspaces()[name] = w;
  return 0;
}

/// Opens the workspaces of group `group`'s other ranks from `handles` (the
/// group's size x 64 bytes, rank order, this rank's own included) and
/// makes the peer table the one-shot kernels read. 0 on success.
MOE_EXPORT int moe_device_peer_open(const char *group, const void *handles) {
  std::string name = group ? group : "";
  std::string what = "opening the peer workspaces of group '" + name + "'";
  if (!ready())
    return 1;
  Workspace w;
  {
    std::lock_guard<std::mutex> lock(workspacesMutex);
    auto it = workspaces().find(name);
    if (it == workspaces().end()) {
      fail(what + ": this rank has no workspace (moe_device_peer_workspace "
                  "first)");
      return 1;
    }
    w = it->second;
  }
  if (w.table) {
    fail(what + ": they are open already");
    return 1;
  }
  std::vector<uint64_t> entries;
  w.opened.assign(static_cast<size_t>(w.size), api::Ptr{});
  bool ok = true;
  for (int p = 0; p < w.size && ok; ++p) {
    if (p == w.rank) {
      entries.push_back(addressOf(w.base));
      continue;
    }
    api::IpcHandle ipc;
    std::memcpy(&ipc, static_cast<const char *>(handles) + 64 * p, 64);
    ok = check(api::ipcOpen(&w.opened[p], ipc),
               (what + ": rank " + std::to_string(p) + "'s").c_str());
    entries.push_back(addressOf(w.opened[p]));
  }
  entries.push_back(static_cast<uint64_t>(w.rank));
  entries.push_back(static_cast<uint64_t>(w.flagBytes));
  entries.push_back(static_cast<uint64_t>(w.bufferBytes));
  size_t tableBytes = entries.size() * sizeof(uint64_t);
  ok = ok && check(api::mallocShared(&w.table, tableBytes), what.c_str()) &&
       check(api::copyToDevice(w.table, entries.data(), tableBytes),
             what.c_str());
  if (!ok) {
    for (api::Ptr p : w.opened)
      if (p)
        api::ipcClose(p);
    if (w.table)
      api::freeShared(w.table);
    return 1;
  }
  std::lock_guard<std::mutex> lock(workspacesMutex);
  workspaces()[name] = w;
  return 0;
}

/// The peer table of the group named by the NUL-terminated host string at
/// `groupName` when its workspaces are open, the program was compiled for
/// the group's size, `rows` <= its rows and rows x rowBytes <= both
/// `maxBytes` and its buffers (rows 0: no size check); else 0, and the
/// program takes the library's all_reduce and the norm.
MOE_EXPORT uint64_t moe_collective_one_shot_table(uint64_t groupName,
                                                  int64_t groupSize,
                                                  int64_t rows,
                                                  int64_t rowBytes,
                                                  int64_t maxBytes) {
  if (failed())
    return 0;
  std::string name = reinterpret_cast<const char *>(groupName);
  std::lock_guard<std::mutex> lock(workspacesMutex);
  auto it = workspaces().find(name);
  if (it == workspaces().end() || !it->second.table ||
      it->second.size != groupSize)
    return 0;
  const Workspace &w = it->second;
  if (rows < 0 || rowBytes < 0 || rows > w.maxRows ||
      (rowBytes > 0 && rows > std::min(maxBytes, w.bufferBytes) / rowBytes))
    return 0;
  return addressOf(w.table);
}
