#!/usr/bin/env bash
# Writes the "against an earlier build" section of tests/bench/RESULTS.md: the same saliency
# runs timed with this build's sightglass-cli and with the one built from an earlier commit, on a
# torchvision ResNet-18 at 224 (random weights), alternating old and new run by run. The figure
# is the method's own time as `explain` prints it ("in S s": the run from its first model pass
# to the map, model loading and file writing left out), median of REPEATS runs each, at each
# build's default settings (batch 32 in both). Builds REV's core and CLI only (no GUI, no
# tests) in a scratch folder kept for the next run. About 15 minutes with REPEATS=5 on two
# otherwise idle cores; run nothing else meanwhile.
#   tests/bench/run_against.sh REV          e.g. 1f23430, the last commit before issue 8
#   METHODS=occlusion,rise  REPEATS=5  BUILD=build  OUT=tests/bench/RESULTS.md
#   SG_AGAINST_DIR=/path    scratch folder (default ${TMPDIR:-/tmp}/sightglass-against)
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ $# -eq 1 ]] || { sed -n '2,12p' "$0"; exit 2; }
rev=$(git rev-parse --short "$1^{commit}")
build=${BUILD:-build}
out=${OUT:-tests/bench/RESULTS.md}
methods=${METHODS:-occlusion,rise}
repeats=${REPEATS:-5}
scratch=${SG_AGAINST_DIR:-${TMPDIR:-/tmp}/sightglass-against}/$rev
new_cli=$build/bin/sightglass-cli
old_cli=$scratch/build/bin/sightglass-cli
[[ -x "$new_cli" ]] || { echo "run_against.sh: $new_cli not built" >&2; exit 1; }

if [[ ! -x "$old_cli" ]]; then
  rm -rf "$scratch/src"
  mkdir -p "$scratch/src"
  git archive "$rev" | tar -x -C "$scratch/src"
  cmake -S "$scratch/src" -B "$scratch/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DSG_BUILD_GUI=OFF -DSG_BUILD_TESTS=OFF >"$scratch/configure.log" 2>&1 \
    || { echo "run_against.sh: configuring $rev failed: $scratch/configure.log" >&2; exit 1; }
  cmake --build "$scratch/build" --target sightglass-cli >"$scratch/build.log" 2>&1 \
    || { echo "run_against.sh: building $rev failed: $scratch/build.log" >&2; exit 1; }
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 models/export_torchvision.py --arch resnet18 --out "$work/resnet18.pt" >/dev/null
image=resources/samples/cues/00000.png

# seconds old|new METHOD: the method's own time from one `explain` run of that build; its forward
# pass count goes to $work/passes-METHOD-old|new (both builds must do the same work for the ratio
# to mean speed).
seconds() {
  local text cli=$new_cli
  [[ $1 == old ]] && cli=$old_cli
  text=$("$cli" explain --model "$work/resnet18.pt" --image "$image" --method "$2" \
    --out "$work/out-$2" --force 2>&1) || { echo "run_against.sh: $cli explain failed: $text" >&2; exit 1; }
  sed -n 's/.* in [0-9.e+-]* s, \([0-9]*\) forward.*/\1/p' <<<"$text" | head -n 1 \
    >"$work/passes-$2-$1"
  sed -n 's/.* in \([0-9.e+-]*\) s, .*/\1/p' <<<"$text" | head -n 1
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

rows=$work/rows
: >"$rows"
IFS=, read -r -a method_list <<<"$methods"
for method in "${method_list[@]}"; do
  : >"$work/old" && : >"$work/new"
  seconds old "$method" >/dev/null  # one untimed run each: caches and the JIT's profiling
  seconds new "$method" >/dev/null
  for ((r = 0; r < repeats; ++r)); do
    if ((r % 2 == 0)); then
      seconds old "$method" >>"$work/old"; seconds new "$method" >>"$work/new"
    else
      seconds new "$method" >>"$work/new"; seconds old "$method" >>"$work/old"
    fi
  done
  old=$(median <"$work/old") new=$(median <"$work/new")
  [[ -n "$old" && -n "$new" ]] || { echo "run_against.sh: no time read for $method" >&2; exit 1; }
  echo "$method: $rev $old s, this build $new s (runs: $(paste -sd' ' "$work/old") / $(paste -sd' ' "$work/new"))" >&2
  passes="$(cat "$work/passes-$method-old") / $(cat "$work/passes-$method-new")"
  awk -v m="$method" -v o="$old" -v n="$new" -v p="$passes" -v ro="$(paste -sd' ' "$work/old")" -v rn="$(paste -sd' ' "$work/new")" \
    'BEGIN {printf "| `%s` | %s | %.3f | %.3f | %.2f | %s | %s |\n", m, p, o, n, o / n, ro, rn}' >>"$rows"
done

section=$work/against.md
{
  echo "<!-- against results: written by tests/bench/run_against.sh -->"
  echo "### ResNet-18 (random weights), 224x224: this build against $rev"
  echo
  echo "Written by \`tests/bench/run_against.sh $rev\` on $(date -u +%Y-%m-%d), same machine: one image"
  echo "(\`$image\`), each build's \`sightglass-cli explain\` at its defaults, old and new alternating, $repeats runs each"
  echo "after one untimed; the method's own seconds as \`explain\` prints them, medians. This build:"
  echo "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- core app || echo ' with uncommitted changes')."
  echo
  echo "| method | forward passes ($rev / this build) | $rev s | this build s | speed-up | $rev runs | this build's runs |"
  echo "|---|---|---|---|---|---|---|"
  cat "$rows"
  echo "<!-- end of against results -->"
} >"$section"
/usr/bin/python3 tests/bench/write_section.py "$out" "$section" "<!-- end of resnet saliency results -->"
echo "run_against.sh: wrote the section against $rev in $out"
