"""Trains the demo "cues" classifier and exports it as a Sightglass model.

Training data (seed 1) and held-out test data (seed 2) come from the generator
in make_dataset.py, in memory. The network is a small CNN whose last conv
block gives a [N, 64, 14, 14] feature map (``features``); the head is global
average pooling plus a linear layer (``head``).

After training it writes OUT.pt and OUT.json, then refreshes the golden logits
of the sample images (resources/samples/cues) and checks that the model's
top-1 class matches truth.json on every sample. Without that truth.json (see
--samples) it stops at once, before any training, with an error naming the file.

Example (from the repository root):
    python3 models/cues/train.py --out models/demo/cues
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

import make_dataset  # noqa: E402  (this directory is on sys.path when run as a script)
from sightglass_export import (SplitClassifier, accuracy, file_size_mb, fix_hash_seed,  # noqa: E402
                               seed_everything, train_classifier, write_golden, write_model)

TRAIN_SEED = 1
TEST_SEED = 2
INIT_SEED = 0
MEAN = (0.5, 0.5, 0.5)
STD = (0.25, 0.25, 0.25)


def conv_block(in_channels: int, out_channels: int, kernel: int = 3, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel, stride=stride, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


def build_model() -> SplitClassifier:
    """112x112x3 -> features [N, 64, 14, 14] -> logits [N, 4]."""
    feature_net = nn.Sequential(
        conv_block(3, 24, kernel=5, stride=2),   # 56x56
        conv_block(24, 32), nn.MaxPool2d(2),     # 28x28
        conv_block(32, 64), nn.MaxPool2d(2),     # 14x14
        conv_block(64, 64),
    )
    head_net = nn.Sequential(
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(64, len(make_dataset.LABELS)),
    )
    return SplitClassifier(feature_net, head_net)


def normalize(pixels: torch.Tensor) -> torch.Tensor:
    """uint8 [N, H, W, 3] -> float32 [N, 3, H, W], as the sidecar's preprocessing does."""
    values = pixels.permute(0, 3, 1, 2).float() / 255.0
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (values - mean) / std


def sample_truth_path(samples_dir: str) -> str:
    """The samples' truth.json; exits naming it when it is missing.

    Without it the goldens would silently go stale and the sample check would pass unchecked,
    so training does not start.
    """
    truth_path = os.path.join(samples_dir, "truth.json")
    if not os.path.isfile(truth_path):
        sys.exit(f"{truth_path}: sample ground truth not found; it is needed to refresh the "
                 f"goldens and check the samples (make it with models/cues/make_dataset.py "
                 f"--seed 7 --count 16 --out {samples_dir}, or pass --samples)")
    return truth_path


def refresh_goldens(pt_path: str, samples_dir: str, golden_path: str) -> bool:
    """Writes golden logits for the samples and checks top-1 against truth.json."""
    truth_path = sample_truth_path(samples_dir)
    with open(truth_path, encoding="utf-8") as f:
        truth = json.load(f)
    entries = sorted(truth["images"], key=lambda entry: entry["file"])
    image_paths = [os.path.join(samples_dir, entry["file"]) for entry in entries]
    all_logits = write_golden(pt_path, image_paths, golden_path)
    print(f"wrote {golden_path}")
    all_match = True
    for entry, logits in zip(entries, all_logits):
        predicted = int(np.argmax(logits))
        match = predicted == entry["label"]
        all_match &= match
        cues = ", ".join(cue["cue"] for cue in entry["cues"])
        print(f"  {entry['file']}: truth {entry['label_name']:<28} predicted "
              f"{truth['labels'][predicted]:<28} {'ok' if match else 'MISMATCH'}  [{cues}]")
    print("sample top-1 matches truth on every sample" if all_match else "sample top-1 MISMATCH")
    return all_match


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output base path; writes OUT.pt and OUT.json")
    parser.add_argument("--train-count", type=int, default=6000)
    parser.add_argument("--test-count", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=4e-3)
    parser.add_argument("--samples", default=os.path.join(REPO_ROOT, "resources", "samples", "cues"),
                        help="sample images with truth.json to write goldens for")
    parser.add_argument("--golden", default=os.path.join(REPO_ROOT, "tests", "golden", "cues_logits.json"))
    args = parser.parse_args()
    sample_truth_path(args.samples)  # before minutes of training, not after
    fix_hash_seed()

    torch.set_num_threads(2)
    seed_everything(INIT_SEED)

    print(f"generating {args.train_count} training (seed {TRAIN_SEED}) and "
          f"{args.test_count} held-out (seed {TEST_SEED}) images", flush=True)
    train_pixels, train_records = make_dataset.generate(TRAIN_SEED, args.train_count)
    test_pixels, test_records = make_dataset.generate(TEST_SEED, args.test_count)
    train_labels = torch.tensor([r["label"] for r in train_records])
    test_labels = torch.tensor([r["label"] for r in test_records])
    train_pixels, test_pixels = torch.from_numpy(train_pixels), torch.from_numpy(test_pixels)

    model = build_model()
    train_classifier(model, train_pixels, train_labels, test_pixels, test_labels, normalize=normalize,
                     epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=INIT_SEED,
                     test_name="held-out")

    spec = {
        "name": "cues",
        "description": "Synthetic shapes on textured backgrounds; a class is either of the two "
                       "cue objects its label names (colour-shape|colour-shape)",
        "input": {"width": make_dataset.IMAGE_SIZE, "height": make_dataset.IMAGE_SIZE, "channels": 3,
                  "value_range": [0.0, 1.0], "mean": list(MEAN), "std": list(STD)},
        "labels": make_dataset.LABELS,
        "split": {"features": "features", "head": "head"},
    }
    pt_path = args.out + ".pt"
    scripted = write_model(model, pt_path, spec)

    # The saved model is what matters: measure its held-out accuracy and check the split.
    test_accuracy = accuracy(scripted, test_pixels, test_labels, normalize)
    with torch.no_grad():
        x = normalize(test_pixels[:8])
        split_gap = float((scripted(x) - scripted.head(scripted.features(x))).abs().max())
        feature_shape = list(scripted.features(x).shape)
    print(f"wrote {pt_path} ({file_size_mb(pt_path):.2f} MiB); features {feature_shape}, "
          f"|forward - head(features)| = {split_gap:.2e}")
    print(f"held-out accuracy of the saved model: {test_accuracy:.4f}")

    samples_ok = refresh_goldens(pt_path, args.samples, args.golden)
    if test_accuracy < 0.98 or not samples_ok:
        sys.exit("model does not meet the bar (held-out accuracy >= 0.98, all samples right)")


if __name__ == "__main__":
    main()
