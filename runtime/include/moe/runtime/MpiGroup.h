//===- MpiGroup.h - a group of CPU ranks over MPI ---------------*- C++ -*-===//
//
// Loads the MPI backend (libmoe_runtime_mpi.so) and joins a group with it.
//
//===----------------------------------------------------------------------===//

#ifndef MOE_RUNTIME_MPIGROUP_H
#define MOE_RUNTIME_MPIGROUP_H

#include <memory>
#include <string>

namespace moe::runtime {

/// The MPI backend, which CPU libraries with collectives over several ranks
/// call (moe_collective_*). It is loaded with RTLD_GLOBAL before such a
/// library, whose undefined moe_collective_* symbols it resolves.
class MpiGroup {
public:
  /// Loads the backend ($MOE_RUNTIME_MPI, else libmoe_runtime_mpi.so next
  /// to this executable or in ../lib); null after writing why to `error`.
  static std::unique_ptr<MpiGroup> load(std::string &error);

  /// Joins group `name` as this process's rank of the MPI job
  /// (MPI_COMM_WORLD; one process per rank, started by mpirun). False
  /// after writing why to `error`.
  bool join(const std::string &name, std::string &error);

  /// The backend's first error (of a collective call, say), prefixed for
  /// users, or "" when none.
  std::string error() const;

  /// Ends every rank of the job with exit code `code`: after an error on
  /// this rank, the others would wait for it in their next collective.
  [[noreturn]] void abort(int code);

  /// Finalizes MPI (once every collective of this rank has returned).
  void finalize();

  int rank = 0, size = 0;

private:
  int (*joinGroup)(const char *, int *, int *) = nullptr;
  const char *(*lastError)() = nullptr;
  void (*abortJob)(int) = nullptr;
  int (*finalizeJob)() = nullptr;
};

} // namespace moe::runtime

#endif // MOE_RUNTIME_MPIGROUP_H
