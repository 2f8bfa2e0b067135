"""Generates the synthetic "cues" data set, whose ground-truth evidence is known.

Each 112x112 RGB image shows a muted, textured background (noise, stripes or a
gradient) with a few flat shapes on it. There are four classes; each class is
the disjunction of two cue objects (a shape in a colour):

    red-disk|blue-square         red disk      OR  blue square
    green-triangle|yellow-cross  green triangle OR yellow cross
    blue-disk|red-triangle       blue disk     OR  red triangle
    yellow-square|green-cross    yellow square OR  green cross

Every cue colour and every cue shape is used by two classes, so neither colour
nor shape alone tells the class: a model has to look at the cue object itself.
An image holds one or both cues of its class (about a third hold both), never a
cue of another class, plus 1-3 distractors whose shapes (ring, bar, star,
diamond) and colours (magenta, cyan, white, black) no cue uses.

Writes DIR/00000.png, DIR/00001.png, ... and DIR/truth.json with the class of
each image and tight boxes [x0, y0, x1, y1] (x1, y1 exclusive) of every cue and
distractor. The same generator makes the training data in memory (train.py).

Example:
    python3 models/cues/make_dataset.py --seed 7 --count 16 --out resources/samples/cues
"""

import argparse
import os
import sys
from typing import Dict, List, Tuple

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from sightglass_export import write_truth  # noqa: E402

IMAGE_SIZE = 112

CUE_COLOURS = {
    "red": (220, 35, 35),
    "blue": (35, 75, 225),
    "green": (30, 170, 60),
    "yellow": (245, 215, 30),
}
DISTRACTOR_COLOURS = {
    "magenta": (205, 50, 205),
    "cyan": (40, 205, 215),
    "white": (245, 245, 245),
    "black": (15, 15, 15),
}
DISTRACTOR_SHAPES = ("ring", "bar", "star", "diamond")

# Each class: two (colour, shape) cues. Colours and shapes each appear twice overall.
CLASS_CUES = (
    (("red", "disk"), ("blue", "square")),
    (("green", "triangle"), ("yellow", "cross")),
    (("blue", "disk"), ("red", "triangle")),
    (("yellow", "square"), ("green", "cross")),
)
LABELS = ["-".join(a) + "|" + "-".join(b) for a, b in CLASS_CUES]

CUE_SIZE_RANGE = (14, 24)         # side of a cue's square extent, pixels
DISTRACTOR_SIZE_RANGE = (12, 22)
OBJECT_GAP = 2                    # free pixels kept between any two objects' boxes
COLOUR_JITTER = 12                # per-channel jitter so colours are not one exact value
BOTH_CUES_PROBABILITY = 1.0 / 3.0

Box = Tuple[int, int, int, int]


def cue_name(colour: str, shape: str) -> str:
    return f"{colour} {shape}"


def describe_classes() -> str:
    """One line naming each class's cues, for the model sidecar."""
    parts = [f"{label} = {cue_name(*a)} or {cue_name(*b)}"
             for label, (a, b) in zip(LABELS, CLASS_CUES)]
    return "; ".join(parts)


# ---------------------------------------------------------------- backgrounds

def muted_colour(rng: np.random.Generator) -> np.ndarray:
    """A low-saturation colour: a mid grey pulled slightly towards a random hue."""
    grey = rng.uniform(85, 175)
    tint = rng.uniform(-22, 22, size=3)
    return np.clip(grey + tint, 0, 255)


def make_background(rng: np.random.Generator) -> np.ndarray:
    """A float HxWx3 background: smooth noise, stripes or a gradient, plus pixel noise."""
    size = IMAGE_SIZE
    kind = rng.integers(3)
    if kind == 0:
        # Blocky noise upsampled smoothly: cloudy texture around one muted colour.
        cells = int(rng.integers(4, 15))
        coarse = rng.normal(0.0, 14.0, size=(cells, cells, 3)).astype(np.float32)
        coarse_img = [Image.fromarray(coarse[:, :, c], mode="F").resize((size, size), Image.BICUBIC)
                      for c in range(3)]
        texture = np.stack([np.asarray(img) for img in coarse_img], axis=2)
        background = muted_colour(rng) + texture
    else:
        colour_a, colour_b = muted_colour(rng), muted_colour(rng)
        angle = rng.uniform(0, np.pi)
        ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
        along = xs * np.cos(angle) + ys * np.sin(angle)
        if kind == 1:
            period = rng.uniform(6, 18)
            weight = (np.sin(2 * np.pi * along / period) > 0).astype(np.float32)
        else:
            weight = (along - along.min()) / (along.max() - along.min())
        weight = weight[:, :, None]
        background = colour_a * (1 - weight) + colour_b * weight
    background = background + rng.normal(0.0, 6.0, size=(size, size, 3))
    return background


# -------------------------------------------------------------------- shapes

def shape_mask(shape: str, extent: int, rng: np.random.Generator) -> np.ndarray:
    """A boolean mask of ``shape`` drawn without anti-aliasing in an extent x extent square.

    Rows/columns the shape does not touch are trimmed, so the mask is tight.
    """
    canvas = Image.new("L", (extent, extent), 0)
    draw = ImageDraw.Draw(canvas)
    last = extent - 1
    mid = last / 2.0
    if shape == "disk":
        draw.ellipse([0, 0, last, last], fill=255)
    elif shape == "square":
        draw.rectangle([0, 0, last, last], fill=255)
    elif shape == "triangle":
        draw.polygon([(mid, 0), (last, last), (0, last)], fill=255)
    elif shape == "cross":
        arm = max(3, round(extent / 3))
        start = (extent - arm) // 2
        draw.rectangle([start, 0, start + arm - 1, last], fill=255)
        draw.rectangle([0, start, last, start + arm - 1], fill=255)
    elif shape == "ring":
        draw.ellipse([0, 0, last, last], outline=255, width=max(2, extent // 5))
    elif shape == "bar":
        thickness = max(3, extent // 4)
        start = (extent - thickness) // 2
        if rng.random() < 0.5:
            draw.rectangle([0, start, last, start + thickness - 1], fill=255)
        else:
            draw.rectangle([start, 0, start + thickness - 1, last], fill=255)
    elif shape == "star":
        angles = -np.pi / 2 + np.arange(10) * np.pi / 5
        radii = np.where(np.arange(10) % 2 == 0, mid, mid * 0.45)
        points = [(mid + r * np.cos(a), mid + r * np.sin(a)) for r, a in zip(radii, angles)]
        draw.polygon(points, fill=255)
    elif shape == "diamond":
        draw.polygon([(mid, 0), (last, mid), (mid, last), (0, mid)], fill=255)
    else:
        raise ValueError(f"unknown shape {shape!r}")
    mask = np.asarray(canvas) > 0
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return mask[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def boxes_clear(box: Box, placed: List[Box]) -> bool:
    """True when ``box`` keeps OBJECT_GAP pixels away from every placed box."""
    x0, y0, x1, y1 = box
    for px0, py0, px1, py1 in placed:
        if (x0 < px1 + OBJECT_GAP and px0 < x1 + OBJECT_GAP
                and y0 < py1 + OBJECT_GAP and py0 < y1 + OBJECT_GAP):
            return False
    return True


def place(mask: np.ndarray, placed: List[Box], rng: np.random.Generator) -> Box:
    """Finds a free position for ``mask``; returns its box or raises when the image is full."""
    height, width = mask.shape
    for _ in range(200):
        x0 = int(rng.integers(1, IMAGE_SIZE - width))
        y0 = int(rng.integers(1, IMAGE_SIZE - height))
        box = (x0, y0, x0 + width, y0 + height)
        if boxes_clear(box, placed):
            return box
    raise RuntimeError("could not place object")


def paint(image: np.ndarray, mask: np.ndarray, box: Box, colour, rng: np.random.Generator) -> None:
    """Fills ``mask`` at ``box`` in ``image`` with ``colour`` plus a small random jitter."""
    jittered = np.clip(np.asarray(colour) + rng.integers(-COLOUR_JITTER, COLOUR_JITTER + 1, 3), 0, 255)
    x0, y0, x1, y1 = box
    region = image[y0:y1, x0:x1]
    region[mask] = jittered


# ------------------------------------------------------------------- samples

def make_sample(label: int, rng: np.random.Generator) -> Tuple[np.ndarray, Dict]:
    """Draws one image of class ``label``; returns uint8 HxWx3 pixels and its truth record."""
    image = make_background(rng)
    first_cue, second_cue = CLASS_CUES[label]
    if rng.random() < BOTH_CUES_PROBABILITY:
        cues = [first_cue, second_cue]
    else:
        cues = [first_cue if rng.random() < 0.5 else second_cue]

    distractor_colours = list(DISTRACTOR_COLOURS)
    distractors = [(distractor_colours[rng.integers(len(distractor_colours))],
                    DISTRACTOR_SHAPES[rng.integers(len(DISTRACTOR_SHAPES))])
                   for _ in range(int(rng.integers(1, 4)))]

    placed: List[Box] = []
    cue_records, distractor_records = [], []
    for colour, shape in cues:
        mask = shape_mask(shape, int(rng.integers(CUE_SIZE_RANGE[0], CUE_SIZE_RANGE[1] + 1)), rng)
        box = place(mask, placed, rng)
        placed.append(box)
        paint(image, mask, box, CUE_COLOURS[colour], rng)
        cue_records.append({"cue": cue_name(colour, shape), "box": list(box)})
    for colour, shape in distractors:
        extent = int(rng.integers(DISTRACTOR_SIZE_RANGE[0], DISTRACTOR_SIZE_RANGE[1] + 1))
        mask = shape_mask(shape, extent, rng)
        box = place(mask, placed, rng)
        placed.append(box)
        paint(image, mask, box, DISTRACTOR_COLOURS[colour], rng)
        distractor_records.append({"kind": cue_name(colour, shape), "box": list(box)})

    pixels = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    record = {"label": label, "label_name": LABELS[label],
              "cues": cue_records, "distractors": distractor_records}
    return pixels, record


def generate(seed: int, count: int) -> Tuple[np.ndarray, List[Dict]]:
    """Generates ``count`` samples with balanced, shuffled labels.

    Returns uint8 pixels [count, H, W, 3] and the truth records (without file names).
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % len(LABELS)
    rng.shuffle(labels)
    images = np.empty((count, IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    records = []
    for index, label in enumerate(labels):
        images[index], record = make_sample(int(label), rng)
        records.append(record)
    return images, records


def write_dataset(seed: int, count: int, out_dir: str) -> Dict:
    """Writes the PNGs and truth.json of ``count`` samples into ``out_dir``; returns the truth."""
    os.makedirs(out_dir, exist_ok=True)
    images, records = generate(seed, count)
    truth_images = []
    for index, (pixels, record) in enumerate(zip(images, records)):
        file_name = f"{index:05d}.png"
        Image.fromarray(pixels, mode="RGB").save(os.path.join(out_dir, file_name))
        truth_images.append({"file": file_name, **record})
    truth = {"width": IMAGE_SIZE, "height": IMAGE_SIZE, "labels": LABELS,
             "description": describe_classes(), "seed": seed, "images": truth_images}
    write_truth(os.path.join(out_dir, "truth.json"), truth)
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True, help="random seed (training uses 1 and 2)")
    parser.add_argument("--count", type=int, required=True, help="number of images")
    parser.add_argument("--out", required=True, help="output directory")
    args = parser.parse_args()

    truth = write_dataset(args.seed, args.count, args.out)
    both = sum(len(entry["cues"]) == 2 for entry in truth["images"])
    print(f"wrote {args.count} images to {args.out} ({both} hold both cues of their class)")


if __name__ == "__main__":
    main()
