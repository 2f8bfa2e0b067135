#!/usr/bin/env bash
# Writes the SAG section of tests/bench/RESULTS.md (between the "sag results" markers, replaced
# on each run, or appended the first time): the SAG search's seconds, passes and overhead against
# a replay of its passes (tests/bench/bench_sag.cpp) on the cues and Fashion-MNIST demo models and
# on a torchvision ResNet-18 at 224 with random weights, in the default mode and the reference
# mode with its memo, and the reference mode without the memo on the cues samples (passes only:
# the memo's saving). Needs a build with benchmarks (BUILD defaults to build). About 15 minutes
# on two otherwise idle cores; run nothing else meanwhile. Also called by tests/bench/run.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
bench=$build/bin/sightglass-bench-sag
out=${OUT:-tests/bench/RESULTS.md}
repeats=3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
section=$work/sag.md

/usr/bin/python3 models/export_torchvision.py --arch resnet18 --out "$work/resnet18.pt" >/dev/null
{
  echo "<!-- sag results: written by tests/bench/run_sag.sh -->"
  echo "## SAG search"
  echo
  echo "Written by \`tests/bench/run_sag.sh\` on $(date -u +%Y-%m-%d), same machine and build as above."
  echo "Columns: seconds per image of the search (timed images only, median of the repetitions);"
  echo "forward and backward passes per image over all images (the I-GOS ranking's included); replay"
  echo "= exactly the search's model calls redone plainly on the very batches it passed (copied in an"
  echo "untimed capture run), alternating with the"
  echo "search; overhead = search / replay (below 0.95 would be marked INVALID); roots found, roots"
  echo "drawn, beam steps and memo hits per image."
} > "$section"

"$bench" --model models/demo/cues.pt --images resources/samples/cues/*.png --repeats "$repeats" \
  --timed-images 4 --title "cues demo model, 112x112, 16 samples (4 timed)" --markdown "$section" \
  --rows "mode=default,mode=reference,mode=reference:no_cache=true:timed=0"
"$bench" --model models/demo/fashion.pt --images resources/samples/fashion/*.png --repeats "$repeats" \
  --timed-images 4 --title "fashion demo model, 28x28 gray, 12 samples (4 timed)" --markdown "$section" \
  --rows "mode=default,mode=reference"
"$bench" --model "$work/resnet18.pt" --images resources/samples/cues/00000.png --repeats 1 --target contrast \
  --title "resnet18 (random weights), 224x224, 1 image, target by contrast" --markdown "$section" \
  --rows "mode=default,mode=reference"
if [[ -x "$build/bin/sightglass-bench-whatif" ]]; then
  {
    echo
    echo "### What-if updates (the window offscreen)"
    echo
    echo "Milliseconds from one cell toggled in the What-if tab to its probability shown (a forward pass"
    echo "on the interactive lane and the redraw), alone and while a SAG search (reference mode without"
    echo "its memo, one pass at a time, one per other image of the folder) and while an XNN training"
    echo "(class 0 on the folder's images, default options) run on the background lane;"
    echo "60 updates each."
    echo
    echo "| model | condition | updates | median ms | 95th percentile ms |"
    echo "|---|---|---|---|---|"
  } >> "$section"
  QT_QPA_PLATFORM=offscreen "$build/bin/sightglass-bench-whatif" --model models/demo/cues.pt \
    --images resources/samples/cues --markdown "$section" --title cues
  QT_QPA_PLATFORM=offscreen "$build/bin/sightglass-bench-whatif" --model models/demo/fashion.pt \
    --images resources/samples/fashion --markdown "$section" --title fashion
fi
echo "<!-- end of sag results -->" >> "$section"

/usr/bin/python3 tests/bench/write_section.py "$out" "$section"
