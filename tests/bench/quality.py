#!/usr/bin/python3
"""Default vs reference schedule of I-GOS and iGOS++: quality with seeds and spread.

For every sample of a model and every seed, runs the method with the default schedule and with
`reference=1` (`sightglass-bench --quality-json`) and scores each map in both deletion/insertion
variants: the IGOS_pp one (28x28 cells, blurred fill, Riemann AUC) and the RISE one (pixels,
zero fill for deletion, blur for insertion, trapezoid AUC: the variant that favours no mask
method). With a truth.json it also plays the pointing game (first maximum) and reports the
energy share inside the cue boxes.

Each cell of the table is the mean over seeds of the per-seed mean over images, +- the
seed-to-seed standard deviation (n-1). The verdict compares default with reference per metric:
"worse" when the default is worse by more than one pooled seed-to-seed standard deviation,
sqrt((sd_default^2 + sd_reference^2) / 2), and by more than RESOLUTION (0.0005).

Seeds: 1-3 on fashion, 1-7 on cues. With seeds 1-3 alone the cues `igos@28` pixel-deletion row
read "worse" (0.2753 +- 0.0011 against 0.2713 +- 0.0020) and seeds 4-7 reversed it (0.2721 +-
0.0034 against 0.2729 +- 0.0020): three seeds understate the spread there.

  tests/bench/quality.py --markdown tests/bench/RESULTS.md [--seeds 1,2,3] [--cues-seeds 1,...,7]
                         [--cues N] [--models fashion,cues]
Writes its sections into the markdown file (tests/bench/write_section.py: a header and one
marked section per model, so `--models cues` reruns the cues table and keeps the fashion one), or
prints them. Needs build/bin/sightglass-bench (SG_BUILD_BENCHMARKS).
"""

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from write_section import write_section

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BENCH = os.path.join(ROOT, os.environ.get("BUILD", "build"), "bin", "sightglass-bench")

# (model, sample glob, truth file or None, [(method, resolution)])
MODELS = [
    ("models/demo/fashion.pt", "resources/samples/fashion/*.png", None,
     [("igos", 14), ("igos", 28), ("igospp", 14), ("igospp", 28)]),
    ("models/demo/cues.pt", "resources/samples/cues/*.png", "resources/samples/cues/truth.json",
     [("igos", 28), ("igospp", 28)]),
]
# Differences below this are ties: the table's last digit, and far below the image-to-image
# spread (a seed-to-seed deviation can be ~0 where a curve saturates, e.g. insertion at 0.9997).
RESOLUTION = 0.0005
# metric key -> (title, True when higher is better)
METRICS = {
    "del_igos": ("deletion AUC, igos variant", False),
    "ins_igos": ("insertion AUC, igos variant", True),
    "del_rise": ("deletion AUC, rise variant", False),
    "ins_rise": ("insertion AUC, rise variant", True),
    "pointing": ("pointing game, first maximum (hit share)", True),
    "energy": ("energy share inside the cue boxes", True),
}


def scores(model, images, truth, method, resolution, seeds, reference, work):
    """{(image, seed): {metric: value}} from one sightglass-bench run in quality mode."""
    spec = f"{method}@{resolution}" + (":reference=1" if reference else "")
    out = os.path.join(work, "quality.jsonl")
    arguments = [BENCH, "--model", model, "--images"] + images + [
        "--methods", spec, "--seeds", ",".join(map(str, seeds)), "--quality-json", out]
    if truth:
        arguments += ["--truth", truth]
    done = subprocess.run(arguments, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit("quality.py: " + " ".join(arguments) + " failed:\n" + done.stderr)
    with open(out, encoding="utf-8") as f:
        lines = [json.loads(line) for line in f]
    return {(line["image"], line["seed"]): line for line in lines}


def summary(per_seed):
    mean = statistics.mean(per_seed)
    spread = statistics.stdev(per_seed) if len(per_seed) > 1 else 0.0
    return mean, spread


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3", help="seeds on fashion")
    parser.add_argument("--cues-seeds", default="1,2,3,4,5,6,7", help="seeds on cues")
    parser.add_argument("--models", default="fashion,cues", help="which models' sections to write")
    parser.add_argument("--cues", type=int, default=0, help="first N cues samples (0 = all)")
    parser.add_argument("--fashion", type=int, default=0, help="first N fashion samples (0 = all)")
    parser.add_argument("--markdown", help="write the sections into this file")
    args = parser.parse_args()
    seed_lists = {"fashion": [int(s) for s in args.seeds.split(",")],
                  "cues": [int(s) for s in args.cues_seeds.split(",")]}
    started = time.time()

    header = ["<!-- quality results: written by tests/bench/quality.py -->",
              "## Default vs reference schedule (I-GOS, iGOS++): quality over seeds", "",
             "Written by `tests/bench/quality.py` (seeds per model below). Each "
             "cell: the mean over seeds of the per-seed mean over the images, +- the seed-to-seed "
             "standard deviation. Verdict: `worse` when the default schedule is worse than "
             "`reference=1` by more than one pooled seed-to-seed standard deviation (and by more "
             "than 0.0005, the table's last digit). Pointing: the "
             "map's first maximum on a true cue box (usual rule); energy: the share of the map's mass "
             "inside the boxes.", "<!-- end of quality results -->"]
    sections = ["\n".join(header) + "\n"]
    with tempfile.TemporaryDirectory() as work:
        for model, pattern, truth, methods in MODELS:
            images = sorted(glob.glob(os.path.join(ROOT, pattern)))
            limit = args.cues if "cues" in model else args.fashion
            if limit:
                images = images[:limit]
            images = [os.path.relpath(image, ROOT) for image in images]
            name = os.path.splitext(os.path.basename(model))[0]
            if name not in args.models.split(","):
                continue
            seeds = seed_lists[name]
            model_started = time.time()
            lines = [f"<!-- {name} quality results: written by tests/bench/quality.py -->"]
            keys = [k for k in METRICS if truth or k not in ("pointing", "energy")]
            lines += ["### " + name + " demo model, " + str(len(images)) + " samples, seeds "
                      + ", ".join(map(str, seeds)), "",
                      "| method | metric | default | reference=1 | difference | verdict |",
                      "|---|---|---|---|---|---|"]
            for method, resolution in methods:
                table = {}
                passes = {}
                for reference in (False, True):
                    per_seed = {k: [] for k in keys}
                    forward = []
                    runs = scores(model, images, truth, method, resolution, seeds, reference, work)
                    for seed in seeds:
                        rows = [runs[(os.path.basename(image), seed)] for image in images]
                        for k in keys:
                            per_seed[k].append(statistics.mean(r[k] for r in rows))
                        forward.append(statistics.mean(r["forward"] for r in rows))
                    table[reference] = {k: summary(v) for k, v in per_seed.items()}
                    passes[reference] = statistics.mean(forward)
                    print(f"{name} {method}@{resolution} reference={int(reference)}: "
                          + ", ".join(f"{k} {table[reference][k][0]:.4f}" for k in keys)
                          + f" ({time.time() - started:.0f} s)", file=sys.stderr)
                for k in keys:
                    title, higher_better = METRICS[k]
                    (d_mean, d_sd), (r_mean, r_sd) = table[False][k], table[True][k]
                    pooled = ((d_sd ** 2 + r_sd ** 2) / 2) ** 0.5
                    worse_by = (r_mean - d_mean) if higher_better else (d_mean - r_mean)
                    verdict = "worse" if worse_by > max(pooled, RESOLUTION) else "ok"
                    lines.append(f"| `{method}@{resolution}` | {title} | {d_mean:.4f} +- {d_sd:.4f} | "
                                 f"{r_mean:.4f} +- {r_sd:.4f} | {d_mean - r_mean:+.4f} | {verdict} |")
                lines.append(f"| `{method}@{resolution}` | forward passes per image | {passes[False]:.0f} | "
                             f"{passes[True]:.0f} | {passes[False] / passes[True]:.2f}x | |")
            lines += ["", f"(Run on {time.strftime('%Y-%m-%d', time.gmtime())}, "
                      f"{time.time() - model_started:.0f} s on this machine.)",
                      f"<!-- end of {name} quality results -->"]
            sections.append("\n".join(lines) + "\n")
    previous = "<!-- end of resnet saliency results -->"  # where a first run puts the header
    for section in sections:
        if args.markdown:
            write_section(args.markdown, section, previous)
            previous = section.rstrip("\n").split("\n")[-1]
        else:
            sys.stdout.write(section + "\n")


if __name__ == "__main__":
    main()
