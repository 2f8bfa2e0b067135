"""Reads Fashion-MNIST from Debian's IDX files (/usr/share/datasets/fashion-mnist).

The IDX format: a big-endian header of two zero bytes, a type code (0x08 for
unsigned bytes), the number of dimensions, one 32-bit size per dimension, then
the data in row-major order.
"""

import gzip
import os
import struct
from typing import Tuple

import numpy as np

DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"

LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

IDX_UNSIGNED_BYTE = 0x08


def read_idx(path: str) -> np.ndarray:
    """Parses a (gzipped) IDX file of unsigned bytes into a uint8 array of its shape."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, type_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or type_code != IDX_UNSIGNED_BYTE:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    shape = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    payload = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if payload.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape}, file holds {payload.size} values")
    return payload.reshape(shape)


def load_split(split: str, data_dir: str = DEFAULT_DIR) -> Tuple[np.ndarray, np.ndarray]:
    """Loads ``split`` ("train" or "t10k"): images uint8 [N, 28, 28] and labels uint8 [N]."""
    images = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz"))
    if len(images) != len(labels):
        raise ValueError(f"{split}: {len(images)} images but {len(labels)} labels")
    return images, labels


def label_slug(label: str) -> str:
    """A file-name-friendly form of a label: "T-shirt/top" -> "t-shirt-top"."""
    return label.lower().replace("/", "-").replace(" ", "-")
