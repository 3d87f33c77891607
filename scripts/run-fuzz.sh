#!/usr/bin/env bash
# Builds every libFuzzer target with clang-14 (+ASan/UBSan) and runs each for a
# bounded time over its seed corpus (FUZZ_JOBS at a time, default 2). Fails on any crash, leak or sanitizer
# report. Usage: run-fuzz.sh BUILD_DIR SECONDS_PER_TARGET
# FUZZ_SEED (default 1) fixes libFuzzer's random seed so that a run is
# repeatable; FUZZ_SEED=0 lets libFuzzer pick one (for longer exploring runs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build-fuzz}
seconds=${2:-30}
seed=${FUZZ_SEED:-1}
case "$build" in /*) ;; *) build="$root/$build" ;; esac

CC=clang-14 cmake -S "$root" -B "$build" -G Ninja -DSLUICE_FUZZ=ON -DSLUICE_INTEGRATION=OFF >/dev/null
# The build's targets, read once: `ninja ... | grep -q` under pipefail fails at random when
# grep stops reading first (ninja dies of SIGPIPE), which dropped targets from the run.
known=$(ninja -C "$build" -t targets all 2>/dev/null || true)
targets=()
for src in "$root"/tests/fuzz/fuzz_*.c; do
  [ -e "$src" ] || continue
  name=$(basename "$src" .c)
  if grep -q "^$name:" <<<"$known"; then
    targets+=("$name")
  else
    echo "run-fuzz: $name is not a target of $build (is it in tests/fuzz/CMakeLists.txt?)" >&2
    status_missing=1
  fi
done
if [ ${#targets[@]} -eq 0 ]; then
  echo "run-fuzz: no fuzz targets to build"
  exit 0
fi
cmake --build "$build" --target "${targets[@]}" -j 2

# One target: its seeds copied into its corpus, then libFuzzer for the time given; the
# outcome printed when it ends, the failure's log lines with it. Exits 1 on a finding.
run_one() {
  local name=$1 corpus="$build/corpus/$1" seeds="$root/tests/fuzz/$1.seeds" pattern f
  mkdir -p "$corpus"
  if [ -f "$seeds" ]; then
    while IFS= read -r pattern; do
      case "$pattern" in ''|'#'*) continue ;; esac
      for f in $root/$pattern; do
        [ -f "$f" ] || continue
        cp "$f" "$corpus/seed-$(echo "$f" | md5sum | cut -c1-12)"
      done
    done < "$seeds"
  fi
  if ! "$build/tests/fuzz/$name" -seed="$seed" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$build/$name-" "$corpus" >"$build/$name.log" 2>&1; then
    { echo "run-fuzz: $name FAILED; last lines of $build/$name.log:"; tail -40 "$build/$name.log"; } >&2
    return 1
  fi
  echo "run-fuzz: $name ran ${seconds}s: $(grep -E '^stat::number_of_executed_units' "$build/$name.log" | tail -1)"
}

# FUZZ_JOBS targets at a time (default 2, one per core: libFuzzer is single-threaded).
jobs=${FUZZ_JOBS:-2}
started=$(date +%s)
status=0
running=0
for name in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n || status=1
    running=$((running - 1))
  fi
  run_one "$name" &
  running=$((running + 1))
done
while ((running > 0)); do
  wait -n || status=1
  running=$((running - 1))
done
echo "run-fuzz: ${#targets[@]} targets, ${seconds}s each, $jobs at a time, in $(($(date +%s) - started)) s"
if ((${status_missing:-0} != 0)); then
  echo "run-fuzz: a fuzz_*.c of tests/fuzz has no target" >&2
  status=1
fi
exit $status
