//===- MpiCollectives.cpp - collectives of CPU libraries over Open MPI ----===//
//
// libmoe_runtime_mpi.so: what CPU libraries call for moe.all_reduce,
// moe.all_gather, moe.reduce_scatter and moe.all_to_all over a group of
// several ranks (moe_collective_*, the ABI of the GPU backends, on host
// buffers), and the moe_mpi_* API with which moe-run joins a group. One
// process per rank, started by mpirun; a group is MPI_COMM_WORLD.
//
// The reference semantics: all_reduce and reduce_scatter sum the ranks'
// values in rank order in double precision and round once to the element
// type (round to nearest even; 16-bit data over more than two ranks comes
// widened to f32 by the compiler and is rounded to 16 bits after), so
// every rank gets the same bits; the
// gathers and all_to_all move bytes. An error (a group not joined, sizes
// or counts that do not match) is recorded and the call does nothing (its
// results are zeros); all_to_all's ranks agree on errors first, so that all
// of them skip together. moe-run reads the error after the entry returns.
//
//===----------------------------------------------------------------------===//

#define OMPI_SKIP_MPICXX 1
#include <mpi.h>

#include "../AllToAllLayout.h"
#include "moe/runtime/Tensor.h"

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#define MOE_EXPORT extern "C" __attribute__((visibility("default")))

using namespace moe::runtime;

namespace {
/// The name that joins every group a program names (each is the whole job).
constexpr const char *kEveryGroup = "*";

struct Group {
  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0, size = 0;
};

std::mutex state;
std::map<std::string, Group> groups;
std::string firstError;

void fail(const std::string &why) {
  std::lock_guard<std::mutex> lock(state);
  if (firstError.empty())
    firstError = why;
}

bool failed() {
  std::lock_guard<std::mutex> lock(state);
  return !firstError.empty();
}

/// MPI's error text for `code`.
std::string mpiError(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS)
    return "MPI error " + std::to_string(code);
  return std::string(text, static_cast<size_t>(length));
}

bool succeeded(int code, const std::string &what) {
  if (code == MPI_SUCCESS)
    return true;
  fail(what + " failed: " + mpiError(code));
  return false;
}

/// What one collective call needs: the group and the element size.
struct Call {
  Group group;
  size_t elementBytes = 0;
  std::string what;
};

/// The call's group and element size (type 0 f32, 1 f16, 2 bf16; -1 for
/// none), or false after recording why it cannot run.
bool prepare(const char *op, uint64_t groupName, int64_t groupSize,
             int32_t type, Call &call) {
  if (failed())
    return false;
  std::string name = reinterpret_cast<const char *>(groupName);
  call.what = std::string(op) + " over group '" + name + "' of " +
              std::to_string(groupSize) + " ranks";
  {
    std::lock_guard<std::mutex> lock(state);
    auto it = groups.find(name);
    if (it == groups.end())
      it = groups.find(kEveryGroup);
    if (it != groups.end())
      call.group = it->second;
  }
  if (call.group.comm == MPI_COMM_NULL) {
    fail(call.what + ": this process has not joined '" + name +
         "' (run the library with moe-run --mpi --group " + name +
         " under mpirun -np " + std::to_string(groupSize) + ")");
    return false;
  }
  if (call.group.size != groupSize) {
    fail(call.what + ": the program was compiled for " +
         std::to_string(groupSize) + " ranks, the group has " +
         std::to_string(call.group.size) +
         " (expected equal sizes: mpirun -np " + std::to_string(groupSize) +
         ")");
    return false;
  }
  if (type >= 0) {
    call.elementBytes = type == 0 ? 4 : type == 1 || type == 2 ? 2 : 0;
    if (!call.elementBytes) {
      fail(call.what + ": unknown element type code " + std::to_string(type) +
           " (expected 0 f32, 1 f16 or 2 bf16)");
      return false;
    }
  }
  return true;
}

/// `count` units as an MPI count, or false after recording that it does
/// not fit (MPI counts are int).
bool mpiCount(const Call &call, int64_t count, int &out) {
  if (count < 0 || count > INT_MAX) {
    fail(call.what + ": " + std::to_string(count) +
         " bytes in one message (expected at most " + std::to_string(INT_MAX) +
         ", MPI's int count)");
    return false;
  }
  out = static_cast<int>(count);
  return true;
}

double load(const uint8_t *data, int32_t type, int64_t i) {
  if (type == 0) {
    float f;
    std::memcpy(&f, data + 4 * i, 4);
    return f;
  }
  uint16_t bits;
  std::memcpy(&bits, data + 2 * i, 2);
  return type == 1 ? f16ToFloat(bits) : bf16ToFloat(bits);
}

/// `value` as a float rounded to odd (toward zero, the last bit set when
/// inexact): rounding that to bf16 or f16 (to nearest even) gives the same
/// as rounding `value` once, as a float has more than two bits beyond them.
float roundToOdd(double value) {
  float f = static_cast<float>(value);
  if (static_cast<double>(f) == value || !std::isfinite(f))
    return f;
  if (std::fabs(static_cast<double>(f)) > std::fabs(value))
    f = std::nextafter(f, 0.0f);
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits |= 1;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// `value` rounded once to `type` (to nearest even), at element `i`.
void store(uint8_t *data, int32_t type, int64_t i, double value) {
  if (type == 0) {
    float f = static_cast<float>(value);
    std::memcpy(data + 4 * i, &f, 4);
    return;
  }
  uint16_t bits = type == 1 ? floatToF16(roundToOdd(value))
                            : floatToBF16(roundToOdd(value));
  std::memcpy(data + 2 * i, &bits, 2);
}

/// out[i] = the sum over ranks r of parts[r][i], in rank order.
void sumInRankOrder(const std::vector<uint8_t> &parts, int ranks, int64_t count,
                    int32_t type, size_t elementBytes, uint8_t *out) {
  size_t stride = static_cast<size_t>(count) * elementBytes;
  for (int64_t i = 0; i < count; ++i) {
    double sum = 0;
    for (int r = 0; r < ranks; ++r)
      sum += load(parts.data() + r * stride, type, i);
    store(out, type, i, sum);
  }
}
} // namespace

/// Joins group `group` (the name in the program's #moe.parallel layout, or
/// "*" for every group it names) as this process's rank of MPI_COMM_WORLD,
/// initializing MPI on first use; writes the rank and the group's size. 0
/// on success.
MOE_EXPORT int moe_mpi_join(const char *group, int *rank, int *size) {
  std::string name = group ? group : "";
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized && !succeeded(MPI_Init(nullptr, nullptr), "MPI_Init"))
    return 1;
  {
    std::lock_guard<std::mutex> lock(state);
    if (groups.count(name)) {
      firstError =
          "joining group '" + name + "': this process has joined it already";
      return 1;
    }
  }
  Group joined;
  if (!succeeded(MPI_Comm_dup(MPI_COMM_WORLD, &joined.comm),
                 "joining group '" + name + "'") ||
      !succeeded(MPI_Comm_rank(joined.comm, &joined.rank), "MPI_Comm_rank") ||
      !succeeded(MPI_Comm_size(joined.comm, &joined.size), "MPI_Comm_size"))
    return 1;
  std::lock_guard<std::mutex> lock(state);
  groups[name] = joined;
  *rank = joined.rank;
  *size = joined.size;
  return 0;
}

/// The first error since the process started ("" when none).
MOE_EXPORT const char *moe_mpi_last_error() {
  std::lock_guard<std::mutex> lock(state);
  return firstError.c_str();
}

/// Ends every rank of the job with `code` (after an error on this one,
/// whose peers would otherwise wait in the next collective).
MOE_EXPORT void moe_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

/// Leaves the groups and finalizes MPI. 0 on success.
MOE_EXPORT int moe_mpi_finalize() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized)
    return 0;
  std::lock_guard<std::mutex> lock(state);
  for (auto &entry : groups)
    MPI_Comm_free(&entry.second.comm);
  groups.clear();
  return MPI_Finalize() == MPI_SUCCESS ? 0 : 1;
}

/// The collectives of CPU libraries (CollectiveCalls.cpp): `count`
/// elements of `type` (0 f32, 1 f16, 2 bf16) from host address `in` to
/// `out` over the group named by the NUL-terminated string at `groupName`,
/// whose size the program was compiled for is `groupSize`.

/// moe.all_reduce (sum): `count` elements in and out.
MOE_EXPORT void moe_collective_all_reduce(uint64_t in, uint64_t out,
                                          int64_t count, int32_t type,
                                          uint64_t groupName,
                                          int64_t groupSize) {
  Call call;
  int bytes;
  if (!prepare("moe.all_reduce", groupName, groupSize, type, call) ||
      !mpiCount(call, count * static_cast<int64_t>(call.elementBytes), bytes))
    return;
  std::vector<uint8_t> parts(static_cast<size_t>(bytes) * call.group.size);
  if (succeeded(MPI_Allgather(reinterpret_cast<const void *>(in), bytes,
                              MPI_BYTE, parts.data(), bytes, MPI_BYTE,
                              call.group.comm),
                call.what))
    sumInRankOrder(parts, call.group.size, count, type, call.elementBytes,
                   reinterpret_cast<uint8_t *>(out));
}

/// The ranks' `count` elements each, stacked in rank order into `out`.
MOE_EXPORT void moe_collective_all_gather(uint64_t in, uint64_t out,
                                          int64_t count, int32_t type,
                                          uint64_t groupName,
                                          int64_t groupSize) {
  Call call;
  int bytes;
  if (!prepare("moe.all_gather", groupName, groupSize, type, call) ||
      !mpiCount(call, count * static_cast<int64_t>(call.elementBytes), bytes))
    return;
  succeeded(MPI_Allgather(reinterpret_cast<const void *>(in), bytes, MPI_BYTE,
                          reinterpret_cast<void *>(out), bytes, MPI_BYTE,
                          call.group.comm),
            call.what);
}

/// Rank r's `count` elements of the sum: slice r of `in` (groupSize x count
/// elements), summed over the ranks.
MOE_EXPORT void moe_collective_reduce_scatter(uint64_t in, uint64_t out,
                                              int64_t count, int32_t type,
                                              uint64_t groupName,
                                              int64_t groupSize) {
  Call call;
  int bytes;
  if (!prepare("moe.reduce_scatter", groupName, groupSize, type, call) ||
      !mpiCount(call, count * static_cast<int64_t>(call.elementBytes), bytes))
    return;
  // Slice r of every rank's input goes to rank r.
  std::vector<uint8_t> parts(static_cast<size_t>(bytes) * call.group.size);
  if (succeeded(MPI_Alltoall(reinterpret_cast<const void *>(in), bytes,
                             MPI_BYTE, parts.data(), bytes, MPI_BYTE,
                             call.group.comm),
                call.what))
    sumInRankOrder(parts, call.group.size, count, type, call.elementBytes,
                   reinterpret_cast<uint8_t *>(out));
}

/// moe.all_to_all, first step: rank r's sendCounts[i] (i32) becomes rank
/// i's recvCounts[r]. Returns the rows received (their sum), 0 after an
/// error.
MOE_EXPORT int64_t moe_collective_exchange_counts(uint64_t sendCounts,
                                                  uint64_t recvCounts,
                                                  uint64_t groupName,
                                                  int64_t groupSize) {
  auto *recv = reinterpret_cast<int32_t *>(recvCounts);
  // After an error the counts are zeros, never what the buffer held.
  std::memset(recv, 0, static_cast<size_t>(groupSize) * sizeof(int32_t));
  Call call;
  if (!prepare("moe.all_to_all", groupName, groupSize, -1, call))
    return 0;
  if (!succeeded(MPI_Alltoall(reinterpret_cast<const void *>(sendCounts), 1,
                              MPI_INT32_T, recv, 1, MPI_INT32_T,
                              call.group.comm),
                 call.what + " (its counts)"))
    return 0;
  RowBlocks sent, blocks;
  std::string why =
      layRowBlocks(reinterpret_cast<const int32_t *>(sendCounts),
                   call.group.size, INT64_MAX, "send_counts", sent);
  if (why.empty())
    why = layRowBlocks(recv, call.group.size, INT64_MAX, "recv_counts", blocks);
  // The ranks agree: one rank's error fails the call on every rank, so
  // that they all skip the rows (and no rank waits for another's).
  int mine = why.empty() ? 1 : 0, everyone = 0;
  if (!succeeded(
          MPI_Allreduce(&mine, &everyone, 1, MPI_INT, MPI_MIN, call.group.comm),
          call.what))
    return 0;
  if (!everyone) {
    fail(call.what + ": " +
         (why.empty() ? std::string("another rank's counts are invalid "
                                    "(expected every rank's to be valid)")
                      : why));
    std::memset(recv, 0, static_cast<size_t>(groupSize) * sizeof(int32_t));
    return 0;
  }
  return blocks.total;
}

/// moe.all_to_all, second step: the first sendCounts[0] rows of `in` (of
/// inRows, each rowElements elements) go to rank 0, the next sendCounts[1]
/// to rank 1, ...; `out` (outRows rows) receives rank 0's rows, then rank
/// 1's, ..., and zeros past the received total.
MOE_EXPORT void
moe_collective_all_to_all(uint64_t in, uint64_t out, int64_t inRows,
                          int64_t outRows, int64_t rowElements,
                          uint64_t sendCounts, uint64_t recvCounts,
                          int32_t type, uint64_t groupName, int64_t groupSize) {
  // Until the rows arrive (and after an error), the result is zeros.
  auto *outBytes = reinterpret_cast<uint8_t *>(out);
  size_t outBytesTotal =
      static_cast<size_t>(outRows * rowElements) * (type == 0 ? 4 : 2);
  std::memset(outBytes, 0, outBytesTotal);
  Call call;
  if (!prepare("moe.all_to_all", groupName, groupSize, type, call))
    return;
  int ranks = call.group.size;
  int64_t rowBytes = rowElements * static_cast<int64_t>(call.elementBytes);
  RowBlocks sent, received;
  std::string why = layExchange(reinterpret_cast<const int32_t *>(sendCounts),
                                reinterpret_cast<const int32_t *>(recvCounts),
                                ranks, inRows, outRows, sent, received);
  bool ok = why.empty();
  if (!ok)
    fail(call.what + ": " + why);
  // MPI_Alltoallv's byte counts and offsets.
  std::vector<int> sendBytes(ranks), sendAt(ranks), recvBytes(ranks),
      recvAt(ranks);
  for (int r = 0; r < ranks && ok; ++r)
    ok = mpiCount(call, sent.rows[r] * rowBytes, sendBytes[r]) &&
         mpiCount(call, sent.start[r] * rowBytes, sendAt[r]) &&
         mpiCount(call, received.rows[r] * rowBytes, recvBytes[r]) &&
         mpiCount(call, received.start[r] * rowBytes, recvAt[r]);
  // The ranks agree first: one rank's error makes every rank skip the
  // exchange, instead of leaving the others waiting for its rows.
  int mine = ok ? 1 : 0, everyone = 0;
  if (!succeeded(
          MPI_Allreduce(&mine, &everyone, 1, MPI_INT, MPI_MIN, call.group.comm),
          call.what))
    return;
  if (!everyone) {
    if (ok)
      fail(call.what + ": another rank's counts do not fit its buffers "
                       "(expected every rank's to)");
    return;
  }
  succeeded(MPI_Alltoallv(reinterpret_cast<const void *>(in), sendBytes.data(),
                          sendAt.data(), MPI_BYTE, outBytes, recvBytes.data(),
                          recvAt.data(), MPI_BYTE, call.group.comm),
            call.what);
}
