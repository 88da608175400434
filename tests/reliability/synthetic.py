"""A tiny synthetic photo + label-map dataset (drawn here) for the trainer and reliability tests and the memory run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

CLASSES = [("unknown", (0, 0, 0)), ("sky", (70, 130, 230)), ("water", (20, 50, 160)), ("grass", (90, 200, 60))]


def write_dataset(root: Path, count: int = 4, size: int = 96) -> Path:
    """root/photos/*.png, root/labels/*.png (indexed), root/classes.json; returns root."""
    root = Path(root)
    photos, labels_dir = root / "photos", root / "labels"
    photos.mkdir(parents=True, exist_ok=True)
    labels_dir.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    palette = np.array([c for _, c in CLASSES], np.uint8)
    for i in range(count):
        labels = np.zeros((size, size), np.uint8)
        a, b = sorted(rng.integers(20, size - 20, 2))
        labels[:a], labels[a:b], labels[b:] = 1, 2, 3
        labels[:, :3] = 0
        noise = rng.integers(-20, 21, (size, size, 3))
        image = np.clip(palette[labels].astype(np.int16) + noise, 0, 255).astype(np.uint8)
        Image.fromarray(image).save(photos / f"p{i}.png")
        lab = Image.fromarray(labels, mode="P")
        lab.putpalette([v for _, c in CLASSES for v in c])
        lab.save(labels_dir / f"p{i}.png")
    classes = {"classes": [{"index": i, "name": n, "color": list(c)} for i, (n, c) in enumerate(CLASSES)]}
    (root / "classes.json").write_text(json.dumps(classes))
    return root
