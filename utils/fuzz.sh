#!/usr/bin/env bash
# Runs each libFuzzer target of a MOE_FUZZ build for SECONDS seconds, two at a
# time (FUZZ_JOBS), and fails if any crashed, leaked or timed out.
#   utils/fuzz.sh BUILD_DIR [SECONDS] [TARGET...]
# Logs go to BUILD_DIR/fuzz/TARGET.log, the inputs each run adds to
# BUILD_DIR/fuzz/corpus/TARGET, and a crashing input to
# BUILD_DIR/fuzz/artifacts/TARGET/. The committed seeds (test/Fuzz/corpus)
# and crash reproducers (test/Fuzz/regressions) are read, never written.
# FUZZ_RUNS=N stops each target after N executions (or SECONDS, whichever
# comes first).
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-sanitize}
seconds=${2:-60}
shift $(( $# < 2 ? $# : 2 ))
jobs=${FUZZ_JOBS:-2}
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(parse-verify optimize-gfx942 optimize-gfx950 optimize-sm_90
           cpu-lowering gpu-kernels-gfx942 gpu-kernels-gfx950
           gpu-kernels-sm_90 npy manifest elf-manifest)
fi
out="$build/fuzz"
mkdir -p "$out"

# The seed corpus and dictionary of a target (the chips share theirs).
corpus_of() { local t=${1%-gfx942}; t=${t%-gfx950}; echo "${t%-sm_90}"; }
dict_of() {
  case $1 in
    npy) echo "test/Fuzz/dict/npy.dict" ;;
    manifest | elf-manifest) echo "test/Fuzz/dict/manifest.dict" ;;
    *) echo "test/Fuzz/dict/mlir.dict" ;;
  esac
}

run_target() {
  local t=$1 name
  name=$(corpus_of "$t")
  local bin="$build/bin/moe-fuzz-$t" log="$out/$t.log"
  mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
  local dirs=("$out/corpus/$t" "test/Fuzz/corpus/$name")
  [[ -d test/Fuzz/regressions/$name ]] && dirs+=("test/Fuzz/regressions/$name")
  # A compile of one input that takes minutes is a bug too (-timeout); the
  # rss limit is per process, so 2 jobs stay within a small machine.
  ASAN_OPTIONS=${ASAN_OPTIONS:-} UBSAN_OPTIONS=print_stacktrace=1 \
    "$bin" -max_total_time="$seconds" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} \
    -dict="$(dict_of "$t")" \
    -timeout=60 -rss_limit_mb=3072 -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/$t/" "${dirs[@]}" >"$log" 2>&1
  echo $? >"$out/$t.rc"
}

for t in "${targets[@]}"; do
  if [[ ! -x $build/bin/moe-fuzz-$t ]]; then
    echo "fuzz: no $build/bin/moe-fuzz-$t (configure with -DMOE_FUZZ=ON)" >&2
    exit 2
  fi
done
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, $jobs at a time; logs in $out"
for t in "${targets[@]}"; do
  while (( $(jobs -rp | wc -l) >= jobs )); do wait -n; done
  run_target "$t" &
done
wait

failed=0
printf '%-20s %12s %8s %8s  %s\n' target executions exec/s corpus result
for t in "${targets[@]}"; do
  log="$out/$t.log"
  rc=$(cat "$out/$t.rc" 2>/dev/null || echo 1)
  execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
  speed=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -n 1)
  corpus=$(ls "$out/corpus/$t" | wc -l)
  result=ok
  if [[ $rc != 0 ]]; then
    result="FAILED (rc $rc): $(grep -m1 -E 'ERROR: |runtime error|==ERROR|deadly signal|Test unit written' "$log")"
    failed=1
  fi
  printf '%-20s %12s %8s %8s  %s\n' "$t" "${execs:-?}" "${speed:-?}" "$corpus" "$result"
done
exit $failed
