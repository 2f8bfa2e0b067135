"""Writes a golden logits file for a Sightglass model and a set of images.

The logits come from the Python reference preprocessing in
``sightglass_export.preprocess``; the C++ tests load the same model and images
and compare their logits against this file.

Example:
    python3 models/make_golden.py --model models/demo/cues.pt \
        resources/samples/cues/*.png --out tests/golden/cues_logits.json
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from sightglass_export import write_golden  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="TorchScript model (.pt) with its sidecar")
    parser.add_argument("images", nargs="+", help="images at the model input size")
    parser.add_argument("--out", required=True, help="golden JSON file to write")
    args = parser.parse_args()

    torch.set_num_threads(2)
    images = sorted(args.images)
    write_golden(args.model, images, args.out)
    print(f"wrote {args.out} ({len(images)} images)")


if __name__ == "__main__":
    main()
