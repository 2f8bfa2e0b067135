#!/usr/bin/env bash
# Writes the batch section of tests/bench/RESULTS.md (between the "batch results" markers,
# replaced on each run, or appended the first time): `sightglass-cli batch` throughput in images
# per second on the cues and Fashion-MNIST demo models, one process against two shards, on the
# same two cores:
#   one process, --threads 1        the baseline
#   one process, --threads 2        intra-op parallelism only
#   two shards at once, --threads 1 each (--shard 1/2 and 2/2, then `batch merge`): what a
#                                   2-task job array does on one two-core node
# Wall time from start to the last process's end (model loading included, as a user sees it),
# median of REPEATS runs; images/s = images / that time. Each two-shard run's merged summary is
# checked against the one-process run's (all but the seconds column): a mismatch marks the row
# INVALID. About 5 minutes on two otherwise idle cores; run nothing else meanwhile.
#   BUILD=build  REPEATS=3  METHODS=gradcam,occlusion  RESOLUTIONS=7  ARGS=--evaluate
#   LIMIT=N      only the first N images of each sample folder (a quick check of the script)
#   OUT=FILE     where the section goes (default tests/bench/RESULTS.md)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
cli=$build/bin/sightglass-cli
out=${OUT:-tests/bench/RESULTS.md}
repeats=${REPEATS:-3}
methods=${METHODS:-gradcam,occlusion}
resolutions=${RESOLUTIONS:-7}
read -r -a args <<<"${ARGS---evaluate}"
limit=${LIMIT:-0}
[[ -x "$cli" ]] || { echo "run_batch.sh: $cli not found (build first, or set BUILD)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
section=$work/batch.md

now() { date +%s.%N; }
median() { /usr/bin/python3 -c 'import statistics, sys; print(statistics.median(map(float, sys.argv[1:])))' "$@"; }
without_seconds() { cut -d, -f1-9,11- "$1"; }

# batch_run OUT THREADS [SHARD]: one batch process.
batch_run() {
  local options=(--threads "$2" batch --model "$model" --images "$images" --methods "$methods"
    --resolutions "$resolutions" "${args[@]}" --out "$1")
  [[ $# -ge 3 ]] && options+=(--shard "$3")
  "$cli" "${options[@]}" >"$work/last.log" 2>&1 || { cat "$work/last.log" >&2; exit 1; }
}

# bench TITLE MODEL FOLDER
bench() {
  local title=$1
  model=$2
  images=$work/images-$(basename "$3")
  mkdir -p "$images"
  local files=("$3"/*.png)
  [[ $limit -gt 0 ]] && files=("${files[@]:0:$limit}")
  cp "${files[@]}" "$images/"
  local count=${#files[@]}
  local one1=() one2=() shards=() valid=yes
  for ((r = 0; r < repeats; r++)); do
    rm -rf "$work/one1" "$work/one2" "$work/shards"
    local start
    start=$(now)
    batch_run "$work/one1" 1
    one1+=("$(echo "$(now) - $start" | bc -l)")
    start=$(now)
    batch_run "$work/one2" 2
    one2+=("$(echo "$(now) - $start" | bc -l)")
    start=$(now)
    batch_run "$work/shards" 1 1/2 &
    local first=$!
    batch_run "$work/shards" 1 2/2 &
    local second=$!
    wait "$first" && wait "$second"
    "$cli" batch merge "$work/shards" >/dev/null
    shards+=("$(echo "$(now) - $start" | bc -l)")
    cmp -s <(without_seconds "$work/shards/summary.csv") <(without_seconds "$work/one1/summary.csv") || valid=INVALID
  done
  local analyses
  analyses=$(($(wc -l <"$work/one1/summary.csv") - 1))
  for condition in "one process, --threads 1:${one1[*]}" "one process, --threads 2:${one2[*]}" \
    "two shards at once, --threads 1 each:${shards[*]}"; do
    local name=${condition%%:*} times seconds
    read -r -a times <<<"${condition#*:}"
    seconds=$(median "${times[@]}")
    local note=""
    [[ "$name" == two* && $valid != yes ]] && note=" INVALID (merged summary differs)"
    printf '| %s | %s | %d | %d | %.2f | %.2f%s |\n' "$title" "$name" "$count" "$analyses" "$seconds" \
      "$(echo "$count / $seconds" | bc -l)" "$note" >>"$section"
  done
}

{
  echo "<!-- batch results: written by tests/bench/run_batch.sh -->"
  echo "## Batch throughput"
  echo
  echo "Written by \`tests/bench/run_batch.sh\` on $(date -u +%Y-%m-%d), $(nproc) cores."
  echo "\`sightglass-cli batch --methods $methods --resolutions $resolutions ${args[*]}\`; wall seconds"
  echo "from start to the last process's end, model loading included (median of $repeats runs);"
  echo "images/s = images / seconds. Two shards = \`--shard 1/2\` and \`--shard 2/2\` at once, one"
  echo "thread each, then \`batch merge\` (its summary equals the one-process run's but for seconds)."
  echo
  echo "| model | run | images | analyses | seconds | images/s |"
  echo "|---|---|---|---|---|---|"
} >"$section"
bench "cues demo, 112x112" models/demo/cues.pt resources/samples/cues
bench "fashion demo, 28x28 gray" models/demo/fashion.pt resources/samples/fashion
echo "<!-- end of batch results -->" >>"$section"

/usr/bin/python3 tests/bench/write_section.py "$out" "$section"
echo "run_batch.sh: wrote the batch section of $out"
