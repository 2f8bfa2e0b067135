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

# run old|new METHOD: one `explain` run of that build; appends "SECONDS PASSES" (the method's own
# time and its forward passes: both builds must do the same work for the ratio to mean speed) to
# $work/old or $work/new.
run() {
  local text cli=$new_cli
  [[ $1 == old ]] && cli=$old_cli
  text=$("$cli" explain --model "$work/resnet18.pt" --image "$image" --method "$2" \
    --out "$work/out-$2" --force 2>&1) || { echo "run_against.sh: $cli explain failed: $text" >&2; exit 1; }
  sed -n 's/.* in \([0-9.e+-]*\) s, \([0-9]*\) forward.*/\1 \2/p' <<<"$text" | head -n 1 >>"$work/$1"
}
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

rows=$work/rows
: >"$rows"
IFS=, read -r -a method_list <<<"$methods"
for method in "${method_list[@]}"; do
  run old "$method" && run new "$method"  # one untimed run each: caches and the JIT's profiling
  : >"$work/old" && : >"$work/new"
  for ((r = 0; r < repeats; ++r)); do
    if ((r % 2 == 0)); then run old "$method"; run new "$method"; else run new "$method"; run old "$method"; fi
  done
  [[ $(wc -l <"$work/old") -eq $repeats && $(wc -l <"$work/new") -eq $repeats ]] \
    || { echo "run_against.sh: no time read from some $method run" >&2; exit 1; }
  old=$(cut -d' ' -f1 "$work/old" | median) new=$(cut -d' ' -f1 "$work/new" | median)
  old_runs=$(cut -d' ' -f1 "$work/old" | paste -sd' ') new_runs=$(cut -d' ' -f1 "$work/new" | paste -sd' ')
  passes="$(tail -n 1 "$work/old" | cut -d' ' -f2) / $(tail -n 1 "$work/new" | cut -d' ' -f2)"
  echo "$method: $rev $old s, this build $new s (runs: $old_runs / $new_runs; passes $passes)" >&2
  awk -v m="$method" -v o="$old" -v n="$new" -v p="$passes" -v ro="$old_runs" -v rn="$new_runs" \
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
