#!/usr/bin/env bash
# Runs the orchestrator benchmark from scratch and prints its figures.
#
#   bench/run.sh [BUILD_DIR]        (default: build, relative to the repository)
#   bench/run.sh artifacts [--smoke] [BUILD_DIR]
#                                   the artifact store beside nginx (bench/artifacts_bench.sh)
#   bench/run.sh notifier [BUILD_DIR]
#                                   sluice-notifier: pattern matching and event -> webhook
#                                   (bench/notifier_bench.c; SLUICE_BENCH_PATTERNS, _EVENTS, _RATE)
#   bench/run.sh source [BUILD_DIR]
#                                   sluice-source: webhook -> first job, polling cost
#                                   (bench/source_bench.py; SLUICE_BENCH_PUSHES, _BRANCHES,
#                                   _INTERVAL_S)
#   bench/run.sh worker [BUILD_DIR]
#                                   sluice-worker: job -> first command running, 20 concurrent
#                                   jobs (bench/worker_bench.c; SLUICE_BENCH_JOBS, _ROUNDS)
#   bench/run.sh console [--smoke] [BUILD_DIR]
#                                   sluice-console in chromium: event -> screen, memory with 100
#                                   open streams, first load of a 50 x 50 pipeline
#                                   (bench/console_bench.py; SLUICE_BENCH_EVENTS, _STREAMS,
#                                   _LOADS, _GAP_MS)
#
# Configures BUILD_DIR if it has no build files yet, builds the benchmark and
# the orchestrator (-j2), starts a Kafka broker and Redis on free loopback
# ports (scripts/test-env.sh) in a temporary directory, runs
# sluice-orchestrator-bench against them, stops them, and prints the figures
# (also kept in BUILD_DIR/bench-logs/figures-<time>.txt with the replicas' logs).
# The SLUICE_BENCH_* variables of bench/orch_bench.c tune the run (e.g.
# SLUICE_BENCH_MEASURE_MS, SLUICE_BENCH_PERF_DIR=DIR to record replica 0 with
# perf). A full run takes about two minutes on 2 cores.
set -euo pipefail

SLUICE_SCRIPT_NAME=bench/run.sh
root=$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.." && pwd -P)
# shellcheck source=../scripts/lib.sh
. "$root/scripts/lib.sh"

if [[ ${1:-} == artifacts ]]; then
  shift
  exec "$root/bench/artifacts_bench.sh" "$@"
fi

mode=orchestrator
if [[ ${1:-} == notifier || ${1:-} == source || ${1:-} == worker || ${1:-} == console ]]; then
  mode=$1
  shift
fi
smoke=()
if [[ $mode == console && ${1:-} == --smoke ]]; then
  smoke=(--smoke)
  shift
fi
build=${1:-build}
case $build in /*) ;; *) build="$root/$build" ;; esac

if [[ ! -f $build/build.ninja && ! -f $build/Makefile ]]; then
  sluice_log "configuring $build"
  generator=()
  command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
  cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
fi
if [[ $mode == source ]]; then
  sluice_log "building the services and bench/bus-floor in $build"
  cmake --build "$build" -j2 --target sluice_bus_floor sluice_source sluice_api sluice_orchestrator \
    sluice_artifacts api_job_runner >&2
  bench_bin=("$(sluice_cache_dir)/venv/bin/python" "$root/bench/source_bench.py")
  export SLUICE_AWS_CLI="$(sluice_cache_dir)/venv/bin/aws"
elif [[ $mode == console ]]; then
  sluice_log "building the services and bench/console-bench-events in $build"
  cmake --build "$build" -j2 --target sluice_console_bench_events sluice_console sluice_api \
    sluice_orchestrator api_job_runner >&2
  bench_bin=("$(sluice_cache_dir)/venv/bin/python" "$root/bench/console_bench.py" "${smoke[@]}")
elif [[ $mode == notifier ]]; then
  sluice_log "building the notifier benchmark and the notifier in $build"
  cmake --build "$build" -j2 --target sluice_notifier_bench sluice_notifier >&2
  bench_bin=("$build/bench/sluice-notifier-bench")
  export SLUICE_BENCH_NOTIFIER="$build/services/notifier/sluice-notifier"
elif [[ $mode == worker ]]; then
  sluice_log "building the worker benchmark, the worker and the artifact store in $build"
  cmake --build "$build" -j2 --target sluice_worker_bench sluice_worker sluice_artifacts >&2
  bench_bin=("$build/bench/sluice-worker-bench")
  export SLUICE_BENCH_WORKER="$build/services/worker/sluice-worker"
  export SLUICE_BENCH_ARTIFACTS="$build/services/artifacts/sluice-artifacts"
else
  sluice_log "building the benchmark and the orchestrator in $build"
  cmake --build "$build" -j2 --target sluice_orchestrator_bench sluice_orchestrator >&2
  bench_bin=("$build/bench/sluice-orchestrator-bench")
fi
[[ -x ${bench_bin[0]} ]] || sluice_die "${bench_bin[0]} was not built"

logs="$build/bench-logs"
mkdir -p -- "$logs"
envdir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
cleanup() {
  trap - INT TERM EXIT
  "$root/scripts/test-env.sh" stop "$envdir" >/dev/null 2>&1 || true
  rm -rf -- "$envdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sluice_log "starting Kafka and Redis"
"$root/scripts/test-env.sh" start "$envdir" >&2

figures="$logs/figures-$mode-$(date +%Y%m%d-%H%M%S).txt"
rc=0
SLUICE_TEST_ENV_FILE="$envdir/env" SLUICE_BINARY_DIR="$build" SLUICE_SOURCE_DIR="$root" \
  SLUICE_BENCH_LOG_DIR="${SLUICE_BENCH_LOG_DIR:-$logs}" \
  "${bench_bin[@]}" | tee "$figures" || rc=$?
sluice_log "figures kept in $figures"
exit "$rc"
