"""Writes the small model fixtures under tests/data/models/ for the C++ model tests.

One valid tiny classifier, one linear model whose gradients are known in closed
form, and a set of broken models and sidecars that the C++ loader must reject
with a clear error. Each file is a few KB. See tests/data/README.md.

Example (from the repository root):
    python3 tests/data/make_fixtures.py
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
sys.path.insert(0, os.path.join(REPO_ROOT, "models"))

from sightglass_export import (SplitClassifier, fix_hash_seed, seed_everything,  # noqa: E402
                               write_model, write_sidecar)

SEED = 0
SIZE = 16
LABELS3 = ["alpha", "beta", "gamma"]


def spec_for(name: str, description: str, labels, width: int = SIZE, height: int = SIZE,
             split: bool = False, mean=0.5, std=0.25):
    spec = {
        "name": name,
        "description": description,
        "input": {"width": width, "height": height, "channels": 3, "value_range": [0.0, 1.0],
                  "mean": [mean] * 3, "std": [std] * 3},
        "labels": list(labels),
    }
    if split:
        spec["split"] = {"features": "features", "head": "head"}
    return spec


# ------------------------------------------------------------------- modules

def tiny_split_classifier(num_classes: int = 3) -> SplitClassifier:
    """Conv(3->4) + ReLU as features [N, 4, 16, 16]; average pool + linear as head."""
    features = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU())
    head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Linear(4, num_classes))
    return SplitClassifier(features, head)


class LinearClassifier(nn.Module):
    """logits = W . flatten(x) + b, flatten in PyTorch's NCHW order."""

    def __init__(self, in_features: int, num_classes: int):
        super().__init__()
        self.linear = nn.Linear(in_features, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.flatten(1))


class PlainConvClassifier(nn.Module):
    """A valid conv classifier that exports no features/head methods."""

    def __init__(self, num_classes: int = 3):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = torch.relu(self.conv(x)).mean(dim=[2, 3])
        return self.fc(pooled)


class GridOutput(nn.Module):
    """Returns a [N, 2, 2] map instead of [N, K] logits."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 1, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.conv(x)).squeeze(1)


class NanOutput(nn.Module):
    """Logits (and their gradients) are NaN: a linear layer scaled by NaN."""

    def __init__(self, in_features: int, num_classes: int):
        super().__init__()
        self.linear = nn.Linear(in_features, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.flatten(1)) * float("nan")


@torch.jit.interface
class TensorStage(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pass


class Doubler(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * 2.0


class ReassignsInterface(nn.Module):
    """A valid conv classifier whose forward reassigns an interface-typed submodule to itself.

    The assignment changes nothing, but torch.jit.freeze refuses it ("failed to freeze
    interface attribute"), so the loader must fall back to the module as loaded.
    """

    stage: TensorStage

    def __init__(self, num_classes: int = 3):
        super().__init__()
        self.stage = Doubler()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.stage = self.stage
        pooled = torch.relu(self.conv(self.stage.forward(x))).mean(dim=[2, 3])
        return self.fc(pooled)


# -------------------------------------------------------------------- writers

def write_linear(out_dir: str) -> None:
    model = LinearClassifier(3 * 4 * 4, 3)
    spec = spec_for("linear", "logits = W . flatten(x) + b on a 4x4x3 input (NCHW flatten)", LABELS3,
                    width=4, height=4, mean=0.0, std=1.0)
    write_model(model, os.path.join(out_dir, "linear.pt"), spec)
    weights = {"W": model.linear.weight.detach().tolist(), "b": model.linear.bias.detach().tolist()}
    with open(os.path.join(out_dir, "linear_weights.json"), "w", encoding="utf-8") as f:
        json.dump(weights, f)
        f.write("\n")


def write_fixtures(out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    seed_everything(SEED)

    def path(name: str) -> str:
        return os.path.join(out_dir, name)

    tiny = tiny_split_classifier()
    tiny_spec = spec_for("tiny", "valid tiny conv classifier with a features/head split",
                         LABELS3, split=True)
    write_model(tiny, path("tiny.pt"), tiny_spec)

    write_linear(out_dir)

    # A valid zip archive (torch.save), but a state_dict, not TorchScript.
    torch.save(tiny.state_dict(), path("not_torchscript.pt"))
    write_sidecar(path("not_torchscript.json"),
                  spec_for("not_torchscript", "torch.save(state_dict), not TorchScript", LABELS3))

    garbage = np.random.default_rng(SEED).integers(0, 256, size=200, dtype=np.uint8)
    with open(path("garbage.pt"), "wb") as f:
        f.write(garbage.tobytes())
    write_sidecar(path("garbage.json"), spec_for("garbage", "200 random bytes", LABELS3))

    # A valid model written without its sidecar.
    torch.jit.script(tiny_split_classifier().eval()).save(path("no_sidecar.pt"))
    stray = path("no_sidecar.json")
    if os.path.exists(stray):
        os.remove(stray)

    torch.jit.script(tiny_split_classifier().eval()).save(path("malformed_sidecar.pt"))
    with open(path("malformed_sidecar.json"), "w", encoding="utf-8") as f:
        # Missing comma after "name" and no closing brace.
        f.write('{\n  "name": "malformed_sidecar"\n  "labels": ["alpha", "beta", "gamma"]\n')

    write_model(LinearClassifier(3 * SIZE * SIZE, 4), path("label_mismatch.pt"),
                spec_for("label_mismatch", "outputs 4 logits, sidecar lists 3 labels", LABELS3))

    # Two labels: the last output dimension matches them, only the rank is wrong.
    write_model(GridOutput(), path("bad_output_shape.pt"),
                spec_for("bad_output_shape", "forward returns [N, 2, 2]", ["alpha", "beta"]))

    write_model(LinearClassifier(3 * SIZE * SIZE, 3), path("rejects_input.pt"),
                spec_for("rejects_input", "expects a 16x16 input, sidecar says 20x20", LABELS3,
                         width=20, height=20))

    write_model(NanOutput(3 * SIZE * SIZE, 3), path("nan_output.pt"),
                spec_for("nan_output", "forward returns NaN logits", LABELS3))

    write_model(PlainConvClassifier(), path("missing_head.pt"),
                spec_for("missing_head", "sidecar declares a split the module does not export",
                         LABELS3, split=True))

    write_model(ReassignsInterface(), path("unfreezable.pt"),
                spec_for("unfreezable", "valid classifier that torch.jit.freeze refuses", LABELS3))


def check_fixtures(out_dir: str) -> None:
    """Loads the fixtures back and asserts each has the property it stands for."""
    def load(name: str):
        return torch.jit.load(os.path.join(out_dir, name)).eval()

    x16 = torch.rand(2, 3, SIZE, SIZE)
    with torch.no_grad():
        tiny = load("tiny.pt")
        assert tiny(x16).shape == (2, 3)
        assert torch.equal(tiny(x16), tiny.head(tiny.features(x16)))

        linear = load("linear.pt")
        with open(os.path.join(out_dir, "linear_weights.json"), encoding="utf-8") as f:
            weights = json.load(f)
        x4 = torch.rand(1, 3, 4, 4)
        expected = torch.tensor(weights["W"]) @ x4.flatten() + torch.tensor(weights["b"])
        assert torch.allclose(linear(x4)[0], expected, atol=1e-6)

        for name in ("not_torchscript.pt", "garbage.pt"):
            try:
                load(name)
            except RuntimeError:
                pass
            else:
                raise AssertionError(f"{name} loaded as TorchScript")

        assert load("label_mismatch.pt")(x16).shape == (2, 4)
        assert load("bad_output_shape.pt")(x16).shape == (2, 2, 2)
        assert torch.isnan(load("nan_output.pt")(x16)).all()
        missing_head = load("missing_head.pt")
        assert missing_head(x16).shape == (2, 3)
        assert not hasattr(missing_head, "features") and not hasattr(missing_head, "head")
        unfreezable = load("unfreezable.pt")
        assert unfreezable(x16).shape == (2, 3)
        try:
            torch.jit.freeze(unfreezable)
        except RuntimeError:
            pass
        else:
            raise AssertionError("unfreezable.pt froze")
        try:
            load("rejects_input.pt")(torch.rand(1, 3, 20, 20))
        except RuntimeError:
            pass
        else:
            raise AssertionError("rejects_input.pt accepted a 20x20 input")

    try:
        with open(os.path.join(out_dir, "malformed_sidecar.json"), encoding="utf-8") as f:
            json.load(f)
    except json.JSONDecodeError:
        pass
    else:
        raise AssertionError("malformed_sidecar.json parsed")
    assert not os.path.exists(os.path.join(out_dir, "no_sidecar.json"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(HERE, "models"), help="output directory")
    args = parser.parse_args()
    fix_hash_seed()

    torch.set_num_threads(2)
    write_fixtures(args.out)
    check_fixtures(args.out)
    for name in sorted(os.listdir(args.out)):
        print(f"{os.path.getsize(os.path.join(args.out, name)):>7} B  {name}")


if __name__ == "__main__":
    main()
