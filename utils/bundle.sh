#!/usr/bin/env bash
# Usage: utils/bundle.sh BUILD_DIR [OUT_DIR]
#
# Packs the self-contained compiler bundle OUT_DIR/moe-mlir-bundle-x86_64.tar.xz
# (OUT_DIR defaults to dist): moe-compile linked statically against Debian's
# MLIR/LLVM 22 archives (it needs only libc and libm), the runtime's sources
# (build them on the GPU machine: cmake -S runtime -B build-runtime) and the
# Python package. It links BUILD_DIR's objects (make build first) with
# ld.lld, drops unused sections, and fails when the archive is 40 MB or more.
# moe-opt is not in it: statically linked and stripped it is 153 MB (moe-compile
# 106 MB); by that ratio both would pass the limit (not measured).
set -euo pipefail

build=${1:?usage: utils/bundle.sh BUILD_DIR [OUT_DIR]}
out=${2:-dist}
llvm=${LLVM_PREFIX:-/usr/lib/llvm-22}
cxx=${BUNDLE_CXX:-clang++-22}
limit=$((40 * 1000 * 1000))
name=moe-mlir-bundle-x86_64
main=$build/tools/moe-compile/CMakeFiles/moe-compile.dir/moe-compile.cpp.o
archive_dir=/usr/lib/x86_64-linux-gnu

for f in "$main" "$archive_dir/libz.a" "$archive_dir/libzstd.a" \
         "$archive_dir/libtinfo.a"; do
  if [[ ! -f $f ]]; then
    echo "bundle: missing $f (make build first; zlib1g-dev, libzstd-dev and" \
         "libncurses-dev give the static libraries)" >&2
    exit 1
  fi
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/$name
mkdir -p "$root/bin" "$out"

echo "bundle: linking a static moe-compile"
"$cxx" -fuse-ld=lld -o "$root/bin/moe-compile" "$main" \
  -Wl,--start-group "$build"/lib/libMoE*.a "$llvm"/lib/libMLIR*.a \
  "$llvm"/lib/libLLVM*.a -Wl,--end-group \
  "$archive_dir/libz.a" "$archive_dir/libzstd.a" "$archive_dir/libtinfo.a" \
  -static-libstdc++ -static-libgcc -lpthread -ldl \
  -Wl,--gc-sections -Wl,--icf=all -s

# Only libc, libm and the loader may remain.
others=$(ldd "$root/bin/moe-compile" | grep -v -E 'linux-vdso|libc\.so|libm\.so|ld-linux' || true)
if [[ -n $others ]]; then
  echo "bundle: moe-compile still needs other shared libraries:" >&2
  echo "$others" >&2
  exit 1
fi

cp -r runtime "$root/runtime"
mkdir -p "$root/python"
cp -r python/moe_mlir "$root/python/moe_mlir"
find "$root" -name __pycache__ -prune -exec rm -rf {} +
cat > "$root/README.md" <<'TEXT'
# moe-mlir compiler bundle

`bin/moe-compile` needs only libc and libm. sm_90 libraries use the machine's CUDA
toolkit (ptxas and libdevice: $CUDA_HOME, ptxas on PATH, or /usr/local/cuda*). AMD
targets need Debian's lld-22: pass `--toolkit DIR` with DIR/llvm/bin/ld.lld.

    bin/moe-compile layer.mlir --target=sm_90 -o layer.so
    cmake -S runtime -B build-runtime && cmake --build build-runtime -j
    build-runtime/bin/moe-run layer.so --backend cuda --random-inputs --dim T=16 \
        --bench 10    # MOE_RUNTIME_CUDA=build-runtime/lib/libmoe_runtime_cuda.so if needed

`python/moe_mlir` (PYTHONPATH=python): GPULibrary, CPULibrary and fused_experts
(MOE_COMPILE=bin/moe-compile).
TEXT

echo "bundle: packing $out/$name.tar.xz"
tar -C "$stage" -cf - "$name" | xz -6 -T"${JOBS:-2}" > "$out/$name.tar.xz"
size=$(stat -c %s "$out/$name.tar.xz")
echo "bundle: $out/$name.tar.xz, $((size / 1000 / 1000)) MB"
if (( size >= limit )); then
  echo "bundle: expected less than 40 MB, found $size bytes" >&2
  exit 1
fi
