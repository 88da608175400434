"""Simple landscape layouts drawn with OpenCV polygons, to show what a model makes of label maps that
come from no photo (as a person would paint them). `python -m engine.training.painted_layouts OUT_DIR`
writes them as indexed PNGs with the classes.json palette."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from ..imagefiles import write_label_map
from .cli import REPO_LANDSCAPES, read_classes

SIZE = 256


def _poly(canvas, points, cls):
    cv2.fillPoly(canvas, [np.array(points, np.int32)], int(cls))


def _ridge(rng_seed, base, amp, n=9):
    """A jagged horizon line from x=0 to x=SIZE around height `base`."""
    rng = np.random.default_rng(rng_seed)
    xs = np.linspace(0, SIZE, n)
    ys = base + rng.uniform(-amp, amp, n)
    return list(zip(xs, ys))


def layouts(c: dict) -> dict:
    out = {}
    # 1. mountain lake: sky, mountain range, lake, grassy shore
    m = np.full((SIZE, SIZE), c["sky"], np.uint8)
    _poly(m, [(0, 170)] + _ridge(1, 90, 35) + [(SIZE, 170)], c["mountain"])
    m[165:215] = c["water"]
    _poly(m, [(0, 215), (SIZE, 200), (SIZE, SIZE), (0, SIZE)], c["grass"])
    out["mountain_lake"] = m
    # 2. meadow with trees and clouds
    m = np.full((SIZE, SIZE), c["sky"], np.uint8)
    for cx, cy, ax, ay in ((60, 45, 45, 16), (180, 70, 55, 18)):
        cv2.ellipse(m, (cx, cy), (ax, ay), 0, 0, 360, int(c["cloud"]), -1)
    _poly(m, [(0, 150), (90, 135), (180, 145), (SIZE, 130), (SIZE, SIZE), (0, SIZE)], c["grass"])
    for cx, r in ((40, 38), (200, 45)):
        cv2.circle(m, (cx, 120), r, int(c["tree"]), -1)
        m[150:175, cx - 5:cx + 5] = c["tree"]
    out["meadow_trees"] = m
    # 3. beach: sky, sea, sand
    m = np.full((SIZE, SIZE), c["sky"], np.uint8)
    m[110:] = c["water"]
    _poly(m, [(0, 170), (100, 185), (SIZE, 160), (SIZE, SIZE), (0, SIZE)], c["sand"])
    out["beach"] = m
    # 4. snowy peaks above a forest
    m = np.full((SIZE, SIZE), c["sky"], np.uint8)
    _poly(m, [(0, 200), (70, 60), (130, 120), (190, 40), (SIZE, 110), (SIZE, 200)], c["mountain"])
    _poly(m, [(52, 82), (70, 60), (88, 82), (70, 90)], c["snow"])
    _poly(m, [(168, 68), (190, 40), (214, 70), (190, 78)], c["snow"])
    _poly(m, [(0, 180)] + _ridge(2, 165, 12, 17) + [(SIZE, 180), (SIZE, 215), (0, 215)], c["tree"])
    m[215:] = c["grass"]
    out["snowy_peaks"] = m
    # 5. dunes under a clear sky
    m = np.full((SIZE, SIZE), c["sky"], np.uint8)
    _poly(m, [(0, 150), (60, 120), (140, 155), (200, 125), (SIZE, 140), (SIZE, SIZE), (0, SIZE)], c["sand"])
    out["dunes"] = m
    # 6. house by a field: sky, trees, building, grass, path of ground
    m = np.full((SIZE, SIZE), c["sky"], np.uint8)
    _poly(m, [(0, 160)] + _ridge(3, 130, 15) + [(SIZE, 160)], c["tree"])
    m[160:] = c["grass"]
    m[110:175, 90:170] = c["building"]
    _poly(m, [(115, 175), (145, 175), (190, SIZE), (80, SIZE)], c["ground"])
    out["house_field"] = m
    return out


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else REPO_LANDSCAPES / "painted"
    names, palette = read_classes(REPO_LANDSCAPES / "classes.json")
    index = {n: i for i, n in enumerate(names)}
    for name, labels in layouts(index).items():
        write_label_map(out / f"{name}.png", labels.astype(np.int64), palette)
        print(out / f"{name}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
