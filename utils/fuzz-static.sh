#!/usr/bin/env bash
# Usage: utils/fuzz-static.sh SANITIZE_DIR OUT_DIR TARGET...
#
# Links the libFuzzer targets TARGET (cpu-lowering, gpu-kernels-sm_90, ...)
# from SANITIZE_DIR's instrumented objects (make build-sanitize first)
# against Debian's static MLIR/LLVM 22 archives, so that they run on a
# machine without LLVM (the GPU machine's 16 cores, say), and writes
# OUT_DIR/moe-fuzz-TARGET.xz. They need only libc, libm, libstdc++ (GLIBCXX
# 3.4.30) and libgcc_s. libstdc++ stays shared: a static one's operator new
# is not ASan's, which ASan then reports as alloc-dealloc-mismatch. Run one
# there with libFuzzer's own parallelism, e.g.
#   moe-fuzz-cpu-lowering -jobs=16 -workers=16 -max_total_time=600 \
#     -dict=test/Fuzz/dict/mlir.dict -timeout=60 -rss_limit_mb=3072 \
#     -max_len=8192 -print_final_stats=1 CORPUS test/Fuzz/corpus/cpu-lowering
# (test/Fuzz/logs/2026-12-04-h200/ has such runs).
set -euo pipefail

build=${1:?usage: utils/fuzz-static.sh SANITIZE_DIR OUT_DIR TARGET...}
out=${2:?usage: utils/fuzz-static.sh SANITIZE_DIR OUT_DIR TARGET...}
shift 2
llvm=${LLVM_PREFIX:-/usr/lib/llvm-22}
archives=/usr/lib/x86_64-linux-gnu
mkdir -p "$out"
for t in "$@"; do
  objects=("$build"/test/Fuzz/CMakeFiles/moe-fuzz-"$t".dir/targets/*.o)
  if [[ ! -f ${objects[0]} ]]; then
    echo "fuzz-static: no objects of moe-fuzz-$t in $build (make build-sanitize)" >&2
    exit 1
  fi
  echo "fuzz-static: linking moe-fuzz-$t"
  clang++-22 -fuse-ld=lld -fsanitize=address,undefined,fuzzer -static-libsan \
    -o "$out/moe-fuzz-$t" "${objects[@]}" \
    -Wl,--start-group "$build"/lib/libMoE*.a "$llvm"/lib/libMLIR*.a \
    "$llvm"/lib/libLLVM*.a -Wl,--end-group \
    "$archives/libz.a" "$archives/libzstd.a" "$archives/libtinfo.a" \
    -lpthread -ldl -Wl,--gc-sections -s
  xz -6 -T"${JOBS:-2}" -f "$out/moe-fuzz-$t"
done
