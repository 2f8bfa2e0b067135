"""Exports a torchvision image classifier as a Sightglass model (.pt + sidecar .json).

The model gets ``features(x)`` (the output of the last convolutional stage) and
``head(f)`` (pooling, flattening and the classifier) so that Grad-CAM and XNN
can reach the feature map. Weights come from ``--weights`` (a state_dict saved
with torch.save) or are random, seeded, when none are given. The sidecar uses
ImageNet's mean/std on the [0, 1] value range; labels come from ``--labels``
(one per line) or are generated as class_0, class_1, ... and written to a
labels file next to the model.

Supported families (with the features/head split): resnet*, resnext*,
wide_resnet*, vgg*, alexnet, densenet*, mobilenet_v2/v3*, efficientnet*,
convnext*, regnet*. Any other torchvision classifier can be exported without
the split using ``--no-split``.

Examples:
    python3 models/export_torchvision.py --arch resnet18 --out /tmp/resnet18.pt
    python3 models/export_torchvision.py --arch vgg19 --weights vgg19.pth \
        --labels imagenet_classes.txt --out models/vgg19.pt
"""

import argparse
import os
import sys
from typing import Callable, Dict, List, Optional, Tuple

import torch
import torchvision
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sightglass_export import (SplitClassifier, file_size_mb, fix_hash_seed, seed_everything,  # noqa: E402
                               write_model)

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
SEED = 0


# ------------------------------------------------------------------ splitters
# Each takes a torchvision model and returns (features module, head module) such
# that head(features(x)) equals the model's forward(x).

def split_resnet(model: nn.Module) -> Tuple[nn.Module, nn.Module]:
    features = nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool,
                             model.layer1, model.layer2, model.layer3, model.layer4)
    head = nn.Sequential(model.avgpool, nn.Flatten(1), model.fc)
    return features, head


def split_vgg_like(model: nn.Module) -> Tuple[nn.Module, nn.Module]:
    """VGG and AlexNet: the conv stack ends with a max-pool; features stop before it."""
    conv_layers = list(model.features.children())
    if not isinstance(conv_layers[-1], nn.MaxPool2d):
        raise ValueError("expected the conv stack to end with a max-pool")
    features = nn.Sequential(*conv_layers[:-1])
    head = nn.Sequential(conv_layers[-1], model.avgpool, nn.Flatten(1), model.classifier)
    return features, head


def split_densenet(model: nn.Module) -> Tuple[nn.Module, nn.Module]:
    # DenseNet's forward applies a ReLU after the last norm layer, before pooling.
    features = nn.Sequential(model.features, nn.ReLU())
    head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1), model.classifier)
    return features, head


def split_pooled_classifier(model: nn.Module) -> Tuple[nn.Module, nn.Module]:
    """MobileNet v2/v3, EfficientNet: features -> global average pool -> classifier."""
    head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1), model.classifier)
    return model.features, head


def split_convnext(model: nn.Module) -> Tuple[nn.Module, nn.Module]:
    # ConvNeXt's classifier already holds its norm layer and the flatten.
    return model.features, nn.Sequential(model.avgpool, model.classifier)


def split_regnet(model: nn.Module) -> Tuple[nn.Module, nn.Module]:
    features = nn.Sequential(model.stem, model.trunk_output)
    head = nn.Sequential(model.avgpool, nn.Flatten(1), model.fc)
    return features, head


SPLITTERS: List[Tuple[Tuple[str, ...], Callable]] = [
    (("resnet", "resnext", "wide_resnet"), split_resnet),
    (("vgg", "alexnet"), split_vgg_like),
    (("densenet",), split_densenet),
    (("mobilenet_v2", "mobilenet_v3", "efficientnet"), split_pooled_classifier),
    (("convnext",), split_convnext),
    (("regnet",), split_regnet),
]


def find_splitter(arch: str) -> Optional[Callable]:
    for prefixes, splitter in SPLITTERS:
        if arch.startswith(prefixes):
            return splitter
    return None


class Unsplit(nn.Module):
    """Wraps a classifier without exporting features/head (for --no-split)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


# --------------------------------------------------------------------- export

def load_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """Loads a state_dict, also from a checkpoint dict holding one, minus DataParallel prefixes."""
    state = torch.load(path, map_location="cpu")
    for key in ("state_dict", "model"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    return {name[len("module."):] if name.startswith("module.") else name: value
            for name, value in state.items()}


def read_labels(path: str) -> List[str]:
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def build_torchvision(arch: str, num_classes: int) -> nn.Module:
    available = torchvision.models.list_models(module=torchvision.models)
    if arch not in available:
        raise SystemExit(f"unknown torchvision classifier {arch!r}; available: {', '.join(available)}")
    return torchvision.models.get_model(arch, weights=None, num_classes=num_classes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", required=True, help="torchvision model name, e.g. resnet18, vgg19")
    parser.add_argument("--weights", help="state_dict file (torch.save); random seeded weights if absent")
    parser.add_argument("--out", required=True, help="output .pt path; the sidecar goes next to it")
    parser.add_argument("--input-size", type=int, default=224, help="input width and height")
    parser.add_argument("--labels", help="label file, one per line (default: class_0, class_1, ...)")
    parser.add_argument("--num-classes", type=int,
                        help="number of classes (default: from --labels, else 1000)")
    parser.add_argument("--no-split", action="store_true",
                        help="export forward only, without features/head")
    args = parser.parse_args()
    fix_hash_seed()

    if not args.out.endswith(".pt"):
        parser.error("--out must end with .pt")
    torch.set_num_threads(2)
    seed_everything(SEED)

    labels = read_labels(args.labels) if args.labels else None
    num_classes = args.num_classes or (len(labels) if labels else 1000)
    if labels is None:
        labels = [f"class_{index}" for index in range(num_classes)]
    if len(labels) != num_classes:
        parser.error(f"{len(labels)} labels but {num_classes} classes")

    model = build_torchvision(args.arch, num_classes)
    if args.weights:
        model.load_state_dict(load_state_dict(args.weights))
    model.eval()

    if args.no_split:
        exported = Unsplit(model)
    else:
        splitter = find_splitter(args.arch)
        if splitter is None:
            families = ", ".join(p + "*" for prefixes, _ in SPLITTERS for p in prefixes)
            raise SystemExit(
                f"no features/head split is known for {args.arch!r} (supported: {families}); "
                "rerun with --no-split to export it without one")
        exported = SplitClassifier(*splitter(model))

    # Labels go to a text file next to the model; the sidecar names it relative to itself.
    base = os.path.splitext(args.out)[0]
    labels_path = base + "_labels.txt"

    spec = {
        "name": os.path.basename(base),
        "description": f"torchvision {args.arch}, "
                       + (f"weights from {os.path.basename(args.weights)}" if args.weights
                          else f"random weights (seed {SEED})"),
        "input": {"width": args.input_size, "height": args.input_size, "channels": 3,
                  "value_range": [0.0, 1.0], "mean": IMAGENET_MEAN, "std": IMAGENET_STD},
        "labels_file": os.path.basename(labels_path),
    }
    if not args.no_split:
        spec["split"] = {"features": "features", "head": "head"}
    try:
        scripted = write_model(exported, args.out, spec)
    except Exception as error:  # TorchScript reports unscriptable code with several error types
        raise SystemExit(f"could not script {args.arch}: {error}")
    with open(labels_path, "w", encoding="utf-8") as f:
        f.write("\n".join(labels) + "\n")

    # Check the export against the original model on one random input.
    x = torch.randn(1, 3, args.input_size, args.input_size)
    with torch.no_grad():
        expected = model(x)
        got = scripted(x)
        gap = float((expected - got).abs().max())
        scale = float(expected.abs().max()) + 1e-6
        summary = f"logits {list(got.shape)}"
        if not args.no_split:
            feature_map = scripted.features(x)
            gap = max(gap, float((scripted.head(feature_map) - expected).abs().max()))
            summary = f"features {list(feature_map.shape)}, " + summary
    if gap > 1e-4 * scale:
        raise SystemExit(f"exported model differs from torchvision's by {gap:.3g}")
    print(f"wrote {args.out} ({file_size_mb(args.out):.1f} MiB), {spec['labels_file']} and sidecar; "
          f"{summary}; max |export - original| = {gap:.2e}")


if __name__ == "__main__":
    main()
