//===- HostProgram.cpp - the CPU backend: load and call a library ---------===//
//
// Builds memref descriptors for the packed entry points and copies results out.
//
//===----------------------------------------------------------------------===//

#include "moe/runtime/HostProgram.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <set>

using namespace moe::runtime;

std::unique_ptr<HostProgram> HostProgram::load(const std::string &path,
                                               std::string &error) {
  // dlopen searches the library path for names without a slash.
  std::string name = path.find('/') == std::string::npos ? "./" + path : path;
  void *handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    error = std::string("cannot load '") + path + "': " + dlerror();
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
                     error)) {
    error = "'" + path + "': " + error;
    return nullptr;
  }
  program->checkState =
      static_cast<int64_t *>(dlsym(handle, "moe_check_state"));
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

bool HostProgram::call(const EntrySpec &entry, std::vector<HostTensor> &inputs,
                       std::vector<HostTensor> &outputs, std::string &error) {
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
  std::set<uintptr_t> inputBuffers;
  for (size_t i = 0; i < inputs.size(); ++i) {
    HostTensor &in = inputs[i];
    auto base = reinterpret_cast<int64_t>(in.bytes.data());
    inputBuffers.insert(static_cast<uintptr_t>(base));
    if (!entry.args[i].isTensor) {
      slots.push_back(in.bytes.data());
      continue;
    }
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
  if (checkState)
    checkState[0] = checkState[1] = checkState[2] = 0;
  packed(slots.data());

  outputs.clear();
  std::set<uintptr_t> freed;
  for (size_t r = 0; r < entry.results.size(); ++r) {
    const int64_t *desc = results.data() + resultAt[r];
    outputs.push_back(
        copyOut(entry.results[r].dtype, desc, entry.results[r].shape.size()));
    // Results are owned by the caller unless they alias an input.
    auto allocated = static_cast<uintptr_t>(desc[0]);
    if (allocated && !inputBuffers.count(allocated) &&
        freed.insert(allocated).second)
      std::free(reinterpret_cast<void *>(allocated));
  }
  if (checkState && checkState[0] > 0) {
    size_t id = static_cast<size_t>(checkState[0] - 1);
    std::string message = id < checkMessages.size() ? checkMessages[id]
                                                    : "check #" +
                                                          std::to_string(id);
    error = "entry '" + entry.name + "': run-time size check failed: " +
            message + ": expected " + std::to_string(checkState[1]) +
            ", found " + std::to_string(checkState[2]);
    outputs.clear();
    return false;
  }
  return true;
}
