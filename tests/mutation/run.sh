#!/usr/bin/env bash
# Mutation check: shows that the tests catch known ways of breaking the code they guard.
#
# Each tests/mutation/patches/*.patch alters one source file (a flipped sign, a dropped term, a
# mask never applied) and names, on a first line `# catches: TEST_BINARY [TEST_BINARY...]`, the
# test binaries that must fail with it. The script copies the working tree to a scratch folder,
# builds those binaries there unaltered (they must pass), then for each patch applies it, rebuilds
# and runs them, and reverses it. It reports CAUGHT or MISSED per patch and exits non-zero when
# any alteration is missed or the unaltered tests fail. Not part of ctest: it takes minutes
# (one incremental rebuild per patch; ccache keeps the first build short after a normal build).
#
#   tests/mutation/run.sh [PATCH...]        (default: every patch)
#   SG_MUTATION_DIR=/path  scratch folder (default: ${TMPDIR:-/tmp}/sightglass-mutation, kept
#                          between runs so the next run builds incrementally)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
scratch=${SG_MUTATION_DIR:-${TMPDIR:-/tmp}/sightglass-mutation}
source_copy="$scratch/src"
build="$scratch/build"

if [[ $# -gt 0 ]]; then
  patches=("$@")
else
  patches=("$root"/tests/mutation/patches/*.patch)
fi
[[ -e "${patches[0]}" ]] || { echo "mutation: no patches found" >&2; exit 2; }

catchers_of() {
  sed -n 's/^# catches: *//p' "$1" | head -n 1
}

# The binaries every patch names, and whether any is a GUI test.
declare -A wanted=()
gui=OFF
for patch in "${patches[@]}"; do
  binaries=$(catchers_of "$patch")
  [[ -n "$binaries" ]] || { echo "mutation: $patch has no '# catches:' line" >&2; exit 2; }
  for binary in $binaries; do
    wanted[$binary]=1
    [[ -f "$root/tests/ui/$binary.cpp" ]] && gui=ON
  done
done

# A fresh copy of the tree as it is now (tracked and untracked files, not ignored ones). The
# copies get the current time (tar -m), not the originals': objects a reused scratch build made
# from an altered file (a run that was stopped mid-way) would otherwise look newer than the
# restored source and never be rebuilt. ccache keeps the rebuild short.
echo "mutation: copying the tree to $source_copy"
rm -rf "$source_copy"
mkdir -p "$source_copy"
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do [[ -e "$file" ]] && printf '%s\0' "$file"; done |
  tar --null -T - -cf -) | tar -xmf - -C "$source_copy"

export CCACHE_BASEDIR="$scratch"
cmake -S "$source_copy" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSG_BUILD_TESTS=ON \
  -DSG_BUILD_GUI="$gui" >/dev/null

build_and_run() {  # prints the first failing line of each binary; returns 0 when all pass
  local failed=0
  cmake --build "$build" --target "$@" >"$scratch/build.log" 2>&1 || { echo "    build failed:"; \
    grep -m 3 -E 'error|FAILED' "$scratch/build.log" | sed 's/^/      /'; return 2; }
  for binary in "$@"; do
    if (cd "$source_copy" && QT_QPA_PLATFORM=offscreen timeout 900 "$build/bin/$binary" \
          >"$scratch/$binary.log" 2>&1); then
      echo "    $binary: passed"
    else
      failed=1
      echo "    $binary: FAILED ($(grep -m 1 -E '^\[  FAILED  \]' "$scratch/$binary.log" || tail -n 1 "$scratch/$binary.log"))"
    fi
  done
  return $failed
}

echo "mutation: unaltered build (every named test must pass)"
if ! build_and_run "${!wanted[@]}"; then
  echo "mutation: the unaltered tests do not pass; fix them first" >&2
  exit 1
fi

missed=0
caught=0
for patch in "${patches[@]}"; do
  name=$(basename "$patch" .patch)
  binaries=$(catchers_of "$patch")
  echo "mutation: $name (expected to fail: $binaries)"
  if ! (cd "$source_copy" && patch -p1 --quiet --forward <"$patch"); then
    echo "  $name: does not apply; regenerate it against the current code" >&2
    missed=$((missed + 1))
    continue
  fi
  status=0
  # shellcheck disable=SC2086
  build_and_run $binaries || status=$?
  case $status in
    0) echo "  $name: MISSED (every named test passed with the alteration)"; missed=$((missed + 1)) ;;
    1) echo "  $name: CAUGHT"; caught=$((caught + 1)) ;;
    *) echo "  $name: does not build; regenerate it"; missed=$((missed + 1)) ;;
  esac
  (cd "$source_copy" && patch -p1 --quiet --reverse <"$patch")
done

echo "mutation: $caught caught, $missed missed, of ${#patches[@]} alterations"
[[ $missed -eq 0 ]]
