"""Edits of the 3D noise map (thesis ch. 4.3.4): global reseed, local resampling, local interpolation.

OASIS feeds the noise at every pixel into every SPADE block, so changing the noise only inside a region
restyles mostly that region. Each function returns a command (see commands.py) and leaves the document
unchanged until the caller applies it; random draws come from a numpy Generator the caller owns.
"""

from __future__ import annotations

import numpy as np

from .commands import RegionEdit, diff_edit, patch_edit
from .label_document import LabelDocument, seed_noise_map
from .painting import Patch, patch_from_full

ONE_VECTOR = "one vector"  # the region gets a single fresh z: it restyles as one coherent object
PER_PIXEL = "per pixel"  # every pixel gets its own z: a noisier, more textured change


def fresh_values(rng: np.random.Generator, z_dim: int, patch: Patch, mode: str) -> np.ndarray:
    """(z,) for ONE_VECTOR or (z, n) for PER_PIXEL, standard normal float32 like the training noise."""
    if mode == ONE_VECTOR:
        return rng.standard_normal(z_dim, dtype=np.float32)
    if mode == PER_PIXEL:
        return rng.standard_normal((z_dim, int(patch.mask.sum())), dtype=np.float32)
    raise ValueError(f"unknown resample mode {mode!r}")


def resample_region(doc: LabelDocument, patch: Patch, rng: np.random.Generator, mode: str = ONE_VECTOR,
                    respect_locks: bool = True) -> RegionEdit | None:
    if respect_locks:
        patch = _unlocked(doc, patch)
    if patch.empty:
        return None
    values = fresh_values(rng, doc.model.z_dim, patch, mode)
    return patch_edit(doc, "noise", patch, values, f"resample region ({mode})")


def class_patch(doc: LabelDocument, class_index: int) -> Patch:
    return patch_from_full(doc.labels == class_index)


def resample_class(doc: LabelDocument, class_index: int, rng: np.random.Generator, mode: str = ONE_VECTOR,
                   respect_locks: bool = True) -> RegionEdit | None:
    edit = resample_region(doc, class_patch(doc, class_index), rng, mode, respect_locks)
    if edit is not None:
        edit.text = f"resample class {doc.model.class_names[class_index]}"
    return edit


class ReseedEdit:
    """Set the global seed: unlocked pixels get the seed's vector, locked pixels keep theirs.

    Stored compactly: both noise maps are rebuilt from their seeds, so the step keeps only the lock
    mask and the pixels whose old noise differed from the old seed's vector (local edits) -- not two
    full z x H x W maps (32 MB per click of "New seed" at 256x256).
    """

    def __init__(self, doc: LabelDocument, seed: int, locked: np.ndarray | None = None):
        self.old_seed, self.new_seed = int(doc.seed), int(seed)
        self.text = f"seed {seed}"
        self.layer = "noise"
        self.locked = (doc.locked if locked is None else locked).copy()
        base = seed_noise_map(doc.model.z_dim, *doc.shape, self.old_seed)
        self.residual = diff_edit("noise", base, doc.noise, "local noise")  # None if the map is all seed

    @classmethod
    def restored(cls, old_seed: int, new_seed: int, locked: np.ndarray, residual: RegionEdit | None,
                 text: str) -> ReseedEdit:
        """The step as stored in a recovery file (its parts, not rebuilt from a document)."""
        edit = cls.__new__(cls)
        edit.old_seed, edit.new_seed, edit.text, edit.layer = int(old_seed), int(new_seed), text, "noise"
        edit.locked, edit.residual = locked, residual
        return edit

    def apply(self, doc: LabelDocument) -> None:
        target = seed_noise_map(doc.model.z_dim, *doc.shape, self.new_seed)
        if self.locked.any():
            target[:, self.locked] = doc.noise[:, self.locked]
        doc.noise = target  # a new array: whatever an engine request reads stays untouched
        doc.seed = self.new_seed

    def revert(self, doc: LabelDocument) -> None:
        base = seed_noise_map(doc.model.z_dim, *doc.shape, self.old_seed)
        doc.noise = base
        if self.residual is not None:
            self.residual.apply(doc)
        doc.seed = self.old_seed

    @property
    def nbytes(self) -> int:
        return self.locked.nbytes + (self.residual.nbytes if self.residual is not None else 0)


def reseed(doc: LabelDocument, seed: int, locked: np.ndarray | None = None) -> ReseedEdit:
    return ReseedEdit(doc, seed, locked)


def reseeded_noise(doc: LabelDocument, seed: int) -> np.ndarray:
    """The noise map `reseed(doc, seed)` would produce, without building a command (for variations)."""
    target = seed_noise_map(doc.model.z_dim, *doc.shape, seed)
    if doc.locked.any():
        target[:, doc.locked] = doc.noise[:, doc.locked]
    return target


def set_lock(doc: LabelDocument, patch: Patch, locked: bool) -> RegionEdit | None:
    edit = patch_edit(doc, "locked", patch, locked, "lock region" if locked else "unlock region")
    return edit


def _unlocked(doc: LabelDocument, patch: Patch) -> Patch:
    if patch.empty or not doc.locked[patch.slices].any():
        return patch
    return Patch(patch.y0, patch.x0, patch.mask & ~doc.locked[patch.slices])


class RegionBlend:
    """Interpolate a region between its current noise and a fresh target: old * (1 - t) + target * t.

    Linear, as the thesis's latent interpolations (Fig. 4.11). Made once per region; `edit(doc, t)` gives
    the command for any slider position, so dragging the slider previews without piling up undo steps.
    """

    def __init__(self, doc: LabelDocument, patch: Patch, rng: np.random.Generator, mode: str = ONE_VECTOR,
                 respect_locks: bool = True):
        self.patch = _unlocked(doc, patch) if respect_locks else patch
        h, w = self.patch.mask.shape
        y0, x0 = self.patch.y0, self.patch.x0
        self.old = doc.noise[:, y0:y0 + h, x0:x0 + w][:, self.patch.mask].copy()
        if self.patch.empty:
            self.target = self.old
        else:
            fresh = fresh_values(rng, doc.model.z_dim, self.patch, mode)
            self.target = np.broadcast_to(fresh[:, None], self.old.shape) if fresh.ndim == 1 else fresh

    @property
    def empty(self) -> bool:
        return self.patch.empty

    def values(self, t: float) -> np.ndarray:
        t = np.float32(min(max(t, 0.0), 1.0))
        return (self.old * (np.float32(1) - t) + self.target * t).astype(np.float32)

    def edit(self, doc: LabelDocument, t: float) -> RegionEdit | None:
        """The command from the region's original noise to blend position t (apply on the original doc)."""
        if self.empty:
            return None
        h, w = self.patch.mask.shape
        view = doc.noise[:, self.patch.y0:self.patch.y0 + h, self.patch.x0:self.patch.x0 + w]
        old = view.copy()
        old[:, self.patch.mask] = self.old
        new = old.copy()
        new[:, self.patch.mask] = self.values(t)
        return RegionEdit("noise", self.patch.y0, self.patch.x0, old, new, f"blend region t={t:.2f}")
