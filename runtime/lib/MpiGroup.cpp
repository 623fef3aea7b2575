//===- MpiGroup.cpp - a group of CPU ranks over MPI -----------------------===//
//
// dlopens the MPI backend and binds its moe_mpi_* functions.
//
//===----------------------------------------------------------------------===//

#include "moe/runtime/MpiGroup.h"

#include "moe/runtime/Device.h"

#include <dlfcn.h>

#include <cstdlib>
#include <type_traits>

using namespace moe::runtime;

std::unique_ptr<MpiGroup> MpiGroup::load(std::string &error) {
  void *handle = openBackendLibrary("mpi", error);
  if (!handle)
    return nullptr;
  std::unique_ptr<MpiGroup> group(new MpiGroup());
  bool ok = true;
  auto bind = [&](auto &fn, const char *symbol) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
        dlsym(handle, symbol));
    if (!fn && ok) {
      error = std::string("the mpi backend library has no ") + symbol;
      ok = false;
    }
  };
  bind(group->joinGroup, "moe_mpi_join");
  bind(group->lastError, "moe_mpi_last_error");
  bind(group->abortJob, "moe_mpi_abort");
  bind(group->finalizeJob, "moe_mpi_finalize");
  if (!ok)
    return nullptr;
  return group;
}

bool MpiGroup::join(const std::string &name, std::string &error) {
  if (joinGroup(name.c_str(), &rank, &size) == 0)
    return true;
  error = this->error();
  return false;
}

std::string MpiGroup::error() const {
  const char *e = lastError();
  return e && *e ? std::string("the mpi backend: ") + e : "";
}

void MpiGroup::abort(int code) {
  abortJob(code);
  std::exit(code); // MPI_Abort does not return; in case it does.
}

void MpiGroup::finalize() { finalizeJob(); }
