#!/usr/bin/env bash
# For every example layer: print it (moe-opt), print it after the graph
# passes (moe-optimize for gfx942), compile its GEMM kernels for gfx942 and
# gfx950 with their resource table (decode and prefill tokens), build its sm_90 library, compile it for
# the CPU (moe-compile) and run it on random inputs (moe-run) with a summary
# line.
set -uo pipefail
build=${1:-build}
tokens=${DEMO_TOKENS:-16}
out="$build/demo"
mkdir -p "$out"

# Bytes of all inputs of a library at T=$tokens, from its manifest.
input_bytes() {
  "$build/bin/moe-run" "$1" --list | awk -v T="$tokens" '
    /^  arg[0-9]+: tensor/ {
      size = ($3 == "bf16" || $3 == "f16") ? 2 : ($3 == "i64" ? 8 : 4)
      if ($3 ~ /^f8|^f4/) size = 1
      shape = $0; sub(/.*\[/, "", shape); sub(/\].*/, "", shape)
      n = split(shape, dims, ", "); bytes = size
      for (i = 1; i <= n; i++) bytes *= (dims[i] == "?" ? T : dims[i])
      total += bytes
    }
    END { printf "%.0f\n", total }'
}

available=$(awk '/MemAvailable/ { printf "%.0f\n", $2 * 1024 }' /proc/meminfo)
for f in examples/*.mlir; do
  name=$(basename "$f" .mlir)
  echo "=== $f ==="
  "$build/bin/moe-opt" "$f" || continue
  optimize="target=gfx942 tokens=$tokens"
  [[ $name == deepseek* ]] && optimize="$optimize ep-size=8"
  echo "--- after the graph passes: moe-opt --moe-optimize=\"$optimize\""
  "$build/bin/moe-opt" --moe-optimize="$optimize" "$f"
  ep=""
  [[ $name == deepseek* ]] && ep="--ep-size=8"
  echo "--- GEMM kernels for gfx942 and gfx950: moe-compile $f --target=gfx942,gfx950 --tokens=$tokens $ep --emit=hsaco -o $out/$name-hsaco --stats"
  "$build/bin/moe-compile" "$f" --target=gfx942,gfx950 --tokens="$tokens" $ep \
    --emit=hsaco -o "$out/$name-hsaco" --stats
  # Prefill blocks (32+ rows) multiply 32x32 MFMA tiles: the GEMM rows of
  # the same table at T=1024.
  echo "--- prefill GEMM kernels: moe-compile $f --target=gfx942,gfx950 --tokens=1024 $ep --emit=hsaco -o $out/$name-hsaco-prefill --stats (GEMM rows)"
  "$build/bin/moe-compile" "$f" --target=gfx942,gfx950 --tokens=1024 $ep \
    --emit=hsaco -o "$out/$name-hsaco-prefill" --stats | grep -E '^kernel|grouped_matmul'
  # A library with collectives over several ranks (the TP example) runs as one
  # moe-run per rank and GPU (README, "Collectives").
  echo "--- GPU library for sm_90: moe-compile $f --target=sm_90 --tokens=$tokens -o $out/$name.sm_90.so"
  if "$build/bin/moe-compile" "$f" --target=sm_90 --tokens="$tokens" -o "$out/$name.sm_90.so"; then
    run="moe-run $out/$name.sm_90.so --backend cuda --random-inputs --dim T=$tokens"
    ranks=$(grep -o 'tp = [0-9]*' "$f" | grep -o '[0-9]*$' || true)
    if [[ -n $ranks && $ranks -gt 1 ]]; then
      run="for r in \$(seq 0 $((ranks - 1))); do MOE_CUDA_DEVICE=\$r $run --ranks $ranks --rank \$r --comm-file /tmp/tp-id & done; wait"
    fi
    echo "built $out/$name.sm_90.so ($(( $(stat -c %s "$out/$name.sm_90.so") / 1024 )) KiB, kernels embedded); on NVIDIA GPUs: $run"
  else
    echo "(no sm_90 library: see the diagnostic above)"
  fi
  echo "--- compile for the CPU: moe-compile $f --target=cpu -o $out/$name.so"
  if ! "$build/bin/moe-compile" "$f" --target=cpu -o "$out/$name.so"; then
    echo "(not compiled for the CPU reference: see the diagnostic above)"
    echo
    continue
  fi
  # A program over several TP ranks runs as an MPI job, one moe-run per rank.
  ranks=$(grep -o 'tp = [0-9]*' "$f" | head -1 | awk '{ print $3 }')
  ranks=${ranks:-1}
  need=$(( $(input_bytes "$out/$name.so") * ranks ))
  gib=$(awk -v b="$need" 'BEGIN { printf "%.1f", b / 2^30 }')
  if (( need > available * 8 / 10 )); then
    echo "(not run: its inputs take $gib GiB at T=$tokens, more than this machine has free)"
    echo
    continue
  fi
  if (( ranks > 1 )); then
    if ! command -v mpirun > /dev/null; then
      echo "(not run: its collectives over $ranks ranks need mpirun, from Debian's openmpi-bin)"
      echo
      continue
    fi
    root=()
    [[ $(id -u) == 0 ]] && root=(--allow-run-as-root)
    echo "--- run as $ranks ranks on random inputs ($gib GiB in all) at T=$tokens: mpirun -np $ranks --oversubscribe moe-run $out/$name.so --mpi --random-inputs --dim T=$tokens --bench 2"
    mpirun -np "$ranks" --oversubscribe "${root[@]}" "$build/bin/moe-run" "$out/$name.so" \
      --mpi --random-inputs --seed 1 --dim "T=$tokens" --bench 2
    echo
    continue
  fi
  echo "--- run on random inputs ($gib GiB) at T=$tokens: moe-run $out/$name.so --random-inputs --dim T=$tokens --bench 2"
  "$build/bin/moe-run" "$out/$name.so" --random-inputs --seed 1 --dim "T=$tokens" --bench 2
  echo
done

# Quantized expert layers (fp8, MXFP4, MXFP8): their row-dot GEMM kernels for
# gfx950 and sm_90 (the MiniMax layer's activation quantization is its own
# kernel on GPUs), then the CPU reference on random inputs.
for f in examples/quantized/*.mlir; do
  name=$(basename "$f" .mlir)
  echo "=== $f (quantized) ==="
  "$build/bin/moe-opt" "$f" || continue
  echo "--- quantized GEMM kernels for gfx950: moe-compile $f --target=gfx950 --tokens=$tokens --emit=hsaco -o $out/$name-hsaco --stats (GEMM rows)"
  "$build/bin/moe-compile" "$f" --target=gfx950 --tokens="$tokens" \
    --emit=hsaco -o "$out/$name-hsaco" --stats | grep -E '^kernel|grouped_matmul'
  echo "--- GPU library for sm_90: moe-compile $f --target=sm_90 --tokens=$tokens -o $out/$name.sm_90.so"
  if "$build/bin/moe-compile" "$f" --target=sm_90 --tokens="$tokens" -o "$out/$name.sm_90.so"; then
    echo "built $out/$name.sm_90.so; on NVIDIA GPUs: moe-run $out/$name.sm_90.so --backend cuda --random-inputs --int-max 3 --dim T=$tokens"
  else
    echo "(no sm_90 library: see the diagnostic above)"
  fi
  echo "--- compile for the CPU: moe-compile $f --target=cpu -o $out/$name.so"
  if ! "$build/bin/moe-compile" "$f" --target=cpu -o "$out/$name.so"; then
    echo "(not compiled for the CPU reference: see the diagnostic above)"
    echo
    continue
  fi
  need=$(input_bytes "$out/$name.so")
  gib=$(awk -v b="$need" 'BEGIN { printf "%.1f", b / 2^30 }')
  if (( need > available * 8 / 10 )); then
    echo "(not run: its inputs take $gib GiB at T=$tokens, more than this machine has free)"
    echo
    continue
  fi
  # Random fp8/fp4 codes below 2 in magnitude and E8M0 scales 2^-8 .. 2^7;
  # expert ids in [0, 3].
  echo "--- run on random inputs ($gib GiB) at T=$tokens: moe-run $out/$name.so --random-inputs --int-max 3 --dim T=$tokens"
  "$build/bin/moe-run" "$out/$name.so" --random-inputs --seed 1 --int-max 3 --dim "T=$tokens"
  echo
done
