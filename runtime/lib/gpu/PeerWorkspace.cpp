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
// A workspace starts with a header of its sizes, which every rank checks
// against its own when it opens the others': the ranks must agree, or one
// would take the kernel where another takes NCCL.
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
  /// The row bytes of the group's first one-shot call (0: none yet).
  int64_t rowBytes = 0;
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

/// The first bytes of a workspace (kAlign of them, before the flags).
struct Header {
  uint64_t magic, bufferBytes, maxRows, size;
};
constexpr uint64_t kMagic = 0x314545505f454f4dull; // "MOE_PEE1"

int64_t alignUp(int64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

/// `p` as the address kernels take (CUDA's device pointers are integers,
/// HIP's are pointers).
uint64_t addressOf(api::Ptr p) { return (uint64_t)(uintptr_t)p; }

/// Where the flags of workspace `base` start (after its header).
api::Ptr flagsAt(api::Ptr base) {
  return (api::Ptr)(uintptr_t)(addressOf(base) + kAlign);
}
api::Ptr flagsOf(const Workspace &w) { return flagsAt(w.base); }
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
  std::lock_guard<std::mutex> lock(workspacesMutex);
  if (workspaces().count(name)) {
    fail(what + ": it has one already");
    return 1;
  }
  w.flagBytes = alignUp(maxRows * w.size * 4);
  w.bufferBytes = alignUp(bufferBytes);
  w.maxRows = maxRows;
  size_t total = static_cast<size_t>(kAlign + w.flagBytes + 2 * w.bufferBytes);
  Header header{kMagic, static_cast<uint64_t>(w.bufferBytes),
                static_cast<uint64_t>(w.maxRows),
                static_cast<uint64_t>(w.size)};
  api::IpcHandle ipc;
  if (!check(api::mallocShared(&w.base, total), what.c_str()))
    return 1;
  // The flags start at zero before any peer can see the handle.
  if (!check(api::copyToDevice(w.base, &header, sizeof(header)),
             what.c_str()) ||
      !check(api::memset32(flagsOf(w), 0, static_cast<size_t>(w.flagBytes / 4)),
             what.c_str()) ||
      !check(api::synchronizeAll(), what.c_str()) ||
      !check(api::ipcHandle(&ipc, w.base), what.c_str())) {
    (void)api::freeShared(w.base);
    return 1;
  }
  std::memcpy(handle, &ipc, sizeof(ipc));
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
  std::lock_guard<std::mutex> lock(workspacesMutex);
  auto it = workspaces().find(name);
  if (it == workspaces().end()) {
    fail(what + ": this rank has no workspace (moe_device_peer_workspace "
                "first)");
    return 1;
  }
  Workspace w = it->second;
  if (w.table) {
    fail(what + ": they are open already");
    return 1;
  }
  std::vector<uint64_t> entries;
  w.opened.assign(static_cast<size_t>(w.size), api::Ptr{});
  bool ok = true;
  for (int p = 0; p < w.size && ok; ++p) {
    if (p == w.rank) {
      entries.push_back(addressOf(flagsOf(w)));
      continue;
    }
    std::string peer = what + ": rank " + std::to_string(p) + "'s";
    api::IpcHandle ipc;
    std::memcpy(&ipc, static_cast<const char *>(handles) + 64 * p, 64);
    Header theirs{};
    ok = check(api::ipcOpen(&w.opened[p], ipc), peer.c_str()) &&
         check(api::copyToHost(&theirs, w.opened[p], sizeof(theirs)),
               peer.c_str());
    if (ok && (theirs.magic != kMagic ||
               theirs.bufferBytes != static_cast<uint64_t>(w.bufferBytes) ||
               theirs.maxRows != static_cast<uint64_t>(w.maxRows) ||
               theirs.size != static_cast<uint64_t>(w.size))) {
      fail(peer +
           " workspace differs from this rank's (expected equal "
           "sizes on every rank): expected " +
           std::to_string(w.bufferBytes) + " buffer bytes, " +
           std::to_string(w.maxRows) + " rows and " + std::to_string(w.size) +
           " ranks, found " + std::to_string(theirs.bufferBytes) + ", " +
           std::to_string(theirs.maxRows) + " and " +
           std::to_string(theirs.size) +
           (theirs.magic == kMagic ? "" : " (not a peer workspace)"));
      ok = false;
    }
    entries.push_back(addressOf(flagsAt(w.opened[p])));
  }
  entries.push_back(static_cast<uint64_t>(w.rank));
  entries.push_back(static_cast<uint64_t>(w.flagBytes));
  entries.push_back(static_cast<uint64_t>(w.bufferBytes));
  size_t tableBytes = entries.size() * sizeof(uint64_t);
  ok = ok && check(api::mallocShared(&w.table, tableBytes), what.c_str()) &&
       check(api::copyToDevice(w.table, entries.data(), tableBytes),
             what.c_str()) &&
       check(api::synchronizeAll(), what.c_str());
  if (!ok) {
    for (api::Ptr p : w.opened)
      if (p)
        (void)api::ipcClose(p);
    if (w.table)
      (void)api::freeShared(w.table);
    return 1;
  }
  it->second = w;
  return 0;
}

/// The peer table of the group named by the NUL-terminated host string at
/// `groupName` when its workspaces are open, the program was compiled for
/// the group's size, `rows` <= its rows and rows x rowBytes <= both
/// `maxBytes` and its buffers (rows 0: no size check); else 0, and the
/// program takes the library's all_reduce and the norm. The first call
/// with rows fixes the group's row bytes: a row's place in a buffer is
/// row x row bytes, so a peer one call ahead with other row bytes could
/// overwrite rows still being read; calls with other row bytes (another
/// hidden size or type) take the library. Every rank makes the same calls,
/// so every rank decides the same.
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
  Workspace &w = it->second;
  if (rows < 0 || rowBytes < 0 || rows > w.maxRows ||
      (rowBytes > 0 && rows > std::min(maxBytes, w.bufferBytes) / rowBytes))
    return 0;
  if (rows > 0 && rowBytes > 0) {
    if (w.rowBytes == 0)
      w.rowBytes = rowBytes;
    if (w.rowBytes != rowBytes)
      return 0;
  }
  return addressOf(w.table);
}
