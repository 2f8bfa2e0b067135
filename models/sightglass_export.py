"""Shared helpers for writing Sightglass models and their reference outputs.

A Sightglass model is a TorchScript file ``X.pt`` plus a sidecar ``X.json`` that
describes the input (size, channels, value range, mean/std), the labels and,
optionally, the names of two exported methods that split the network:
``features(x)`` returns an inner convolutional feature map and ``head(f)`` turns
that map into logits, with ``forward(x) == head(features(x))``.

This module provides:

* ``SplitClassifier``: wraps a features module and a head module so that the
  scripted model exports ``features`` and ``head``.
* ``write_model``: scripts a module, saves the ``.pt`` and writes the sidecar.
* ``preprocess`` / ``reference_logits``: the Python reference of the
  preprocessing the C++ side performs, and logits computed with it.
* ``write_golden``: a golden JSON file of reference logits for C++ tests.

Keep ``preprocess`` in step with the C++ implementation: the golden files made
here are what the C++ tests compare against.
"""

import json
import os
import random
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np
import torch
from PIL import Image
from torch import nn

# ITU-R BT.601 luma weights used for colour -> gray conversion.
GRAY_WEIGHTS = (0.299, 0.587, 0.114)


class SplitClassifier(nn.Module):
    """A classifier made of a feature extractor followed by a head.

    The scripted module exports ``features(x)`` and ``head(f)`` so that
    Grad-CAM and XNN can reach the feature map; ``forward`` chains them.
    """

    def __init__(self, feature_net: nn.Module, head_net: nn.Module):
        super().__init__()
        self.feature_net = feature_net
        self.head_net = head_net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head_net(self.feature_net(x))

    @torch.jit.export
    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.feature_net(x)

    @torch.jit.export
    def head(self, f: torch.Tensor) -> torch.Tensor:
        return self.head_net(f)


def sidecar_path(pt_path: str) -> str:
    """The sidecar path of a model: same base name, ``.json`` extension."""
    return os.path.splitext(pt_path)[0] + ".json"


def format_json(value, indent: int = 0, width: int = 100) -> str:
    """Pretty JSON text: objects indented, lists inline when they fit in ``width``."""
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f'{pad}  {json.dumps(key)}: {format_json(item, indent + 2, width)}'
                 for key, item in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        inline = json.dumps(value)
        if len(pad) + len(inline) <= width or not value:
            return inline
        items = [pad + "  " + format_json(item, indent + 2, width) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(value)


def write_sidecar(json_path: str, spec: Dict) -> None:
    """Writes a model sidecar as pretty-printed JSON."""
    with open(json_path, "w", encoding="utf-8") as f:
        f.write(format_json(spec) + "\n")


def write_model(module: nn.Module, out_pt: str, spec: Dict) -> torch.jit.ScriptModule:
    """Scripts ``module`` in eval mode, saves it to ``out_pt`` and writes its sidecar.

    ``spec`` is the sidecar content (name, description, input, labels, split).
    Returns the scripted module.
    """
    out_dir = os.path.dirname(os.path.abspath(out_pt))
    os.makedirs(out_dir, exist_ok=True)
    module = module.eval()
    scripted = torch.jit.script(module)
    scripted.save(out_pt)
    write_sidecar(sidecar_path(out_pt), spec)
    return scripted


def load_spec(pt_path: str) -> Dict:
    """Reads the sidecar of ``pt_path`` and resolves ``labels_file`` into ``labels``."""
    json_path = sidecar_path(pt_path)
    with open(json_path, encoding="utf-8") as f:
        spec = json.load(f)
    if "labels" not in spec and "labels_file" in spec:
        labels_path = os.path.join(os.path.dirname(json_path), spec["labels_file"])
        with open(labels_path, encoding="utf-8") as f:
            spec["labels"] = [line.rstrip("\n") for line in f if line.strip()]
    return spec


def decode_pixels(path: str, channels: int) -> np.ndarray:
    """Decodes an image to pixel values in [0, 255], HxWx3 (RGB) or HxW (gray).

    Alpha is dropped, palette images are expanded. Colour -> gray is
    0.299 R + 0.587 G + 0.114 B in float32 with no rounding, as the C++ side does
    (core/image/preprocess.h); an image that is already gray is used as is.
    """
    with Image.open(path) as image:
        if channels == 1 and image.mode == "L":
            return np.asarray(image, dtype=np.uint8)
        rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    if channels == 3:
        return rgb
    weights = np.array(GRAY_WEIGHTS, dtype=np.float32)
    return rgb.astype(np.float32) @ weights


def preprocess(path: str, spec: Dict) -> np.ndarray:
    """Turns an image file into the model input, a float32 array [1, C, H, W].

    Per pixel value p (0..255) and channel c, in float32:
    v = lo + (hi - lo) * p / 255, then (v - mean[c]) / std[c].
    The image must already have the model input size: the reference does not
    resize (resizing is the C++ side's business and is not part of the goldens).
    """
    inp = spec["input"]
    width, height, channels = inp["width"], inp["height"], inp["channels"]
    pixels = decode_pixels(path, channels)
    if pixels.shape[0] != height or pixels.shape[1] != width:
        raise ValueError(
            f"{path}: image is {pixels.shape[1]}x{pixels.shape[0]}, model input is "
            f"{width}x{height}; the reference preprocessing does not resize")
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    lo, hi = (np.float32(v) for v in inp["value_range"])
    mean = np.asarray(inp["mean"], dtype=np.float32).reshape(1, 1, channels)
    std = np.asarray(inp["std"], dtype=np.float32).reshape(1, 1, channels)
    values = lo + (hi - lo) * pixels.astype(np.float32) / np.float32(255.0)
    normalized = (values - mean) / std
    chw = np.ascontiguousarray(normalized.transpose(2, 0, 1), dtype=np.float32)
    return chw[None]


def reference_logits(pt_path: str, image_paths: Sequence[str]) -> List[List[float]]:
    """Runs the model at ``pt_path`` on each image, preprocessed by ``preprocess``.

    Images are run one at a time (batch of 1), as the C++ tests do.
    Returns one list of logits per image.
    """
    spec = load_spec(pt_path)
    model = torch.jit.load(pt_path, map_location="cpu").eval()
    results = []
    with torch.no_grad():
        for path in image_paths:
            x = torch.from_numpy(preprocess(path, spec))
            logits = model(x)
            results.append([float(v) for v in logits[0].tolist()])
    return results


def write_golden(pt_path: str, image_paths: Sequence[str], out_json: str) -> List[List[float]]:
    """Writes ``{"model": ..., "images": [{"file", "logits"}]}`` for the given images.

    Logits are float32 values written as Python floats, i.e. exactly.
    Returns the logits.
    """
    all_logits = reference_logits(pt_path, image_paths)
    golden = {
        "model": os.path.basename(pt_path),
        "images": [
            {"file": os.path.basename(path), "logits": logits}
            for path, logits in zip(image_paths, all_logits)
        ],
    }
    os.makedirs(os.path.dirname(os.path.abspath(out_json)), exist_ok=True)
    with open(out_json, "w", encoding="utf-8") as f:
        f.write(format_json(golden, width=1000) + "\n")
    return all_logits


def write_truth(path: str, truth: Dict) -> None:
    """Writes a sample set's truth.json with one line per image, so diffs stay readable.

    ``truth`` holds top-level fields (width, height, labels, ...) and ``images``,
    a list of per-image records.
    """
    lines = ["{"]
    for key, value in truth.items():
        if key != "images":
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)},")
    entries = [f"    {json.dumps(entry)}" for entry in truth["images"]]
    lines += ['  "images": [', ",\n".join(entries), "  ]", "}"]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def fix_hash_seed() -> None:
    """Restarts the running script with PYTHONHASHSEED=0 unless it is already set so.

    TorchScript writes some module attributes in set order, which follows
    Python's per-process string hashing; a fixed hash seed makes the saved
    .pt files byte-for-byte reproducible. Call it first thing in main().
    """
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        sys.stdout.flush()
        os.execv(sys.executable, [sys.executable] + sys.argv)


def seed_everything(seed: int) -> None:
    """Seeds Python's, NumPy's and torch's generators so reruns reproduce."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def file_size_mb(path: str) -> float:
    """Size of a file in MiB."""
    return os.path.getsize(path) / (1024 * 1024)


def accuracy(model: torch.nn.Module, pixels: torch.Tensor, labels: torch.Tensor,
             normalize: Callable[[torch.Tensor], torch.Tensor], batch_size: int = 200) -> float:
    """Top-1 accuracy of ``model`` in eval mode on raw ``pixels`` (normalised batch by batch)."""
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(labels), batch_size):
            logits = model(normalize(pixels[start:start + batch_size]))
            correct += int((logits.argmax(1) == labels[start:start + batch_size]).sum())
    return correct / len(labels)


def train_classifier(model: torch.nn.Module, pixels: torch.Tensor, labels: torch.Tensor,
                     test_pixels: torch.Tensor, test_labels: torch.Tensor, *,
                     normalize: Callable[[torch.Tensor], torch.Tensor], epochs: int, batch_size: int,
                     lr: float, seed: int, test_name: str, eval_batch_size: int = 200,
                     augment: Optional[Callable[[torch.Tensor, torch.Generator], torch.Tensor]] = None) -> None:
    """AdamW + one-cycle training shared by the demo models, reporting test accuracy per epoch.

    One generator, seeded with ``seed``, draws the epoch orders and (through ``augment``)
    any augmentation, in that order, so a run is reproducible.
    """
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    steps_per_epoch = (len(labels) + batch_size - 1) // batch_size
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * steps_per_epoch)
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        model.train()
        started = time.time()
        order = torch.randperm(len(labels), generator=generator)
        total_loss = 0.0
        for start in range(0, len(labels), batch_size):
            batch = order[start:start + batch_size]
            x = normalize(pixels[batch])
            if augment is not None:
                x = augment(x, generator)
            loss = loss_fn(model(x), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total_loss += float(loss) * len(batch)
        test_accuracy = accuracy(model, test_pixels, test_labels, normalize, eval_batch_size)
        print(f"epoch {epoch + 1}/{epochs}: loss {total_loss / len(labels):.4f}, "
              f"{test_name} accuracy {test_accuracy:.4f} ({time.time() - started:.0f} s)", flush=True)
