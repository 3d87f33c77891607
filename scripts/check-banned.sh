#!/usr/bin/env bash
# Fails when a banned C function of the style guide appears in Sluice's C sources.
set -euo pipefail
root=${1:-.}
cd "$root"
pattern='\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|atoll|strtok|gets)[[:space:]]*\('
hits=$(grep -rnE --include='*.c' --include='*.h' "$pattern" libs services tests bench 2>/dev/null \
  || true)
if [ -n "$hits" ]; then
  echo "banned C functions (see the style guide):" >&2
  echo "$hits" >&2
  exit 1
fi
echo "no banned C functions"
