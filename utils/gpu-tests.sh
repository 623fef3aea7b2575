#!/usr/bin/env bash
# On a GPU machine (CUDA, CMake, a C++ compiler, Python with numpy; no MLIR):
# builds the runtime with its CUDA backend into build-runtime/ and runs the GPU
# integration tests on libraries built elsewhere with
#   python3 test/Integration/GPU/run.py --build ... --artifacts DIR
# Usage: utils/gpu-tests.sh [--sanitize[=TOOLS]] [--only=NAME] [DIR...]
#   DIR...       folders of built tests (default gpu-artifacts); with several
#                (builds with different moe-compile flags) it runs the tests
#                on each and fails if any fails.
#   --sanitize   after the plain run, runs every check's moe-run again under
#                compute-sanitizer with each tool of TOOLS (comma-separated;
#                default memcheck,racecheck,synccheck) and fails on any report.
#   --only=NAME  only the test cases whose name contains NAME.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=()
only=()
dirs=()
for arg in "$@"; do
  case "$arg" in
    --sanitize) tools=(memcheck racecheck synccheck) ;;
    --sanitize=*) IFS=, read -r -a tools <<< "${arg#--sanitize=}" ;;
    --only=*) only=(--only "${arg#--only=}") ;;
    -*) echo "gpu-tests: unknown option $arg (expected --sanitize[=TOOLS], --only=NAME)" >&2; exit 2 ;;
    *) dirs+=("$arg") ;;
  esac
done
[[ ${#dirs[@]} -gt 0 ]] || dirs=(gpu-artifacts)
cmake -S runtime -B build-runtime -DCMAKE_BUILD_TYPE=Release > build-runtime.log
cmake --build build-runtime -j"$(nproc)" >> build-runtime.log
test -f build-runtime/lib/libmoe_runtime_cuda.so || {
  echo "gpu-tests: the CUDA backend was not built (no CUDA toolkit?); see build-runtime.log" >&2
  exit 1
}
status=0
for artifacts in "${dirs[@]}"; do
  for tool in plain "${tools[@]}"; do
    sanitize=()
    [[ $tool == plain ]] || sanitize=(--sanitize "$tool")
    echo "gpu-tests: $artifacts${sanitize[*]:+ (${sanitize[*]})}"
    python3 test/Integration/GPU/run.py --run --moe-run build-runtime/bin/moe-run \
      --artifacts "$artifacts" "${sanitize[@]}" "${only[@]}" || status=1
  done
done
exit $status
