#!/usr/bin/env bash
# ctest's bench_console_smoke: bench/console_bench.py --smoke (20 events, 10 streams, one load of
# each pipeline view) runs end to end on the integration_env fixture's Kafka and Redis and prints
# each of its figure lines. No figure is asserted.
#
#   bench/console_bench_smoke.sh BUILD_DIR PYTHON
#
# Exit 0 when it did, 1 when not, 77 (skipped) when chromium, playwright-core or a binary is
# missing.
set -uo pipefail
here=$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")
# shellcheck source=bench_smoke_lib.sh
. "$here/bench_smoke_lib.sh"
build=${1:?usage: console_bench_smoke.sh BUILD_DIR PYTHON}
python=${2:?usage: console_bench_smoke.sh BUILD_DIR PYTHON}
[[ -x $build/bench/console-bench-events ]] || {
  echo "bench/console-bench-events is not built: skipped"
  exit 77
}
out=$(SLUICE_BINARY_DIR=$build "$python" "$here/console_bench.py" --smoke 2>&1)
bench_smoke_check "console_bench.py --smoke" "$?" "$out" \
  '^event -> status in the DOM: p50 [0-9.]+ ms p99 [0-9.]+ ms \(20 seen, 0 lost\)' \
  '^floor, the same events produce -> consume by a plain consumer: p50 [0-9.]+ ms .*\(20 consumed\)' \
  '^ratio event->screen / bus round trip: p50 [0-9.]+x' \
  '^console VmRSS idle \(no stream\): [0-9.]+ MiB' \
  '^console VmRSS with 10 more streams open: .*/metrics: 11; .*per stream: min 200 max 200' \
  '^per stream: -?[0-9.]+ KiB open, -?[0-9.]+ KiB after the events' \
  '^(floor, nginx holding 10 slow responses open: .* KiB per connection|nginx is not installed)' \
  '^first load 50x50: [0-9.]+ kB transferred .*median of 1; 2500 of 2500 boxes\)' \
  '^first load 2-stage: [0-9.]+ kB transferred .*median of 1; 2 of 2 boxes\)'
