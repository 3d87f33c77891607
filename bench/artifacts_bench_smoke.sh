#!/usr/bin/env bash
# ctest's bench_artifacts_smoke: bench/artifacts_bench.sh --smoke (1 MB, one repetition) runs end
# to end against the build's sluice-artifacts and nginx and prints its table, one ratio line per
# direction and client, the peak RSS and the verdict. No figure is asserted.
#
#   bench/artifacts_bench_smoke.sh BUILD_DIR
#
# Exit 0 when it did, 1 when not, 77 (skipped) when nginx or the service binary is missing.
set -uo pipefail
here=$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")
# shellcheck source=bench_smoke_lib.sh
. "$here/bench_smoke_lib.sh"
build=${1:?usage: artifacts_bench_smoke.sh BUILD_DIR}
[[ -x $build/services/artifacts/sluice-artifacts ]] || {
  echo "sluice-artifacts is not built: skipped"
  exit 77
}
out=$("$here/artifacts_bench.sh" --smoke "$build" 2>&1)
bench_smoke_check "artifacts_bench.sh --smoke" "$?" "$out" \
  'ratio 1M put curl: [0-9.]+ ' 'ratio 1M put aws: [0-9.]+ ' 'ratio 1M get curl: [0-9.]+ ' \
  'ratio 1M get aws: [0-9.]+ ' '^peak RSS \(VmHWM\): sluice-artifacts [0-9]+ MB' \
  '^verdict: throughput >= 90 % of nginx: upload (met|NOT met).*download (met|NOT met).*service RSS < 32 MB: (met|NOT met)'
