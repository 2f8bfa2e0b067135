#!/usr/bin/env bash
# Rewrites tests/bench/RESULTS.md: every saliency method on the cues demo model (quality against
# ground truth, the default I-GOS/iGOS++ schedule beside the reference one), on the
# Fashion-MNIST demo model, and on a torchvision ResNet-18 at 224 with random weights (speed and
# overhead). Needs a build with tests (build/bin/sightglass-bench). About 12 minutes on two
# cores. The summary at the end of RESULTS.md is written by hand from the tables.
#   tests/bench/run.sh [CUES_IMAGE_COUNT]     (default: all 16 samples)
set -euo pipefail
cd "$(dirname "$0")/../.."
bench=build/bin/sightglass-bench
out=tests/bench/RESULTS.md
count=${1:-16}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 models/export_torchvision.py --arch resnet18 --out "$work/resnet18.pt" >/dev/null
mapfile -t cues < <(ls resources/samples/cues/*.png | head -n "$count")

{
  echo "# Benchmark results"
  echo
  echo "Written by \`tests/bench/run.sh\` on $(date -u +%Y-%m-%d)."
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, no GPU;"
  echo "$(build/bin/sightglass-cli --version), Debian LibTorch (CPU), OpenBLAS."
  echo
  echo "Columns: seconds per image of the method alone; model passes per image (images through"
  echo "the model; backward = images whose gradient was taken); overhead = wall time / the time of"
  echo "the same number of plain batched passes measured in the same run (batch 20); deletion and"
  echo "insertion AUC with the standard settings (IGOS_pp variant, 28x28 cells, blurred fill);"
  echo "pointing = the map's maximum on a true cue box."
} > "$out"

"$bench" --model models/demo/cues.pt --images "${cues[@]}" --truth resources/samples/cues/truth.json \
  --evaluate --title "cues demo model, 112x112, first $count samples" --markdown "$out" --methods \
  igos@28,igos@28:reference=1,igospp@28,igospp@28:reference=1,igos@7,igos@14,igos@56,gradcam,ig,rise@7,rise@14,occlusion@7,occlusion@14

"$bench" --model models/demo/fashion.pt --images resources/samples/fashion/*.png --evaluate \
  --title "fashion demo model, 28x28 gray, 12 samples" --markdown "$out" --methods \
  igos@7,igos@14,igos@28,igospp@14,gradcam,ig,rise@7,occlusion@7,occlusion@14

# ResNet-18 at 224: passes cost ~50x more, so the iterative methods run fewer iterations/masks
# here; the overhead ratio is per pass and does not depend on the count.
"$bench" --model "$work/resnet18.pt" --images resources/samples/cues/00000.png resources/samples/cues/00001.png \
  --title "resnet18 (random weights), 224x224, 2 images, reduced iteration counts" --markdown "$out" --methods \
  igos@28:iterations=3,igos@224:iterations=3,igospp@28:iterations=2,rise@7:masks=400,gradcam,ig:steps=40,occlusion@7
