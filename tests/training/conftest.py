"""A tiny synthetic photo + label-map dataset for trainer tests (drawn here, seconds to train on)."""

import json

import numpy as np
import pytest
from PIL import Image

CLASSES = [("unknown", (0, 0, 0)), ("sky", (70, 130, 230)), ("water", (20, 50, 160)), ("grass", (90, 200, 60))]


def _make_pair(rng, size=96):
    """Horizontal bands (sky / water / grass, random borders) with a sliver of unknown pixels."""
    labels = np.zeros((size, size), np.uint8)
    a, b = sorted(rng.integers(20, 76, 2))
    labels[:a], labels[a:b], labels[b:] = 1, 2, 3
    labels[:, :3] = 0
    palette = np.array([c for _, c in CLASSES], np.uint8)
    image = np.clip(palette[labels].astype(np.int16) + rng.integers(-20, 21, (size, size, 3)), 0, 255).astype(np.uint8)
    return image, labels


@pytest.fixture(scope="session")
def synthetic_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("synthetic")
    photos, labels_dir = root / "photos", root / "labels"
    photos.mkdir()
    labels_dir.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        image, labels = _make_pair(rng)
        Image.fromarray(image).save(photos / f"p{i}.png")
        lab = Image.fromarray(labels, mode="P")
        lab.putpalette([v for _, c in CLASSES for v in c])
        lab.save(labels_dir / f"p{i}.png")
    classes = {"classes": [{"index": i, "name": n, "color": list(c)} for i, (n, c) in enumerate(CLASSES)]}
    (root / "classes.json").write_text(json.dumps(classes))
    return root
