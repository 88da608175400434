"""Axis-aligned rectangles (y0, y1, x0, x1), half-open, used to track what changed per layer.

None means "nothing". Rectangles are always clipped to the feature map they belong to.
"""

from __future__ import annotations

from typing import overload

import torch

Rect = tuple[int, int, int, int]  # (y0, y1, x0, x1)


def full(h: int, w: int) -> Rect:
    return (0, h, 0, w)


def union(a: Rect | None, b: Rect | None) -> Rect | None:
    if a is None:
        return b
    if b is None:
        return a
    return (min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3]))


@overload
def expand(r: Rect, k: int, h: int, w: int) -> Rect: ...
@overload
def expand(r: None, k: int, h: int, w: int) -> None: ...
@overload
def expand(r: Rect | None, k: int, h: int, w: int) -> Rect | None: ...


def expand(r: Rect | None, k: int, h: int, w: int) -> Rect | None:
    if r is None:
        return None
    return (max(r[0] - k, 0), min(r[1] + k, h), max(r[2] - k, 0), min(r[3] + k, w))


@overload
def scale(r: Rect, f: int) -> Rect: ...
@overload
def scale(r: None, f: int) -> None: ...
@overload
def scale(r: Rect | None, f: int) -> Rect | None: ...


def scale(r: Rect | None, f: int) -> Rect | None:
    return None if r is None else (r[0] * f, r[1] * f, r[2] * f, r[3] * f)


def area(r: Rect | None) -> int:
    return 0 if r is None else (r[1] - r[0]) * (r[3] - r[2])


def bounding(mask: torch.Tensor) -> Rect | None:
    """Bounding rectangle of the True pixels of a 2-D bool tensor."""
    rows = mask.any(1).nonzero()
    if rows.numel() == 0:
        return None
    cols = mask.any(0).nonzero()
    return (int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1)


def crop(t: torch.Tensor, r: Rect) -> torch.Tensor:
    """The rectangle of an N x C x H x W tensor (a view)."""
    return t[:, :, r[0]:r[1], r[2]:r[3]]


def relative(inner: Rect, outer: Rect) -> Rect:
    """`inner` in the coordinates of a crop at `outer`."""
    return (inner[0] - outer[0], inner[1] - outer[0], inner[2] - outer[2], inner[3] - outer[2])
