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
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))

import fashion_data  # noqa: E402  (this directory is on sys.path when run as a script)
from sightglass_export import (SplitClassifier, file_size_mb, fix_hash_seed, seed_everything,  # noqa: E402
                               write_golden, write_model)

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


def accuracy(model: nn.Module, pixels: torch.Tensor, labels: torch.Tensor, batch_size: int = 500) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(labels), batch_size):
            logits = model(normalize(pixels[start:start + batch_size]))
            correct += int((logits.argmax(1) == labels[start:start + batch_size]).sum())
    return correct / len(labels)


def train(model: nn.Module, pixels: torch.Tensor, labels: torch.Tensor,
          test_pixels: torch.Tensor, test_labels: torch.Tensor, args) -> None:
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps_per_epoch = (len(labels) + args.batch_size - 1) // args.batch_size
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch)
    loss_fn = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(SEED)
    for epoch in range(args.epochs):
        model.train()
        started = time.time()
        order = torch.randperm(len(labels), generator=generator)
        total_loss = 0.0
        for start in range(0, len(labels), args.batch_size):
            batch = order[start:start + args.batch_size]
            x = normalize(pixels[batch])
            # Mirror half of the batch: clothes are left/right symmetric enough.
            flip = torch.rand(len(batch), generator=generator) < 0.5
            x[flip] = x[flip].flip(3)
            loss = loss_fn(model(x), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total_loss += float(loss) * len(batch)
        test_accuracy = accuracy(model, test_pixels, test_labels)
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total_loss / len(labels):.4f}, "
              f"test accuracy {test_accuracy:.4f} ({time.time() - started:.0f} s)", flush=True)


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
    train(model, train_pixels, train_labels, test_pixels, test_labels, args)

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

    test_accuracy = accuracy(scripted, test_pixels, test_labels)
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
