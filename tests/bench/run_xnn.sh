#!/usr/bin/env bash
# Writes the XNN section of tests/bench/RESULTS.md (between the "xnn results" markers, replaced
# on each run, or appended the first time): embedding throughput (images/s, no cache) and
# fine-tuning seconds per epoch of one class, on both demo models with the layers and widths
# their demo XNNs use (models/make_demo_xnns.sh), through tests/bench/bench_xnn.cpp. Needs a
# build with benchmarks (BUILD defaults to build). A few minutes on two otherwise idle cores; run
# nothing else meanwhile. Also called by tests/bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
bench=$build/bin/sightglass-bench-xnn
out=${OUT:-tests/bench/RESULTS.md}
threads=${THREADS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 models/fashion/export_images.py --split train --per-class 100 --out "$work/fashion" >/dev/null
/usr/bin/python3 models/cues/make_dataset.py --seed 11 --count 400 --out "$work/cues" >/dev/null
/usr/bin/python3 models/cues/manifest.py "$work/cues" >/dev/null

rows=$work/rows
: > "$rows"
run() { # name args...
  local name=$1
  shift
  echo "+ $bench $*" >&2
  "$bench" --threads "$threads" --repeats 3 "$@" | tee /dev/stderr | sed -n "s/^ROW|/$name|/p" >> "$rows"
}
run cues --model models/demo/cues.pt --data "$work/cues/manifest.csv" --class 0 --epochs 5 \
  --layer features:average-2x2 --x-features 8
run fashion --model models/demo/fashion.pt --data "$work/fashion/manifest.csv" --class 0 --epochs 5 \
  --layer features:max-7x7 --hidden1 200 --batch 100

section=$work/xnn.md
{
  echo "<!-- xnn results: written by tests/bench/run_xnn.sh -->"
  echo "## XNN embedding and training"
  echo
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
  echo "Written by \`tests/bench/run_xnn.sh\` on $(date -u +%Y-%m-%d), $threads threads, $(nproc) cores ($cpu)."
  echo "Embedding: images per second through the model's features and head with the layer's pooling,"
  echo "no cache (median of 3). Training: seconds per fine-tuning epoch of one class on 80 % of the same"
  echo "images (the first epoch, which follows pretraining, left out; median of 3 trainings of 5 epochs)."
  echo "The layers and widths are the demo XNNs' (models/make_demo_xnns.sh)."
  echo
  echo "| model | layer | images | D | embedding images/s | s per epoch | batch | first hidden width | L |"
  echo "|---|---|---|---|---|---|---|---|---|"
  while IFS='|' read -r name layer images dimension rate epoch batch hidden xfeatures; do
    echo "| $name | \`$layer\` | $images | $dimension | $rate | $epoch | $batch | $hidden | $xfeatures |"
  done < "$rows"
  echo "<!-- end xnn results -->"
} > "$section"

/usr/bin/python3 tests/bench/write_section.py "$out" "$section"
echo "wrote the XNN section of $out"
