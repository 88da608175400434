"""Pixel-exact painting geometry for label maps: no anti-aliasing, ever.

A label map holds class indices, so a blended edge pixel would be a made-up class. Every function here
returns a `Patch`: a boolean mask plus where it sits, clipped to the map, so callers (the canvas, undo
commands) touch only the changed rectangle.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np


@dataclass(frozen=True)
class Patch:
    y0: int
    x0: int
    mask: np.ndarray  # h x w bool

    @property
    def y1(self) -> int:
        return self.y0 + self.mask.shape[0]

    @property
    def x1(self) -> int:
        return self.x0 + self.mask.shape[1]

    @property
    def slices(self) -> tuple[slice, slice]:
        return slice(self.y0, self.y1), slice(self.x0, self.x1)

    @property
    def empty(self) -> bool:
        return self.mask.size == 0 or not self.mask.any()

    def full(self, shape) -> np.ndarray:
        out = np.zeros(shape, dtype=bool)
        out[self.slices] = self.mask
        return out


EMPTY = Patch(0, 0, np.zeros((0, 0), dtype=bool))


def patch_from_full(mask: np.ndarray) -> Patch:
    """Crop a full-size mask to its bounding box."""
    ys = np.flatnonzero(mask.any(axis=1))
    if ys.size == 0:
        return EMPTY
    xs = np.flatnonzero(mask.any(axis=0))
    y0, y1, x0, x1 = ys[0], ys[-1] + 1, xs[0], xs[-1] + 1
    return Patch(int(y0), int(x0), mask[y0:y1, x0:x1].copy())


def union(a: Patch, b: Patch) -> Patch:
    if a.mask.size == 0:
        return b
    if b.mask.size == 0:
        return a
    y0, x0 = min(a.y0, b.y0), min(a.x0, b.x0)
    y1, x1 = max(a.y1, b.y1), max(a.x1, b.x1)
    m = np.zeros((y1 - y0, x1 - x0), dtype=bool)
    m[a.y0 - y0:a.y1 - y0, a.x0 - x0:a.x1 - x0] |= a.mask
    m[b.y0 - y0:b.y1 - y0, b.x0 - x0:b.x1 - x0] |= b.mask
    return Patch(y0, x0, m)


def _clip(patch_y0: int, patch_x0: int, mask: np.ndarray, shape) -> Patch:
    h, w = shape
    y0, x0 = max(patch_y0, 0), max(patch_x0, 0)
    y1, x1 = min(patch_y0 + mask.shape[0], h), min(patch_x0 + mask.shape[1], w)
    if y1 <= y0 or x1 <= x0:
        return EMPTY
    return Patch(y0, x0, mask[y0 - patch_y0:y1 - patch_y0, x0 - patch_x0:x1 - patch_x0].copy())


@lru_cache(maxsize=64)
def disk(diameter: int) -> np.ndarray:
    """A round brush tip of `diameter` pixels (1 = one pixel, 2 = a 2x2 square, then rounder)."""
    d = max(int(diameter), 1)
    c = (d - 1) / 2.0
    yy, xx = np.mgrid[:d, :d]
    tip = (yy - c) ** 2 + (xx - c) ** 2 <= (d / 2.0) ** 2
    tip.setflags(write=False)
    return tip


def stroke(shape, points, diameter: int) -> Patch:
    """The pixels a round brush covers moving through `points` ((x, y) in image pixels)."""
    tip = disk(diameter)
    d = tip.shape[0]
    half = (d - 1) // 2
    pts = [(int(round(x)), int(round(y))) for x, y in points]
    if not pts:
        return EMPTY
    # Dab centres every pixel along each segment, so fast mouse moves leave no gaps.
    centres = [pts[0]]
    for (xa, ya), (xb, yb) in zip(pts, pts[1:], strict=False):
        n = max(abs(xb - xa), abs(yb - ya))
        for i in range(1, n + 1):
            centres.append((xa + round((xb - xa) * i / n), ya + round((yb - ya) * i / n)))
    xs = np.array([c[0] for c in centres])
    ys = np.array([c[1] for c in centres])
    oy, ox = int(ys.min()) - half, int(xs.min()) - half
    m = np.zeros((int(ys.max() - ys.min()) + d, int(xs.max() - xs.min()) + d), dtype=bool)
    for cx, cy in set(centres):
        ty, tx = cy - half - oy, cx - half - ox
        m[ty:ty + d, tx:tx + d] |= tip
    return _clip(oy, ox, m, shape)


def flood_region(labels: np.ndarray, x: int, y: int) -> Patch:
    """The 4-connected region of the class under (x, y)."""
    h, w = labels.shape
    if not (0 <= x < w and 0 <= y < h):
        return EMPTY
    lab = np.ascontiguousarray(labels.astype(np.uint8))
    mask = np.zeros((h + 2, w + 2), dtype=np.uint8)
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | (1 << 8)
    _, _, _, (rx, ry, rw, rh) = cv2.floodFill(lab, mask, (int(x), int(y)), 0, 0, 0, flags)
    region = mask[1 + ry:1 + ry + rh, 1 + rx:1 + rx + rw].astype(bool)
    return Patch(ry, rx, region)


def _draw(shape, draw) -> Patch:
    canvas = np.zeros(shape, dtype=np.uint8)
    draw(canvas)
    return patch_from_full(canvas.astype(bool))


def line(shape, p0, p1, diameter: int) -> Patch:
    """A straight brush line with round ends (the brush dragged from p0 to p1)."""
    return stroke(shape, [p0, p1], diameter)


def rectangle(shape, p0, p1) -> Patch:
    (x0, y0), (x1, y1) = _ints(p0), _ints(p1)
    return _draw(shape, lambda c: cv2.rectangle(c, (x0, y0), (x1, y1), 1, thickness=-1, lineType=cv2.LINE_8))


def ellipse(shape, p0, p1) -> Patch:
    """The filled ellipse inscribed in the rectangle p0-p1."""
    (x0, y0), (x1, y1) = _ints(p0), _ints(p1)
    if x0 == x1 or y0 == y1:
        return rectangle(shape, p0, p1)
    box = (((x0 + x1) / 2.0, (y0 + y1) / 2.0), (abs(x1 - x0) + 1.0, abs(y1 - y0) + 1.0), 0.0)
    return _draw(shape, lambda c: cv2.ellipse(c, box, 1, thickness=-1, lineType=cv2.LINE_8))


def polygon(shape, points) -> Patch:
    pts = np.array([_ints(p) for p in points], dtype=np.int32)
    if len(pts) < 3:
        return EMPTY
    return _draw(shape, lambda c: cv2.fillPoly(c, [pts], 1, lineType=cv2.LINE_8))


def _ints(p) -> tuple[int, int]:
    return int(round(p[0])), int(round(p[1]))


def paint(labels: np.ndarray, patch: Patch, class_index: int) -> None:
    """Set the patch's pixels to a class, in place."""
    if patch.mask.size:
        labels[patch.slices][patch.mask] = class_index
