"""Undoable edits that store only the changed rectangle: old values and new values.

A brush stroke on a 512x512 map that touches a 40x60 area stores 2 x 40 x 60 bytes, never the map.
Commands are plain objects with `apply(doc)` / `revert(doc)`; history.py keeps each as one undo step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .label_document import LabelDocument
from .painting import Patch


def _view(doc: LabelDocument, layer: str, y0: int, x0: int, h: int, w: int, write: bool = False) -> np.ndarray:
    arr = doc.writable(layer) if write else doc.layer(layer)
    if layer == "noise":  # z x H x W: spatial axes last
        return arr[:, y0:y0 + h, x0:x0 + w]
    return arr[y0:y0 + h, x0:x0 + w]


@dataclass
class RegionEdit:
    layer: str
    y0: int
    x0: int
    old: np.ndarray
    new: np.ndarray
    text: str = "edit"

    @property
    def size(self) -> tuple[int, int]:
        return self.old.shape[-2:] if self.layer == "noise" else self.old.shape[:2]

    def apply(self, doc: LabelDocument) -> None:
        _view(doc, self.layer, self.y0, self.x0, *self.size, write=True)[...] = self.new

    def revert(self, doc: LabelDocument) -> None:
        _view(doc, self.layer, self.y0, self.x0, *self.size, write=True)[...] = self.old

    @property
    def nbytes(self) -> int:
        return self.old.nbytes + self.new.nbytes

    def touches(self) -> tuple[int, int, int, int]:
        h, w = self.size
        return self.y0, self.x0, h, w


@dataclass
class SetSeed:
    old: int
    new: int
    text: str = "seed"

    def apply(self, doc: LabelDocument) -> None:
        doc.seed = self.new

    def revert(self, doc: LabelDocument) -> None:
        doc.seed = self.old

    nbytes = 0


@dataclass
class SetImage:
    """Replace the generated image (whole, it is small next to the noise map: H x W x 3 bytes)."""

    old: np.ndarray | None
    new: np.ndarray | None
    text: str = "generate"

    def apply(self, doc: LabelDocument) -> None:
        doc.image = self.new

    def revert(self, doc: LabelDocument) -> None:
        doc.image = self.old

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.old, self.new) if a is not None)


@dataclass
class Compound:
    parts: list = field(default_factory=list)
    text: str = "edit"

    def apply(self, doc: LabelDocument) -> None:
        for p in self.parts:
            p.apply(doc)

    def revert(self, doc: LabelDocument) -> None:
        for p in reversed(self.parts):
            p.revert(doc)

    @property
    def nbytes(self) -> int:
        return sum(p.nbytes for p in self.parts)


def diff_edit(layer: str, before: np.ndarray, after: np.ndarray, text: str) -> RegionEdit | None:
    """The RegionEdit that turns `before` into `after` (full arrays), cropped to the differing pixels."""
    changed = before != after
    if changed.ndim == 3:
        changed = changed.any(axis=0 if layer == "noise" else 2)
    ys = np.flatnonzero(changed.any(axis=1))
    if ys.size == 0:
        return None
    xs = np.flatnonzero(changed.any(axis=0))
    y0, y1, x0, x1 = int(ys[0]), int(ys[-1]) + 1, int(xs[0]), int(xs[-1]) + 1
    if layer == "noise":
        return RegionEdit(layer, y0, x0, before[:, y0:y1, x0:x1].copy(), after[:, y0:y1, x0:x1].copy(), text)
    return RegionEdit(layer, y0, x0, before[y0:y1, x0:x1].copy(), after[y0:y1, x0:x1].copy(), text)


def patch_edit(doc: LabelDocument, layer: str, patch: Patch, values, text: str) -> RegionEdit | None:
    """A RegionEdit setting the patch's pixels of `layer` to `values` (scalar, per-pixel, or per-channel).

    For the noise layer `values` is (z,) for one vector everywhere in the patch, or (z, n) for the n
    masked pixels in row-major order. The document is not changed: call `apply`.
    """
    if patch.empty:
        return None
    h, w = patch.mask.shape
    old = _view(doc, layer, patch.y0, patch.x0, h, w).copy()
    new = old.copy()
    if layer == "noise":
        values = np.asarray(values, dtype=np.float32)
        new[:, patch.mask] = values[:, None] if values.ndim == 1 else values
    else:
        new[patch.mask] = values
    if np.array_equal(old, new):
        return None
    return RegionEdit(layer, patch.y0, patch.x0, old, new, text)
