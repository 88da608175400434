"""Simple landscape layouts drawn with OpenCV polygons, to show what a model makes of label maps that
come from no photo (as a person would paint them). `python -m engine.training.painted_layouts OUT_DIR`
writes them as indexed PNGs with the classes.json palette.

`layouts` are six fixed scenes (resources/landscapes/painted, the report's grid); `random_layout`
paints a fresh one from random horizons, shores, clouds, trees and buildings, so that a metric over a
hundred painted layouts (the report's painted KID) does not rest on six pictures."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

from ..errors import InputError
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
    return list(zip(xs, ys, strict=True))


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


def _jagged(rng, base, amp, n, size):
    xs = np.linspace(0, size, n)
    return list(zip(xs, base + rng.uniform(-amp, amp, n), strict=True))


def random_layout(c: dict, rng: np.random.Generator, size: int = SIZE) -> np.ndarray:
    """A landscape as a person might paint it: sky, maybe clouds, maybe a mountain range (maybe with
    snow), maybe a tree line, then land (grass, sand or ground), maybe water, trees or a house.
    Uses only the classes `c` names; needs at least sky and one of grass/sand/ground/water."""
    def has(*names):
        return all(n in c for n in names)

    def pick(weights: dict):
        names = [n for n in weights if n in c]
        if not names:
            return None
        p = np.array([weights[n] for n in names])
        return names[int(rng.choice(len(names), p=p / p.sum()))]

    if "sky" not in c or not any(n in c for n in ("grass", "sand", "ground", "water")):
        raise InputError("painted landscape layouts need the classes 'sky' and one of grass, sand, ground, "
                         f"water; these classes are: {', '.join(c)}")
    s = size / SIZE
    m = np.full((size, size), c["sky"], np.uint8)
    horizon = rng.uniform(0.45, 0.75) * size  # where the land starts
    if has("cloud"):
        for _ in range(int(rng.integers(0, 4))):
            centre = (int(rng.uniform(0, size)), int(rng.uniform(0.05, 0.35) * size))
            axes = (int(rng.uniform(20, 70) * s), int(rng.uniform(8, 22) * s))
            cv2.ellipse(m, centre, axes, 0, 0, 360, int(c["cloud"]), -1)
    if has("mountain") and rng.random() < 0.6:
        peaks = int(rng.integers(3, 9))
        ridge = _jagged(rng, horizon - rng.uniform(0.15, 0.35) * size, rng.uniform(0.05, 0.2) * size, peaks, size)
        _poly(m, [(0, horizon + 2)] + ridge + [(size, horizon + 2)], c["mountain"])
        if has("snow") and rng.random() < 0.5:
            for x, y in ridge:
                if y < horizon - 0.2 * size:
                    d = rng.uniform(8, 20) * s
                    _poly(m, [(x - d, y + d), (x, y), (x + d, y + d), (x, y + 0.6 * d)], c["snow"])
    if has("tree") and rng.random() < 0.4:
        line = _jagged(rng, horizon - rng.uniform(0.03, 0.1) * size, rng.uniform(0.01, 0.04) * size, 17, size)
        _poly(m, [(0, horizon + 2)] + line + [(size, horizon + 2)], c["tree"])
    land = pick({"grass": 0.55, "ground": 0.25, "sand": 0.2}) or "water"
    tilt = rng.uniform(-0.08, 0.08) * size
    _poly(m, [(0, horizon - tilt), (size, horizon + tilt), (size, size), (0, size)], c[land])
    shore = horizon + abs(tilt)  # below this, things stand on land
    if has("water") and land != "water" and rng.random() < 0.5:
        depth = rng.uniform(0.08, 0.25) * size
        left, right = horizon - tilt + depth * rng.uniform(0.5, 1.5), horizon + tilt + depth
        _poly(m, [(0, horizon - tilt), (size, horizon + tilt), (size, right), (0, left)], c["water"])
        shore = max(left, right)
    if has("tree"):
        for _ in range(int(rng.integers(0, 4))):
            x, r = rng.uniform(0, size), rng.uniform(12, 45) * s
            y = shore + rng.uniform(0.02, 0.15) * size
            cv2.circle(m, (int(x), int(y - r)), int(r), int(c["tree"]), -1)
            m[int(y - r * 0.2):int(y + r * 0.5), max(0, int(x - r / 8)):int(x + r / 8) + 1] = c["tree"]
    if has("building") and rng.random() < 0.25:
        w, h = rng.uniform(30, 90) * s, rng.uniform(25, 70) * s
        x, y = rng.uniform(0, size - w), shore + rng.uniform(0.02, 0.12) * size
        m[int(y - h):int(y), int(x):int(x + w)] = c["building"]
    if rng.random() < 0.5:
        m = m[:, ::-1].copy()
    return m


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
