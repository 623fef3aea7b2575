//===- HostProgram.cpp - the CPU backend: load and call a library ---------===//
//
// Builds memref descriptors for the packed entry points and copies results out.
//
//===----------------------------------------------------------------------===//

#include "moe/runtime/HostProgram.h"

#include <dlfcn.h>

#include <cstdlib>
#include <chrono>
#include <cstring>
#include <set>

using namespace moe::runtime;

std::unique_ptr<HostProgram> HostProgram::load(const std::string &path,
                                               std::string &error,
                                               DeviceBackend *device) {
  // dlopen searches the library path for names without a slash.
  std::string name = path.find('/') == std::string::npos ? "./" + path : path;
  void *handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    std::string why = dlerror();
    error = "cannot load '" + path + "': " + why;
    if (!device && why.find("mgpu") != std::string::npos)
      error += " (a GPU library: run it with a GPU --backend)";
    else if (!device && why.find("moe_collective_") != std::string::npos)
      error += " (a library with collectives over several ranks: run it "
               "with --mpi under mpirun -np N)";
    return nullptr;
  }
  std::unique_ptr<HostProgram> program(new HostProgram());
  program->handle = handle;
  auto *manifest = static_cast<const char *>(dlsym(handle, "moe_manifest"));
  if (!manifest) {
    error = "'" + path + "' has no moe_manifest; build it with moe-compile";
    return nullptr;
  }
  if (!parseManifest(manifest, program->entrySpecs, program->checkMessages,
                     program->gpuTarget, error)) {
    error = "'" + path + "': " + error;
    return nullptr;
  }
  if (program->gpuTarget.empty() != !device) {
    error = "'" + path + "' is a " +
            (program->gpuTarget.empty() ? std::string("CPU")
                                        : program->gpuTarget) +
            " library; expected --backend " +
            (program->gpuTarget.empty()
                 ? std::string("cpu")
                 : program->gpuTarget.rfind("sm_", 0) == 0 ? "cuda" : "hip");
    return nullptr;
  }
  program->device = device;
  if (device) {
    if (std::string e = device->error(); !e.empty()) {
      error = "loading '" + path + "': " + e;
      return nullptr;
    }
  }
  return program;
}

HostProgram::~HostProgram() {
  if (handle)
    dlclose(handle);
}

const EntrySpec *HostProgram::find(const std::string &name) const {
  for (const EntrySpec &entry : entrySpecs)
    if (entry.name == name)
      return &entry;
  return nullptr;
}

bool moe::runtime::checkInputs(const EntrySpec &entry,
                               const std::vector<HostTensor> &inputs,
                               std::string &error) {
  if (inputs.size() != entry.args.size()) {
    error = "entry '" + entry.name + "' expects " +
            std::to_string(entry.args.size()) + " inputs, got " +
            std::to_string(inputs.size());
    return false;
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ValueSpec &spec = entry.args[i];
    const HostTensor &in = inputs[i];
    std::string where = "input " + std::to_string(i) + " of '" + entry.name +
                        "': expected " + spec.describe() + ", got ";
    std::string found = std::string(dtypeName(in.dtype)) + " " +
                        formatShape(in.shape);
    bool shapeOk = spec.isTensor ? in.shape.size() == spec.shape.size()
                                 : in.shape.empty();
    if (in.dtype != spec.dtype || !shapeOk) {
      error = where + found;
      return false;
    }
    for (size_t d = 0; d < in.shape.size(); ++d) {
      int64_t want = spec.shape[d];
      if (want >= 0 && in.shape[d] != want) {
        error = where + found;
        return false;
      }
    }
  }
  return true;
}

/// Copies a strided memref of `dtype` into a dense host tensor.
static HostTensor copyOut(DType dtype, const int64_t *desc, size_t rank) {
  HostTensor out;
  out.dtype = dtype;
  const int64_t *sizes = desc + 3, *strides = desc + 3 + rank;
  out.shape.assign(sizes, sizes + rank);
  size_t elementSize = dtypeSize(dtype);
  int64_t count = out.numElements();
  out.bytes.resize(static_cast<size_t>(count) * elementSize);
  auto *base = reinterpret_cast<const uint8_t *>(desc[1]) +
               desc[2] * static_cast<int64_t>(elementSize);
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d)
      offset += index[d] * strides[d];
    std::memcpy(out.bytes.data() + i * elementSize,
                base + offset * static_cast<int64_t>(elementSize), elementSize);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < sizes[d])
        break;
      index[d] = 0;
    }
  }
  return out;
}

/// Elements a strided descriptor spans from its aligned pointer + offset.
static int64_t spanOf(const int64_t *desc, size_t rank) {
  int64_t span = 1;
  for (size_t d = 0; d < rank; ++d) {
    if (desc[3 + d] == 0)
      return 0;
    span += (desc[3 + d] - 1) * desc[3 + rank + d];
  }
  return span;
}

bool HostProgram::call(const EntrySpec &entry, std::vector<HostTensor> &inputs,
                       std::vector<HostTensor> &outputs, std::string &error,
                       CallTiming *timing) {
  if (!checkInputs(entry, inputs, error))
    return false;
  using Packed = void (*)(void **);
  auto packed = reinterpret_cast<Packed>(
      dlsym(handle, ("_moe_packed_" + entry.name).c_str()));
  if (!packed) {
    error = "the library has no packed entry for '" + entry.name + "'";
    return false;
  }
  // Result descriptors, back to back: {alloc, aligned, offset, sizes, strides}.
  std::vector<size_t> resultAt;
  size_t words = 0;
  for (const ValueSpec &r : entry.results) {
    resultAt.push_back(words);
    words += 3 + 2 * r.shape.size();
  }
  std::vector<int64_t> results(words, 0);
  std::vector<std::vector<int64_t>> descriptors(inputs.size());
  std::vector<void *> slots;
  if (!entry.results.empty())
    slots.push_back(results.data());
  // Input buffers: the host tensors, or device copies of them.
  std::set<uintptr_t> inputBuffers;
  std::vector<void *> deviceInputs;
  auto releaseInputs = [&] {
    for (void *p : deviceInputs)
      device->free(p);
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    HostTensor &in = inputs[i];
    if (!entry.args[i].isTensor) {
      slots.push_back(in.bytes.data());
      continue;
    }
    void *data = in.bytes.data();
    if (device) {
      data = device->alloc(in.bytes.size());
      deviceInputs.push_back(data);
      if (device->copyToDevice(data, in.bytes.data(), in.bytes.size()) != 0) {
        error = device->error();
        releaseInputs();
        return false;
      }
    }
    auto base = reinterpret_cast<int64_t>(data);
    inputBuffers.insert(static_cast<uintptr_t>(base));
    std::vector<int64_t> &desc = descriptors[i];
    size_t rank = in.shape.size();
    desc = {base, base, 0};
    desc.insert(desc.end(), in.shape.begin(), in.shape.end());
    std::vector<int64_t> strides(rank, 1);
    for (size_t d = rank; d-- > 1;)
      strides[d - 1] = strides[d] * in.shape[d];
    desc.insert(desc.end(), strides.begin(), strides.end());
    slots.push_back(desc.data());
  }
  // Frees what the entry allocated for its results (not aliased inputs).
  auto releaseResults = [&] {
    std::set<uintptr_t> freed;
    for (size_t r = 0; r < entry.results.size(); ++r) {
      auto allocated = static_cast<uintptr_t>(results[resultAt[r]]);
      if (!allocated || inputBuffers.count(allocated) ||
          !freed.insert(allocated).second)
        continue;
      if (device)
        device->free(reinterpret_cast<void *>(allocated));
      else
        std::free(reinterpret_cast<void *>(allocated));
    }
  };
  // The last slot: this call's check status (the library keeps it per
  // thread and copies it here).
  int64_t status[kCheckStatusWords] = {};
  slots.push_back(status);
  packed(slots.data());
  // A device error skips the copies below; the results are still freed.
  if (device && (device->synchronize() != 0 || !device->error().empty()))
    error = "entry '" + entry.name + "': " + device->error();

  outputs.clear();
  for (size_t r = 0; r < entry.results.size() && error.empty(); ++r) {
    const int64_t *desc = results.data() + resultAt[r];
    size_t rank = entry.results[r].shape.size();
    DType dtype = entry.results[r].dtype;
    if (!device) {
      outputs.push_back(copyOut(dtype, desc, rank));
      continue;
    }
    // Download the span the descriptor covers, then copy it out densely.
    size_t elementSize = dtypeSize(dtype);
    std::vector<uint8_t> span(static_cast<size_t>(spanOf(desc, rank)) *
                              elementSize);
    const auto *start = reinterpret_cast<const uint8_t *>(desc[1]) +
                        desc[2] * static_cast<int64_t>(elementSize);
    if (device->copyToHost(span.data(), start, span.size()) != 0) {
      error = device->error();
      break;
    }
    std::vector<int64_t> hostDesc(desc, desc + 3 + 2 * rank);
    hostDesc[0] = hostDesc[1] = reinterpret_cast<int64_t>(span.data());
    hostDesc[2] = 0;
    outputs.push_back(copyOut(dtype, hostDesc.data(), rank));
  }
  releaseResults();
  if (error.empty()) {
    std::string failure = describeCheckFailure(status, checkMessages);
    if (!failure.empty())
      error = "entry '" + entry.name + "': " + failure;
  }
  if (error.empty() && timing && timing->repeats > 0) {
    // Back-to-back calls on the same inputs; on a GPU the entries do not
    // wait for their kernels, and device events bracket the whole run.
    void *begin = nullptr;
    auto start = std::chrono::steady_clock::now();
    if (device) {
      device->setAsync(1);
      begin = device->recordEvent();
    }
    for (int64_t i = 0; i < timing->repeats; ++i) {
      packed(slots.data());
      releaseResults();
    }
    if (device) {
      void *end = device->recordEvent();
      device->setAsync(0);
      timing->msPerCall = device->elapsedMs(begin, end) /
                          static_cast<double>(timing->repeats);
      if (!device->error().empty())
        error = "entry '" + entry.name + "': " + device->error();
    } else {
      timing->msPerCall = std::chrono::duration<double, std::milli>(
                              std::chrono::steady_clock::now() - start)
                              .count() /
                          static_cast<double>(timing->repeats);
    }
  }
  if (device)
    releaseInputs();
  if (!error.empty()) {
    outputs.clear();
    return false;
  }
  return true;
}
