#!/usr/bin/env bash
# Retrains the demo XNNs in models/demo/ (models/README.md, "Demo XNNs"): one XNN file per
# upper-body Fashion-MNIST class (0 T-shirt/top, 2 Pullover, 4 Coat, 6 Shirt) and one per cues
# class (0..3). Exports the training images, then calls `sightglass-cli xnn train` for each.
#
#   models/make_demo_xnns.sh [path/to/sightglass-cli [fashion|cues|all]]
#                                       (defaults: build/bin/sightglass-cli, all)
#
# Needs /usr/bin/python3 with Pillow and NumPy (the cues generator) and Debian's
# dataset-fashion-mnist. Deterministic for a thread count: SG_XNN_THREADS (default 1, as the committed files).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cli=${1:-$root/build/bin/sightglass-cli}
which=${2:-all}
threads=${SG_XNN_THREADS:-1}
# The images stay in build/xnn-demo-data (the files' prototypes name them); rerunning rewrites them.
work=${SG_XNN_DATA:-$root/build/xnn-demo-data}
mkdir -p "$work"
cd "$root"

# Training images: Fashion-MNIST train split, the first 1500 of every class (15000 images; the
# tests hold out t10k images; with 500 a class the multi-class prediction agreed with the model on
# 90.6 % of upper-body test images, with 1500 on 96.9 %), and 1200 cue images from seed 11 (the model used seeds 1 and 2;
# the tests use other seeds).
if [[ $which != cues ]]; then
  rm -rf "$work/fashion"
  /usr/bin/python3 models/fashion/export_images.py --split train --per-class 1500 --out "$work/fashion"
fi
if [[ $which != fashion ]]; then
  rm -rf "$work/cues"
  /usr/bin/python3 models/cues/make_dataset.py --seed 11 --count 1200 --out "$work/cues" >/dev/null
  /usr/bin/python3 models/cues/manifest.py "$work/cues"
fi

# Fashion: the layer is the features max-pooled to 7x7, exactly what the model's head reads (its
# perceptron reads positions: from the global average the XNN misses 7-8 % of the score range),
# with a 200-wide first encoder layer (the files stay near 2.6 MB) and a shortened schedule (batch
# 100, lr 3e-3, 60 epochs, one round: models/README.md).
# Cues: the 2x2 grid of channel averages (256 values: their mean is the global average the cues
# head reads, so nothing it reads is lost, and the grid keeps which quarter the evidence is in;
# from the global average alone every class collapsed into one x-feature), 8 x-features, seed 3
# (chosen on validation images of seed 5151, models/README.md) and the reference's schedule (the
# defaults: batch 50, lr 1e-3, 80 epochs, up to 5 rounds; when none is accepted the most faithful
# round is kept).
train() { # model data class out options... (SEED: default 1)
  local model=$1 data=$2 class=$3 out=$4
  shift 4
  "$cli" --threads "$threads" xnn train --model "$model" --data "$data" --class "$class" --seed "${SEED:-1}" \
    --cache "$work/cache" --force --out "$out" "$@"
}
# Coat uses seed 2: from seed 1 on 15000 images its encoder collapses in the first epochs (the
# x-features parallel, pull-away 1, the held-out RMSE a constant's).
for class in 0 2 4 6; do
  [[ $which == cues ]] && break
  SEED=$([[ $class == 4 ]] && echo 2 || echo 1) train models/demo/fashion.pt "$work/fashion/manifest.csv" "$class" "models/demo/fashion-$class.xnn" \
    --layer features:max-7x7 --epochs 60 -p hidden1=200 -p batch_size=100 -p learning_rate=0.003 \
    -p max_rounds=1
done
for class in 0 1 2 3; do
  [[ $which == fashion ]] && break
  SEED=3 train models/demo/cues.pt "$work/cues/manifest.csv" "$class" "models/demo/cues-$class.xnn" \
    --layer features:average-2x2 -p x_features=8 --epochs 80
done
