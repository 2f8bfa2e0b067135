"""Writes Fashion-MNIST test-set sample images for Sightglass, with a truth.json.

Picks test images class by class in rounds (the first image of every class,
then the second of every class, ...) until ``--count`` are chosen, and saves each as a 28x28 gray PNG named
``<test index>_<label>.png`` (e.g. ``0001_pullover.png``).

Example (from the repository root):
    python3 models/fashion/make_samples.py --out resources/samples/fashion
"""

import argparse
import os
import sys

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import fashion_data  # noqa: E402
from sightglass_export import write_truth  # noqa: E402


def choose_indices(labels, count: int):
    """Test indices in rounds: the r-th image of class 0, 1, ..., for r = 0, 1, ..."""
    per_class = [(labels == label).nonzero()[0] for label in range(len(fashion_data.LABELS))]
    chosen = []
    for round_index in range(len(labels)):
        for indices in per_class:
            if len(chosen) < count and round_index < len(indices):
                chosen.append(int(indices[round_index]))
        if len(chosen) >= count:
            break
    return sorted(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output directory")
    parser.add_argument("--count", type=int, default=12, help="number of images (at least 10)")
    parser.add_argument("--data-dir", default=fashion_data.DEFAULT_DIR)
    args = parser.parse_args()

    images, labels = fashion_data.load_split("t10k", args.data_dir)
    os.makedirs(args.out, exist_ok=True)
    records = []
    for index in choose_indices(labels, args.count):
        label = int(labels[index])
        name = fashion_data.LABELS[label]
        file_name = f"{index:04d}_{fashion_data.label_slug(name)}.png"
        Image.fromarray(images[index], mode="L").save(os.path.join(args.out, file_name))
        records.append({"file": file_name, "label": label, "label_name": name,
                        "cues": [], "distractors": []})
    truth = {"width": 28, "height": 28, "labels": fashion_data.LABELS,
             "description": "Fashion-MNIST test-set images (t10k); the file name starts with the test index",
             "images": records}
    write_truth(os.path.join(args.out, "truth.json"), truth)
    print(f"wrote {len(records)} images to {args.out}")


if __name__ == "__main__":
    main()
