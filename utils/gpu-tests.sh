#!/usr/bin/env bash
# On a GPU machine (CUDA, CMake, a C++ compiler, Python with numpy; no MLIR):
# builds the runtime with its CUDA backend into build-runtime/ and runs the GPU
# integration tests on libraries built elsewhere with
#   python3 test/Integration/GPU/run.py --build ... --artifacts DIR
# Usage: utils/gpu-tests.sh [DIR...]   (default gpu-artifacts); with several
# folders (builds with different moe-compile flags) it runs the tests on each
# and fails if any fails.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -gt 0 ]] || set -- gpu-artifacts
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > build-runtime.log
cmake --build build-runtime -j"$(nproc)" >> build-runtime.log
test -f build-runtime/lib/libmoe_runtime_cuda.so || {
  echo "gpu-tests: the CUDA backend was not built (no CUDA toolkit?); see build-runtime.log" >&2
  exit 1
}
status=0
for artifacts in "$@"; do
  echo "gpu-tests: $artifacts"
  python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
    --artifacts "$artifacts" || status=1
done
exit $status
