//===- moe-run.cpp - run an entry of a compiled moe library ---------------===//
//
// Loads inputs (.npy or random), calls one entry, writes and summarizes results.
//
//===----------------------------------------------------------------------===//

#include "moe/runtime/HostProgram.h"
#include "moe/runtime/MpiGroup.h"
#include "moe/runtime/Npy.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

using namespace moe::runtime;

// clang-format off
static const char *usage =
    "usage: moe-run LIB.so [options]\n"
    "\n"
    "Calls one entry of a library built by moe-compile and prints a summary\n"
    "of its results (shape, sum, sum of |x|).\n"
    "\n"
    "  --entry NAME        entry to call (optional when the library has one)\n"
    "  --input FILE.npy    one per argument, in order; bf16/f16/f32 tensors\n"
    "                      are float32 .npy (rounded to nearest even),\n"
    "                      i32 tensors int32, i64/index int64; scalars 0-d;\n"
    "                      fp8/E8M0 tensors uint8 codes, fp4 tensors uint8\n"
    "                      with two codes per byte (low nibble first, last\n"
    "                      dimension halved)\n"
    "  --random-inputs     generate every input instead: floats uniform in\n"
    "                      [-1, 1), integers uniform in [0, --int-max],\n"
    "                      fp8/fp4 codes of magnitude below 2, E8M0 scales\n"
    "                      2^-8 .. 2^7\n"
    "  --seed N            seed of --random-inputs (default 0)\n"
    "  --dim T=N           size of the dynamic dimension T (every dynamic\n"
    "                      size in a signature is the token count T)\n"
    "  --int-max N         largest random integer (default 0)\n"
    "  --output-dir DIR    write DIR/result0.npy, DIR/result1.npy, ...\n"
    "                      (bf16/f16 results as float32, quantized ones as\n"
    "                      their codes, like inputs)\n"
    "  --bench N           call N more times and print the time per call\n"
    "  --backend B         where to run: cpu (default; libraries built with\n"
    "                      --target=cpu), cuda (--target=sm_90) or hip\n"
    "                      (--target=gfx942|gfx950); a GPU backend is\n"
    "                      libmoe_runtime_B.so from next to moe-run, ../lib or\n"
    "                      $MOE_RUNTIME_CUDA / $MOE_RUNTIME_HIP; the device is\n"
    "                      $MOE_CUDA_DEVICE / $MOE_HIP_DEVICE (default 0)\n"
    "  --ranks N --rank R --comm-file F [--group G]\n"
    "                      run as rank R of N of group G (default tp) for a\n"
    "                      library with collectives over several ranks (GPU\n"
    "                      backends; NCCL on cuda, RCCL on hip, or the library\n"
    "                      $MOE_NCCL_LIBRARY / $MOE_RCCL_LIBRARY names): start\n"
    "                      one moe-run per rank, each on its own device; rank 0\n"
    "                      writes the group's id to F (which must not exist\n"
    "                      yet; it is removed once all have joined) and the\n"
    "                      others wait up to 120 s for it (one group per run)\n"
    "  --mpi [--group G]   run as this process's rank of an MPI job, for a CPU\n"
    "                      library with collectives over several ranks:\n"
    "                      mpirun -np N moe-run LIB.so --mpi ... Every group\n"
    "                      the program names (or only G) is every rank of the\n"
    "                      job, so N must be its size. Needs the MPI\n"
    "                      backend, libmoe_runtime_mpi.so (next to moe-run,\n"
    "                      ../lib or $MOE_RUNTIME_MPI). A collective's error\n"
    "                      fails it on every rank; another error on one rank\n"
    "                      aborts the job. Give each rank its own --input and\n"
    "                      --output-dir with mpirun's A : B form\n"
    "  --list              print the entries of the library and exit (reads\n"
    "                      its manifest only: no GPU or backend needed)\n"
    "  --help              this text\n";
// clang-format on

static int fail(const std::string &message) {
  std::fprintf(stderr, "moe-run: error: %s\n", message.c_str());
  return 1;
}

static bool parseInt(const char *text, int64_t &value) {
  char *end = nullptr;
  errno = 0;
  long long v = std::strtoll(text, &end, 10);
  if (errno || !end || *end || end == text)
    return false;
  value = v;
  return true;
}

/// The .npy dtype that carries tensors of `dtype`.
static const char *npyDescr(DType dtype) {
  if (isFloat(dtype))
    return "<f4";
  if (isQuantized(dtype))
    return "|u1";
  return dtype == DType::I32 ? "<i4" : "<i8";
}

/// A random finite code of a quantized dtype from the random bits `r`:
/// fp8 and fp4 magnitudes below 2, E8M0 scales in [2^-8, 2^7].
static double randomCode(DType dtype, uint64_t r) {
  switch (dtype) {
  case DType::F8E8M0FNU:
    return static_cast<double>(119 + r % 16);
  case DType::F4E2M1FN:
    return static_cast<double>(r & 0xB); // |v| <= 1.5
  case DType::F8E4M3FNUZ: {
    uint64_t code = r & 0xBF; // exponent field <= 7: |v| < 1
    return static_cast<double>(code == 0x80 ? 0 : code);
  }
  default:
    return static_cast<double>(r & 0xBF); // exponent field <= 7
  }
}

/// `packedFp4`: a GPU library's fp4 tensors stay two codes a byte (its
/// kernels read them so); a CPU library takes one code a byte.
static bool loadInput(const std::string &path, const ValueSpec &spec,
                      size_t index, bool packedFp4, HostTensor &tensor,
                      std::string &error) {
  NpyArray array;
  if (!readNpy(path, array, error))
    return false;
  std::string want = npyDescr(spec.dtype);
  if (array.descr != want) {
    error = "input " + std::to_string(index) + " ('" + path + "'): expected " +
            want + " data for " + spec.describe() + ", got '" + array.descr +
            "'";
    return false;
  }
  tensor.dtype = spec.dtype;
  tensor.shape = array.shape;
  if (isQuantized(spec.dtype)) {
    // Raw codes; fp4 files hold two per byte (low nibble first).
    bool packed = spec.dtype == DType::F4E2M1FN;
    if (packed && !tensor.shape.empty())
      tensor.shape.back() *= 2;
    if (packed && packedFp4) {
      tensor.bytes = array.data;
      return true;
    }
    tensor.bytes.resize(static_cast<size_t>(tensor.numElements()));
    for (size_t i = 0; i < tensor.bytes.size(); ++i)
      tensor.bytes[i] =
          packed ? (array.data[i / 2] >> (4 * (i % 2))) & 0xF : array.data[i];
    return true;
  }
  tensor.bytes.assign(static_cast<size_t>(tensor.numElements()) *
                          dtypeSize(spec.dtype),
                      0);
  for (int64_t i = 0; i < tensor.numElements(); ++i) {
    double v;
    if (want == "<f4") {
      float f;
      std::memcpy(&f, array.data.data() + 4 * i, 4);
      v = f;
    } else if (want == "<i4") {
      int32_t x;
      std::memcpy(&x, array.data.data() + 4 * i, 4);
      v = x;
    } else {
      int64_t x;
      std::memcpy(&x, array.data.data() + 8 * i, 8);
      v = static_cast<double>(x);
    }
    tensor.set(i, v);
  }
  return true;
}

static bool writeOutput(const std::string &path, const HostTensor &tensor,
                        std::string &error) {
  NpyArray array;
  array.descr = npyDescr(tensor.dtype);
  array.shape = tensor.shape;
  if (tensor.dtype == DType::F4E2M1FN && !array.shape.empty()) {
    // Two codes per byte, low nibble first, along the last dimension.
    int64_t cols = array.shape.back(),
            rows = tensor.numElements() / std::max<int64_t>(cols, 1);
    int64_t packedCols = (cols + 1) / 2;
    array.shape.back() = packedCols;
    array.data.assign(static_cast<size_t>(rows * packedCols), 0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        array.data[r * packedCols + c / 2] |= static_cast<uint8_t>(
            (tensor.bytes[r * cols + c] & 0xF) << (4 * (c % 2)));
    return writeNpy(path, array, error);
  }
  if (isQuantized(tensor.dtype)) {
    array.data = tensor.bytes;
    return writeNpy(path, array, error);
  }
  size_t size = npyElementSize(array.descr);
  array.data.resize(static_cast<size_t>(tensor.numElements()) * size);
  for (int64_t i = 0; i < tensor.numElements(); ++i) {
    double v = tensor.at(i);
    if (size == 4 && isFloat(tensor.dtype)) {
      float f = static_cast<float>(v);
      std::memcpy(array.data.data() + 4 * i, &f, 4);
    } else if (size == 4) {
      int32_t x = static_cast<int32_t>(v);
      std::memcpy(array.data.data() + 4 * i, &x, 4);
    } else {
      int64_t x = static_cast<int64_t>(v);
      std::memcpy(array.data.data() + 8 * i, &x, 8);
    }
  }
  return writeNpy(path, array, error);
}

/// Writes `bytes` to `path` through a temporary file and a rename, so that
/// a reader never sees half of it.
static bool writeWhole(const std::string &path, const std::string &bytes,
                       std::string &error) {
  std::string temporary = path + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(temporary, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      error = "cannot write '" + temporary + "'";
      return false;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    error = "cannot rename '" + temporary + "' to '" + path + "'";
    return false;
  }
  return true;
}

/// Waits up to 120 s for `path` (written by writeWhole) and reads it.
static bool readWhenThere(const std::string &path, const std::string &what,
                          std::string &bytes, std::string &error) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  for (;;) {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      bytes.assign(std::istreambuf_iterator<char>(in),
                   std::istreambuf_iterator<char>());
      return true;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      error = "waited 120 s for " + what + " ('" + path + "')";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

/// Rows of a peer workspace (its flags), whatever the hidden size.
static constexpr int64_t kPeerWorkspaceRows = 65536;

/// Joins `group` as `rank` of `ranks` through files next to `commFile`:
///   F          the group's id, which rank 0 makes (the others wait for it);
///   F.peer<r>  rank r's peer workspace handle (empty without one);
///   F.done<r>  rank r has read every handle; rank 0 then removes them all.
/// With `oneShotBytes` > 0 each rank makes a peer workspace of two buffers
/// of that size and opens the others' (the one-shot all_reduce + norm
/// kernels run over them); when a rank makes none, no rank opens any.
static bool joinGroup(DeviceBackend &device, const std::string &group, int rank,
                      int ranks, const std::string &commFile,
                      int64_t oneShotBytes, std::string &error) {
  auto peerFile = [&](const char *kind, int r) {
    return commFile + "." + kind + std::to_string(r);
  };
  std::string id;
  if (rank == 0) {
    if (access(commFile.c_str(), F_OK) == 0) {
      error = "'" + commFile +
              "' exists already (an id left by an earlier run?): the other "
              "ranks could read it instead of this run's; remove it or pass "
              "another --comm-file";
      return false;
    }
    id.resize(128);
    if (device.collectiveId(id.data()) != 0) {
      error = device.error();
      return false;
    }
    // Files of an earlier run that stopped halfway (the others start on
    // theirs only after they read this run's id).
    for (int r = 0; r < ranks; ++r) {
      std::remove(peerFile("peer", r).c_str());
      std::remove(peerFile("done", r).c_str());
    }
    if (!writeWhole(commFile, id, error))
      return false;
  } else if (!readWhenThere(commFile, "rank 0 to write the group's id", id,
                            error)) {
    return false;
  } else if (id.size() != 128) {
    error = "'" + commFile + "' holds " + std::to_string(id.size()) +
            " bytes, expected a group id of 128";
    return false;
  }
  if (device.collectiveInit(group.c_str(), rank, ranks, id.data()) != 0) {
    error = device.error();
    return false;
  }
  std::string handle;
  if (oneShotBytes > 0) {
    handle.resize(64);
    if (device.peerWorkspace(group.c_str(), oneShotBytes, kPeerWorkspaceRows,
                             handle.data()) != 0) {
      error = device.error() + " (--one-shot-mib 0 runs without)";
      return false;
    }
  }
  if (!writeWhole(peerFile("peer", rank), handle, error))
    return false;
  std::string handles;
  bool everyone = true;
  for (int r = 0; r < ranks; ++r) {
    std::string theirs;
    if (!readWhenThere(peerFile("peer", r),
                       "rank " + std::to_string(r) + "'s workspace handle",
                       theirs, error))
      return false;
    everyone = everyone && theirs.size() == 64;
    handles += theirs;
  }
  if (!writeWhole(peerFile("done", rank), "", error))
    return false;
  // Every rank opens the workspaces when every rank has made one, so that
  // all or none of them run the one-shot kernels.
  if (everyone && device.peerOpen(group.c_str(), handles.data()) != 0) {
    error = device.error() + " (--one-shot-mib 0 runs without)";
    return false;
  }
  if (rank == 0) {
    std::string done;
    for (int r = 0; r < ranks; ++r)
      if (!readWhenThere(peerFile("done", r),
                         "rank " + std::to_string(r) + " to read the handles",
                         done, error))
        return false;
    std::remove(commFile.c_str());
    for (int r = 0; r < ranks; ++r) {
      std::remove(peerFile("peer", r).c_str());
      std::remove(peerFile("done", r).c_str());
    }
  }
  return true;
}

int main(int argc, char **argv) {
  std::string library, entryName, outputDir, backend = "cpu";
  std::vector<std::string> inputPaths;
  bool random = false, list = false, mpi = false;
  int64_t seed = 0, tokens = -1, intMax = 0, bench = 0;
  int64_t ranks = 1, rank = -1;
  int64_t oneShotMiB = 8;
  std::string group, commFile;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char *flag) -> const char * {
      std::string prefix = std::string(flag) + "=";
      if (arg.rfind(prefix, 0) == 0)
        return argv[i] + prefix.size();
      if (arg == flag && i + 1 < argc)
        return argv[++i];
      return nullptr;
    };
    const char *v;
    if (arg == "--help" || arg == "-h") {
      std::fputs(usage, stdout);
      return 0;
    } else if (arg == "--random-inputs") {
      random = true;
    } else if (arg == "--mpi") {
      mpi = true;
    } else if (arg == "--list") {
      list = true;
    } else if ((v = value("--entry"))) {
      entryName = v;
    } else if ((v = value("--input"))) {
      inputPaths.push_back(v);
    } else if ((v = value("--output-dir"))) {
      outputDir = v;
    } else if ((v = value("--backend"))) {
      backend = v;
    } else if ((v = value("--seed"))) {
      if (!parseInt(v, seed))
        return fail(std::string("--seed expects an integer, got '") + v + "'");
    } else if ((v = value("--int-max"))) {
      if (!parseInt(v, intMax) || intMax < 0)
        return fail(std::string("--int-max expects an integer >= 0, got '") +
                    v + "'");
    } else if ((v = value("--bench"))) {
      if (!parseInt(v, bench) || bench < 0)
        return fail(std::string("--bench expects an integer >= 0, got '") + v +
                    "'");
    } else if ((v = value("--ranks"))) {
      if (!parseInt(v, ranks) || ranks < 1)
        return fail(std::string("--ranks expects an integer >= 1, got '") + v +
                    "'");
    } else if ((v = value("--rank"))) {
      if (!parseInt(v, rank) || rank < 0)
        return fail(std::string("--rank expects an integer >= 0, got '") + v +
                    "'");
    } else if ((v = value("--group"))) {
      group = v;
    } else if ((v = value("--comm-file"))) {
      commFile = v;
    } else if ((v = value("--one-shot-mib"))) {
      if (!parseInt(v, oneShotMiB) || oneShotMiB < 0 || oneShotMiB > 65536)
        return fail(std::string("--one-shot-mib expects an integer in [0, "
                                "65536], got '") +
                    v + "'");
    } else if ((v = value("--dim"))) {
      std::string dim = v;
      if (dim.rfind("T=", 0) != 0 || !parseInt(v + 2, tokens) || tokens < 0)
        return fail("--dim expects T=N with N >= 0 (T is the only dynamic "
                    "dimension), got '" + dim + "'");
    } else if (!arg.empty() && arg[0] == '-') {
      return fail("unknown option '" + arg + "' (see --help)");
    } else if (library.empty()) {
      library = arg;
    } else {
      return fail("unexpected argument '" + arg + "' (see --help)");
    }
  }
  if (library.empty())
    return fail("expected a library: moe-run LIB.so [options] (see --help)");
  if (backend != "cpu" && backend != "cuda" && backend != "hip")
    return fail("unsupported --backend '" + backend +
                "'; expected cpu, cuda or hip");

  std::string error;
  if (list) {
    // The manifest alone: a GPU library lists without a GPU or backend.
    std::string text, target;
    std::vector<EntrySpec> entries;
    std::vector<std::string> checks;
    if (!readManifestFromFile(library, text, error) ||
        !parseManifest(text, entries, checks, target, error))
      return fail(error);
    for (const EntrySpec &entry : entries) {
      std::printf("entry %s\n", entry.name.c_str());
      // A GPU library (its manifest names a target) reads fp4 two codes a
      // byte.
      for (size_t i = 0; i < entry.args.size(); ++i)
        std::printf("  arg%zu: %s%s\n", i, entry.args[i].describe().c_str(),
                    entry.args[i].dtype == DType::F4E2M1FN && !target.empty()
                        ? " (two codes per byte)"
                        : "");
      for (size_t i = 0; i < entry.results.size(); ++i)
        std::printf("  result%zu: %s\n", i,
                    entry.results[i].describe().c_str());
      for (const BucketSpec &b : entry.buckets) {
        std::string range = std::to_string(b.min) + "..";
        if (b.max >= 0)
          range += std::to_string(b.max);
        std::printf("  bucket T=%s: %s (planned for T=%lld)\n", range.c_str(),
                    b.function.c_str(), b.expected);
      }
    }
    return 0;
  }
  if (mpi && backend != "cpu")
    return fail("--mpi runs CPU libraries (--backend cpu); GPU backends "
                "join a group with --ranks, --rank and --comm-file");
  std::unique_ptr<DeviceBackend> device;
  if (backend != "cpu") {
    device = DeviceBackend::load(backend, error);
    if (!device)
      return fail(error);
  }
  bool multiRank = ranks > 1 || rank >= 0 || !commFile.empty();
  std::unique_ptr<MpiGroup> mpiGroup;
  if (mpi) {
    if (multiRank)
      return fail("--mpi takes each rank and the group's size from the MPI "
                  "job; expected no --ranks, --rank or --comm-file with it");
    // Before the library, whose collective calls it resolves.
    mpiGroup = MpiGroup::load(error);
    if (!mpiGroup)
      return fail(error);
  } else if (multiRank) {
    if (ranks < 2 || rank < 0 || rank >= ranks || commFile.empty())
      return fail("a group of several ranks needs --ranks N (>= 2), --rank R "
                  "(0 <= R < N) and --comm-file F; got --ranks " +
                  std::to_string(ranks) + ", " +
                  (rank < 0 ? std::string("no --rank")
                            : "--rank " + std::to_string(rank)) +
                  (commFile.empty() ? ", no --comm-file" : ""));
    if (!device)
      return fail("--ranks, --rank and --comm-file join a group on a GPU "
                  "backend (--backend cuda or hip); CPU libraries run their "
                  "ranks with --mpi under mpirun");
  }
  std::unique_ptr<HostProgram> program =
      HostProgram::load(library, error, device.get());
  if (!program)
    return fail(error);
  std::string names;
  for (const EntrySpec &entry : program->entries())
    names += (names.empty() ? "" : ", ") + entry.name;
  if (entryName.empty()) {
    if (program->entries().size() != 1)
      return fail("the library has several entries (" + names +
                  "); choose one with --entry");
    entryName = program->entries()[0].name;
  }
  const EntrySpec *entry = program->find(entryName);
  if (!entry)
    return fail("no entry '" + entryName + "' in '" + library +
                "'; expected one of: " + names);

  std::vector<HostTensor> inputs(entry->args.size());
  if (random) {
    if (!inputPaths.empty())
      return fail("--random-inputs and --input exclude each other");
    // splitmix64: fast enough to fill gigabytes of expert weights.
    uint64_t state = static_cast<uint64_t>(seed);
    auto next = [&state]() {
      uint64_t z = (state += 0x9E3779B97F4A7C15ull);
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      return z ^ (z >> 31);
    };
    auto uniform = [&]() { return (next() >> 11) * 0x1.0p-52 - 1.0; };
    auto integers = [&]() {
      return static_cast<double>(next() % static_cast<uint64_t>(intMax + 1));
    };
    for (size_t i = 0; i < inputs.size(); ++i) {
      const ValueSpec &spec = entry->args[i];
      HostTensor &t = inputs[i];
      t.dtype = spec.dtype;
      for (int64_t d : spec.shape) {
        if (d < 0 && tokens < 0)
          return fail("input " + std::to_string(i) + " of '" + entryName +
                      "' (" + spec.describe() +
                      ") has a dynamic size: pass --dim T=N");
        t.shape.push_back(d < 0 ? tokens : d);
      }
      std::string error;
      if (!t.allocate(error))
        return fail("input " + std::to_string(i) + " of '" + entryName + "' (" +
                    spec.describe() + "): " + error);
      for (int64_t e = 0; e < t.numElements(); ++e)
        t.set(e, isQuantized(t.dtype) ? randomCode(t.dtype, next())
                 : isFloat(t.dtype)   ? uniform()
                                      : integers());
    }
  } else {
    if (inputPaths.size() != entry->args.size())
      return fail("entry '" + entryName + "' takes " +
                  std::to_string(entry->args.size()) + " inputs, got " +
                  std::to_string(inputPaths.size()) +
                  " --input files (or use --random-inputs)");
    for (size_t i = 0; i < inputPaths.size(); ++i)
      if (!loadInput(inputPaths[i], entry->args[i], i, backend != "cpu",
                     inputs[i], error))
        return fail(error);
  }

  // Joined last, once the library, entry and inputs are known good: a rank
  // that fails after joining would leave the others waiting in the group.
  if (group.empty())
    group = mpi ? "*" : "tp";
  if (multiRank &&
      !joinGroup(*device, group, static_cast<int>(rank),
                 static_cast<int>(ranks), commFile, oneShotMiB << 20, error))
    return fail(error);
  if (mpiGroup) {
    if (!mpiGroup->join(group, error)) {
      fail(error);
      mpiGroup->abort(1);
    }
    std::string joined = group == "*" ? "every group" : "group " + group;
    std::printf("rank %d of %d (%s over MPI)\n", mpiGroup->rank, mpiGroup->size,
                joined.c_str());
  }
  // From here on an error on one rank of an MPI job ends them all, unless
  // it is the MPI backend's: its collectives fail on every rank together,
  // so each rank reports its own error and leaves the job.
  bool collectiveError = false;
  auto stop = [&](const std::string &message) {
    fail(message);
    if (mpiGroup && collectiveError)
      mpiGroup->finalize();
    else if (mpiGroup)
      mpiGroup->abort(1);
    return 1;
  };
  // An entry's collectives record their errors in the MPI backend: those
  // come first (a run-time check may fail because of them).
  auto call = [&](std::vector<HostTensor> &results, CallTiming *timing) {
    bool ok = program->call(*entry, inputs, results, error, timing);
    if (mpiGroup)
      if (std::string e = mpiGroup->error(); !e.empty()) {
        error = "entry '" + entryName + "': " + e;
        collectiveError = true;
        ok = false;
      }
    return ok;
  };

  std::vector<HostTensor> outputs;
  auto start = std::chrono::steady_clock::now();
  if (!call(outputs, nullptr))
    return stop(error);
  double firstMs = std::chrono::duration<double, std::milli>(
                       std::chrono::steady_clock::now() - start)
                       .count();

  if (device)
    std::printf("device: %s (%s backend, %s kernels)\n", device->deviceName(),
                backend.c_str(), program->target().c_str());
  std::printf("entry %s: %zu inputs, %zu results\n", entryName.c_str(),
              inputs.size(), outputs.size());
  for (size_t r = 0; r < outputs.size(); ++r) {
    const HostTensor &out = outputs[r];
    double sum = 0, absSum = 0;
    for (int64_t i = 0; i < out.numElements(); ++i) {
      sum += out.at(i);
      absSum += std::fabs(out.at(i));
    }
    std::printf("result%zu: %s %s sum %.6e sum|x| %.6e\n", r,
                dtypeName(out.dtype), formatShape(out.shape).c_str(), sum,
                absSum);
    if (!outputDir.empty()) {
      mkdir(outputDir.c_str(), 0755);
      std::string path = outputDir + "/result" + std::to_string(r) + ".npy";
      if (!writeOutput(path, out, error))
        return stop(error);
    }
  }
  std::printf("time of the first call: %.3f ms (with %s)\n", firstMs,
              device ? "input and result copies" : "result copies");
  if (bench > 0) {
    // One more untimed call (warm-up), then `bench` timed ones.
    std::vector<HostTensor> scratch;
    CallTiming timing;
    timing.repeats = bench;
    if (!call(scratch, &timing))
      return stop(error);
    std::printf("time per call: %.3f ms (mean of %lld calls after a warm-up"
                "%s)\n",
                timing.msPerCall, static_cast<long long>(bench),
                device ? ", back to back, device events" : "");
  }
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  std::printf("peak memory (max RSS): %.1f MiB\n",
              static_cast<double>(usage.ru_maxrss) / 1024.0);
  if (mpiGroup)
    mpiGroup->finalize();
  return 0;
}
