# run-sh.sh — sourced by tests that run `make run`'s scripts/run.sh: starts it in a
# process group of its own, on free ports, with the state directory DIR, and waits
# until it says it is ready.
#
#   . tests/support/run-sh.sh
#   run_sh_start SOURCE_DIR BUILD_DIR DIR [VAR=VALUE...]
#
# The extra VAR=VALUE settings go to run.sh's environment (e.g. a shorter polling
# interval). Sets run_sh_leader (the group's pid), run_sh_api_port,
# run_sh_sink_http_port and run_sh_started_ms (how long the start took); only run.sh
# and what it starts carry SLUICE_RUN_DIR=DIR in their environment. Returns 1, with
# run.sh's output on stderr, when it does not get ready within 180 s. Needs
# scripts/lib.sh sourced first (sluice_free_ports, sluice_now_ms).
run_sh_start() {
  local src=$1 build=$2 dir=$3 t0 kport cport rport oport sport nport mport wport srcport aport cnport
  shift 3
  read -r kport cport rport run_sh_api_port oport sport nport run_sh_sink_http_port mport wport \
    srcport aport cnport <<<"$(sluice_free_ports 13)"
  t0=$(sluice_now_ms)
  env "$@" SLUICE_RUN_DIR="$dir" SLUICE_KAFKA_PORT="$kport" SLUICE_KAFKA_CONTROLLER_PORT="$cport" \
    SLUICE_REDIS_PORT="$rport" SLUICE_API_PORT="$run_sh_api_port" SLUICE_ORCHESTRATOR_PORT="$oport" \
    SLUICE_ARTIFACTS_PORT="$sport" SLUICE_NOTIFIER_PORT="$nport" \
    SLUICE_SINK_HTTP_PORT="$run_sh_sink_http_port" SLUICE_SINK_SMTP_PORT="$mport" \
    SLUICE_WORKER_PORT="$wport" SLUICE_SOURCE_PORT="$srcport" SLUICE_APPROVALS_PORT="$aport" \
    SLUICE_CONSOLE_PORT="$cnport" setsid "$src/scripts/run.sh" "$build" >"$dir/out.log" 2>&1 &
  run_sh_leader=$!
  local _
  for _ in $(seq 1 1800); do
    grep -q "Press Ctrl-C to stop." "$dir/out.log" && break
    kill -0 "$run_sh_leader" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q "Press Ctrl-C to stop." "$dir/out.log"; then
    echo "FAIL: run.sh did not get ready; its output:" >&2
    cat "$dir/out.log" >&2
    return 1
  fi
  run_sh_started_ms=$(($(sluice_now_ms) - t0))
}
