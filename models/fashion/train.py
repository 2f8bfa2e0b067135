"""Trains the demo Fashion-MNIST classifier and exports it as a Sightglass model.

Reads Debian's Fashion-MNIST IDX files, trains a small CNN on the 60k training
images and reports accuracy on the 10k test images. The feature map
``features`` is the output of the last conv block, [N, 64, 14, 14]; ``head``
max-pools it to 7x7 and applies a two-layer perceptron.

After training it writes OUT.pt and OUT.json and refreshes the golden logits
of the sample images (resources/samples/fashion, made by make_samples.py).

Example (from the repository root):
    python3 models/fashion/train.py --out models/demo/fashion
"""

import argparse
import json
import os
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))

import fashion_data  # noqa: E402  (this directory is on sys.path when run as a script)
from sightglass_export import (SplitClassifier, accuracy, file_size_mb, fix_hash_seed,  # noqa: E402
                               seed_everything, train_classifier, write_golden, write_model)

SEED = 0
# Fashion-MNIST training-set pixel mean and standard deviation, on the [0, 1] scale.
MEAN = 0.286
STD = 0.353


def conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


def build_model() -> SplitClassifier:
    """28x28x1 -> features [N, 64, 14, 14] -> logits [N, 10]."""
    feature_net = nn.Sequential(
        conv_block(1, 16), nn.MaxPool2d(2),      # 14x14
        conv_block(16, 32),
        conv_block(32, 64),
    )
    head_net = nn.Sequential(
        nn.MaxPool2d(2),                         # 7x7
        nn.Flatten(),
        nn.Dropout(0.3),
        nn.Linear(64 * 7 * 7, 128),
        nn.ReLU(inplace=True),
        nn.Dropout(0.3),
        nn.Linear(128, len(fashion_data.LABELS)),
    )
    return SplitClassifier(feature_net, head_net)


def normalize(pixels: torch.Tensor) -> torch.Tensor:
    """uint8 [N, 28, 28] -> float32 [N, 1, 28, 28], as the sidecar's preprocessing does."""
    return (pixels.unsqueeze(1).float() / 255.0 - MEAN) / STD


def mirror_half(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Mirrors a random half of the batch: clothes are left/right symmetric enough."""
    flip = torch.rand(len(x), generator=generator) < 0.5
    x[flip] = x[flip].flip(3)
    return x


def refresh_goldens(pt_path: str, samples_dir: str, golden_path: str) -> None:
    """Writes golden logits for the samples and prints the model's top-1 for each."""
    truth_path = os.path.join(samples_dir, "truth.json")
    if not os.path.exists(truth_path):
        print(f"no {truth_path}; skipping goldens (make samples with make_samples.py)")
        return
    with open(truth_path, encoding="utf-8") as f:
        truth = json.load(f)
    entries = sorted(truth["images"], key=lambda entry: entry["file"])
    image_paths = [os.path.join(samples_dir, entry["file"]) for entry in entries]
    all_logits = write_golden(pt_path, image_paths, golden_path)
    print(f"wrote {golden_path}")
    for entry, logits in zip(entries, all_logits):
        predicted = truth["labels"][int(np.argmax(logits))]
        verdict = "ok" if predicted == entry["label_name"] else "wrong"
        print(f"  {entry['file']}: truth {entry['label_name']:<12} predicted {predicted:<12} {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output base path; writes OUT.pt and OUT.json")
    parser.add_argument("--data-dir", default=fashion_data.DEFAULT_DIR)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--samples", default=os.path.join(REPO_ROOT, "resources", "samples", "fashion"),
                        help="sample images with truth.json to write goldens for")
    parser.add_argument("--golden", default=os.path.join(REPO_ROOT, "tests", "golden", "fashion_logits.json"))
    args = parser.parse_args()
    fix_hash_seed()

    torch.set_num_threads(2)
    seed_everything(SEED)

    train_images, train_labels = fashion_data.load_split("train", args.data_dir)
    test_images, test_labels = fashion_data.load_split("t10k", args.data_dir)
    train_pixels, test_pixels = torch.from_numpy(train_images.copy()), torch.from_numpy(test_images.copy())
    train_labels = torch.from_numpy(train_labels.astype(np.int64))
    test_labels = torch.from_numpy(test_labels.astype(np.int64))

    model = build_model()
    train_classifier(model, train_pixels, train_labels, test_pixels, test_labels, normalize=normalize,
                     epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=SEED,
                     test_name="test", eval_batch_size=500, augment=mirror_half)

    spec = {
        "name": "fashion",
        "description": "Small CNN on Fashion-MNIST (28x28 gray clothing images, 10 classes)",
        "input": {"width": 28, "height": 28, "channels": 1,
                  "value_range": [0.0, 1.0], "mean": [MEAN], "std": [STD]},
        "labels": fashion_data.LABELS,
        "split": {"features": "features", "head": "head"},
    }
    pt_path = args.out + ".pt"
    scripted = write_model(model, pt_path, spec)

    test_accuracy = accuracy(scripted, test_pixels, test_labels, normalize, 500)
    with torch.no_grad():
        x = normalize(test_pixels[:8])
        split_gap = float((scripted(x) - scripted.head(scripted.features(x))).abs().max())
        feature_shape = list(scripted.features(x).shape)
    print(f"wrote {pt_path} ({file_size_mb(pt_path):.2f} MiB); features {feature_shape}, "
          f"|forward - head(features)| = {split_gap:.2e}")
    print(f"test accuracy of the saved model: {test_accuracy:.4f}")

    refresh_goldens(pt_path, args.samples, args.golden)
    if test_accuracy < 0.90:
        sys.exit("model does not meet the bar (test accuracy >= 0.90)")


if __name__ == "__main__":
    main()
