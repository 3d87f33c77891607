#!/bin/sh
# run_capture.sh PROGRAM OUTPUT CHECK... — runs the capture program (which
# drives a real orchestrator and writes what it published to OUTPUT), then
# the check on that file: CHECK... --capture OUTPUT. Fails when either fails.
set -eu
if [ "$#" -lt 3 ]; then
  echo "usage: run_capture.sh PROGRAM OUTPUT CHECK..." >&2
  exit 2
fi
program=$1
output=$2
shift 2
rm -f -- "$output"
"$program" "$output"
exec "$@" --capture "$output"
