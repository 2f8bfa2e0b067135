#!/usr/bin/env bash
# Rewrites the generated sections of tests/bench/RESULTS.md, each in place between its markers
# (tests/bench/write_section.py), keeping the hand-written summary:
#   run_saliency.sh  every saliency method on the cues, Fashion-MNIST and ResNet-18 models
#                    (speed, overhead against a replay, the optimised copy's speed-up, quality)
#   run_sag.sh       the SAG search          run_xnn.sh   XNN embedding and training
#   quality.py       default vs reference I-GOS/iGOS++ schedule over seeds
# (run_batch.sh, run_canvas.sh and run_against.sh are run on their own.) Needs a build with benchmarks
# (BUILD defaults to build, the default preset's). About 75 minutes on two otherwise idle cores,
# most of it run_saliency.sh, and an hour more for quality.py; run nothing else meanwhile. The
# parts also run alone.
#   tests/bench/run.sh [CUES_IMAGE_COUNT]     (default: all 16 samples)
#   OUT=FILE            write there instead (a trial that keeps RESULTS.md)
#   SG_BENCH_QUALITY=0  skips quality.py
set -euo pipefail
cd "$(dirname "$0")/../.."
export BUILD=${BUILD:-build} OUT=${OUT:-tests/bench/RESULTS.md}

tests/bench/run_saliency.sh "$@"
tests/bench/run_sag.sh
tests/bench/run_xnn.sh
if [[ "${SG_BENCH_QUALITY:-1}" != 0 ]]; then
  /usr/bin/python3 tests/bench/quality.py --markdown "$OUT"
fi
