"""Writes DIR/manifest.csv (file,label rows) from the truth.json that make_dataset.py wrote in DIR.

Example:
    python3 models/cues/make_dataset.py --seed 11 --count 1200 --out /tmp/cues
    python3 models/cues/manifest.py /tmp/cues
"""

import json
import os
import sys


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: manifest.py DIR")
    folder = sys.argv[1]
    with open(os.path.join(folder, "truth.json")) as f:
        truth = json.load(f)
    rows = ["file,label"] + [f"{image['file']},{image['label']}" for image in truth["images"]]
    with open(os.path.join(folder, "manifest.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    print(f"wrote {len(rows) - 1} rows to {os.path.join(folder, 'manifest.csv')}")


if __name__ == "__main__":
    main()
