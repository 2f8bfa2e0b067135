"""Writes the toy model for the deletion/insertion metric tests (tests/unit/test_metrics.cpp).

cellsum.pt/.json: a 28x28x3 classifier with two labels ("absent", "present") whose logits are
[0, d] with d = b + sum_j v_j * m_j, where m_j is the mean over the three channels and the 4x4
pixels of cell j of the 7x7 cell grid of the normalised input (j row-major). The softmax score of
"present" is then sigmoid(d), so for any blend of the image with a baseline the test can compute
the expected score in closed form from the pixels alone. v and b are written to
cellsum_weights.json ({"grid": 7, "cell": 4, "v": [49 floats], "b": float}); the values are the
float32 numbers the model holds.

The forward pass uses only elementwise products and reductions over each image's own row, so
an image's score does not depend on the other images in its batch.

Example (from the repository root):
    /usr/bin/python3 tests/data/make_metric_fixtures.py
"""

import argparse
import json
import os
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO_ROOT, "models"))

from sightglass_export import fix_hash_seed, write_model  # noqa: E402

SEED = 11
SIZE = 28
CELL = 4
GRID = SIZE // CELL


class CellSum(nn.Module):
    """logits = [0, b + sum_j v_j * mean(cell j)] over a GRID x GRID grid of CELL x CELL cells."""

    def __init__(self, v: torch.Tensor, b: float):
        super().__init__()
        self.cell: int = CELL
        self.register_buffer("v", v.reshape(1, GRID * GRID).to(torch.float32))
        self.register_buffer("b", torch.tensor([b], dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cells = nn.functional.avg_pool2d(x, self.cell).mean(1).flatten(1)  # [N, GRID * GRID]
        d = (cells * self.v).sum(1) + self.b
        return torch.stack([torch.zeros_like(d), d], 1)


def write(out_dir: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    generator = torch.Generator().manual_seed(SEED)
    v = (torch.randn(GRID * GRID, generator=generator) * 0.8).to(torch.float32)
    b = 0.25
    model = CellSum(v, b)
    spec = {
        "name": "cellsum",
        "description": "metric test toy: logits [0, b + sum_j v_j mean(cell j)] on a 7x7 grid of 4x4 cells",
        "input": {"width": SIZE, "height": SIZE, "channels": 3, "value_range": [0.0, 1.0],
                  "mean": [0.5] * 3, "std": [0.25] * 3},
        "labels": ["absent", "present"],
    }
    write_model(model, os.path.join(out_dir, "cellsum.pt"), spec)
    with open(os.path.join(out_dir, "cellsum_weights.json"), "w", encoding="utf-8") as f:
        json.dump({"grid": GRID, "cell": CELL, "v": [float(x) for x in model.v.flatten()],
                   "b": float(model.b[0])}, f)
        f.write("\n")


def check(out_dir: str) -> None:
    """Loads the model back and compares it with the formula on random inputs."""
    model = torch.jit.load(os.path.join(out_dir, "cellsum.pt")).eval()
    with open(os.path.join(out_dir, "cellsum_weights.json"), encoding="utf-8") as f:
        weights = json.load(f)
    v = torch.tensor(weights["v"], dtype=torch.float64)
    x = torch.rand(5, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(1)) * 4 - 2
    cells = x.double().reshape(5, 3, GRID, CELL, GRID, CELL).mean(dim=(1, 3, 5)).reshape(5, -1)
    expected = cells @ v + weights["b"]
    with torch.no_grad():
        logits = model(x)
    assert logits.shape == (5, 2)
    assert torch.all(logits[:, 0] == 0)
    assert torch.allclose(logits[:, 1].double(), expected, atol=1e-5), (logits[:, 1], expected)
    # Batch independence: each image alone gives bit-identical logits.
    with torch.no_grad():
        for i in range(5):
            assert torch.equal(model(x[i:i + 1])[0], logits[i])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(HERE, "models"), help="output directory")
    args = parser.parse_args()
    fix_hash_seed()
    torch.set_num_threads(1)
    write(args.out)
    check(args.out)
    for name in ("cellsum.pt", "cellsum.json", "cellsum_weights.json"):
        print(f"{os.path.getsize(os.path.join(args.out, name)):>7} B  {name}")


if __name__ == "__main__":
    main()
