#!/usr/bin/env bash
# The layering rule, checked a second way: core/ and the CLI (app/cli_*) never include Qt, and
# ui/ never includes torch (CMake already keeps Qt out of core's and the CLI's link lines, and CI
# builds them without Qt). Usage: check_layers.sh <source root>
set -u
root=${1:-.}
status=0
if grep -rnE '#\s*include\s*[<"]Q[A-Za-z]*[>"/]|#\s*include\s*[<"]Qt' "$root/core"; then
  echo "check_layers: core/ must not include Qt headers (see DESIGN.md)" >&2
  status=1
fi
if grep -nE '#\s*include\s*[<"]Q[A-Za-z]*[>"/]|#\s*include\s*[<"]Qt' "$root"/app/cli_*; then
  echo "check_layers: the CLI (app/cli_*) must not include Qt headers: it builds without Qt" >&2
  status=1
fi
if grep -rnE '#\s*include\s*[<"](torch|ATen|c10)/' "$root/ui"; then
  echo "check_layers: ui/ must not include torch headers (see DESIGN.md)" >&2
  status=1
fi
exit $status
