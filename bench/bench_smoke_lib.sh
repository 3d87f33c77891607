# bench_smoke_lib.sh — sourced by the smoke scripts of the benchmarks (bench/*_bench_smoke.sh),
# which ctest runs: the verdict on one smoke run from its exit status and the figure lines it
# printed. Checks that each line is there, never a figure's value. Defines functions only.

# bench_smoke_check WHAT RC OUT PATTERN...
#   Prints OUT (the run's output), then ends the script: with 77 (skipped) when RC is 77; with 1
#   and "FAIL WHAT exited RC" for another non-zero RC; otherwise with one line per PATTERN (an
#   extended regular expression that some line of OUT must match), "ok   PATTERN" or
#   "FAIL PATTERN", and 0 when every PATTERN matched, 1 when not.
bench_smoke_check() {
  local what=$1 rc=$2 out=$3
  shift 3
  printf '%s\n' "$out"
  ((rc == 77)) && exit 77
  ((rc == 0)) || {
    echo "FAIL $what exited $rc"
    exit 1
  }
  local fail=0 want
  for want in "$@"; do
    if grep -Eq -- "$want" <<<"$out"; then
      echo "ok   $want"
    else
      echo "FAIL $want"
      fail=1
    fi
  done
  exit "$fail"
}
