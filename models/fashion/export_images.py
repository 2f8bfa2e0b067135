"""Exports Fashion-MNIST images as PNG files with a file,label manifest, for XNN training and tests.

Takes ``--per-class`` images of every class of ``--split`` (train or t10k), starting at the
``--offset``-th image of each class, so disjoint sets come from disjoint offsets. Each image is
saved as a 28x28 gray PNG named ``<split>-<index>.png``; ``manifest.csv`` lists
``file,label`` rows (the label as its index: "T-shirt/top" cannot be a folder name), class by
class in index order.

Example (from the repository root):
    python3 models/fashion/export_images.py --split train --per-class 150 --out /tmp/fashion-train
"""

import argparse
import os
import sys

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import fashion_data  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["train", "t10k"], required=True)
    parser.add_argument("--per-class", type=int, required=True, help="images per class")
    parser.add_argument("--offset", type=int, default=0, help="skip this many images of each class")
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--data-dir", default=fashion_data.DEFAULT_DIR)
    args = parser.parse_args()

    images, labels = fashion_data.load_split(args.split, args.data_dir)
    os.makedirs(args.out, exist_ok=True)
    rows = ["file,label"]
    for label in range(len(fashion_data.LABELS)):
        indices = (labels == label).nonzero()[0][args.offset:args.offset + args.per_class]
        if len(indices) < args.per_class:
            raise SystemExit(f"class {label}: only {len(indices)} images after offset {args.offset}")
        for index in indices:
            name = f"{args.split}-{int(index):05d}.png"
            Image.fromarray(images[index], mode="L").save(os.path.join(args.out, name))
            rows.append(f"{name},{label}")
    with open(os.path.join(args.out, "manifest.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    print(f"wrote {len(rows) - 1} images to {args.out}")


if __name__ == "__main__":
    main()
