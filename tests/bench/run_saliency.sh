#!/usr/bin/env bash
# Writes the saliency sections of tests/bench/RESULTS.md (a header and one table per model, each
# between its markers, replaced on each run): every saliency method on the cues demo model
# (quality against ground truth, the default I-GOS/iGOS++ schedule beside the reference one), on
# the Fashion-MNIST demo model, and on a torchvision ResNet-18 at 224 with random weights, every
# method at its default settings (speed, overhead against a replay of the same passes, speed-up of
# the optimised inference copy). Needs a build with benchmarks ($BUILD/bin/sightglass-bench;
# BUILD defaults to build, the default preset's). About 55 minutes on two otherwise idle cores
# (2026-12-04: cues 16 min, fashion 3, ResNet-18 33); run nothing else meanwhile. Also called by
# tests/bench/run.sh.
#   tests/bench/run_saliency.sh [CUES_IMAGE_COUNT]     (default: all 16 samples)
#   OUT=FILE          where the sections go (default tests/bench/RESULTS.md)
#   SECTIONS=LIST     cues,fashion,resnet: the tables to rerun (default all three); each table
#                     is its own marked section, so a rerun of one keeps the others
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
bench=$build/bin/sightglass-bench
out=${OUT:-tests/bench/RESULTS.md}
sections=${SECTIONS:-cues,fashion,resnet}
count=${1:-16}
repeats=3           # timed repetitions (method, replay, copy off) per timed image
cues_timed=1        # cues images timed; the rest run once for passes and quality; rows whose
                    # repetitions add up to under 2 s get more (Grad-CAM, IG, occlusion)
fashion_timed=3     # fashion passes take ~0.3 ms: more images and repetitions against noise
fashion_repeats=7
resnet_count=1
resnet_forward_repeats=7  # occlusion and RISE on ResNet-18: the copy's gain is this table's claim
igospp_resnet_repeats=2   # one iGOS++ run on ResNet-18 takes about 100 s
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
section=$work/saliency.md
wanted() { [[ ",$sections," == *",$1,"* ]]; }
# table NAME PREVIOUS BENCH-ARGUMENTS...: one bench run, written as its own marked section of
# $out (a new one after section PREVIOUS).
table() {
  local name=$1 previous=$2 started=$SECONDS
  shift 2
  echo "<!-- $name saliency results: written by tests/bench/run_saliency.sh -->" > "$work/$name.md"
  "$bench" "$@" --markdown "$work/$name.md"
  echo "(Run on $(date -u +%Y-%m-%d), $((SECONDS - started)) s.)" >> "$work/$name.md"
  echo "<!-- end of $name saliency results -->" >> "$work/$name.md"
  /usr/bin/python3 tests/bench/write_section.py "$out" "$work/$name.md" "<!-- end of $previous results -->"
}

mapfile -t cues < <(ls resources/samples/cues/*.png | head -n "$count")
mapfile -t resnet < <(ls resources/samples/cues/*.png | head -n "$resnet_count")

{
  echo "<!-- saliency results: written by tests/bench/run_saliency.sh -->"
  echo "Written by \`tests/bench/run_saliency.sh\` (last on $(date -u +%Y-%m-%d): each table names its run's date)."
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, no GPU;"
  echo "$("$build"/bin/sightglass-cli --version), Debian LibTorch (CPU), OpenBLAS (kept to one thread beside torch's pool: core/model/runtime.cpp)."
  echo
  echo "Run: cues $count images ($cues_timed timed), fashion 12 images ($fashion_timed timed), ResNet-18"
  echo "$resnet_count image(s) (all timed); every timed figure is the median of $repeats repetitions ($resnet_forward_repeats"
  echo "for occlusion and RISE on ResNet-18, $igospp_resnet_repeats for iGOS++ there; more on cues until the method's runs"
  echo "add up to 2 s; on fashion at least $fashion_repeats, until they add up to a second), one repetition being the method and the replay of its"
  echo "passes (in alternating order), then the method with the optimised copy off."
  echo "The methods' default batch size (each table names it), all cores."
  echo
  echo "Columns: seconds per image of the method (timed images only); model passes per image (images"
  echo "through the model, over all images; backward = images whose gradient was taken); replay ="
  echo "the same sequence of model calls as the method's run (batch sizes, autograd on or off, the"
  echo "same module path), done plainly on the very batches the method passed (copied in an untimed"
  echo "capture run before the timed ones), with a backward to the input for each"
  echo "pass with autograd; overhead = method time / replay time (below 0.95 is marked INVALID:"
  echo "the replay is part of the method's own work); copy off = the method with"
  echo "\`setOptimisedInference(false)\` (every pass on the module as loaded), copy speed-up = copy"
  echo "off / on, max Δmap = the largest difference between the saliency maps of the two; deletion"
  echo "and insertion AUC with the standard settings (IGOS_pp variant, 28x28 cells, blurred fill);"
  echo "pointing = the pointing game by the usual rule (the map's first maximum in row-major order on"
  echo "a true cue box; a flat map misses); plateau = mean count of pixels sharing the maximum; energy ="
  echo "mean share of the map's mass inside the cue boxes. Below each table, the deletion/insertion"
  echo "evaluation timed with the copy on and off the same way."
  echo "<!-- end of saliency results -->"
} > "$section"
/usr/bin/python3 tests/bench/write_section.py "$out" "$section" "# Benchmark results"

if wanted cues; then
  table cues saliency --model models/demo/cues.pt --images "${cues[@]}" --truth resources/samples/cues/truth.json \
    --evaluate --repeats "$repeats" --min-seconds 2 --timed-images "$cues_timed" \
    --title "cues demo model, 112x112, first $count samples" --methods \
    igos@28,igos@28:reference=1,igospp@28,igospp@28:reference=1,igospp@28:ties=0,igospp@28:reference=1:ties=0,igos@7,igos@14,igos@56,gradcam,ig,rise@7,rise@14,occlusion@7,occlusion@14
fi

if wanted fashion; then
  table fashion 'cues saliency' --model models/demo/fashion.pt --images resources/samples/fashion/*.png --evaluate \
    --repeats "$fashion_repeats" --min-seconds 1 --timed-images "$fashion_timed" \
    --title "fashion demo model, 28x28 gray, 12 samples" --methods \
    igos@7,igos@14,igos@28,igospp@14,gradcam,ig,rise@7,occlusion@7,occlusion@14
fi

# ResNet-18 at 224, default settings throughout (I-GOS/iGOS++ 15 iterations, RISE 2000 masks,
# occlusion at 14); cheap methods first, so the slow rows start warm.
if wanted resnet; then
  /usr/bin/python3 models/export_torchvision.py --arch resnet18 --out "$work/resnet18.pt" >/dev/null
  table resnet 'fashion saliency' --model "$work/resnet18.pt" --images "${resnet[@]}" --repeats "$repeats" \
    --title "resnet18 (random weights), 224x224, $resnet_count image(s), default settings" \
    --methods gradcam,ig,occlusion:repeats=$resnet_forward_repeats,igos,igospp:repeats=$igospp_resnet_repeats,rise:repeats=$resnet_forward_repeats
fi
echo "run_saliency.sh: wrote the saliency sections of $out"
