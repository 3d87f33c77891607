#!/usr/bin/env bash
# Fails when a C file of Sluice's tree is not formatted as .clang-format says
# (clang-format 14, installed by scripts/install-deps.sh).
set -euo pipefail
root=${1:-.}
cd "$root"
formatter=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$formatter" ]; then
  echo "clang-format is not installed (run scripts/install-deps.sh)" >&2
  exit 1
fi
mapfile -t files < <(find libs services tests bench -name '*.[ch]' -not -path '*/build*' | sort)
if ! "$formatter" --dry-run -Werror "${files[@]}" 2>/tmp/sluice-format.$$; then
  grep -E '^[^ ].*: (error|warning):' /tmp/sluice-format.$$ | head -20 >&2
  echo "files not formatted; run: $formatter -i <file>" >&2
  rm -f /tmp/sluice-format.$$
  exit 1
fi
rm -f /tmp/sluice-format.$$
echo "${#files[@]} C files formatted as .clang-format says"
