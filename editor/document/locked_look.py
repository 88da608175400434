"""Locked regions keep their look: a new generation is composed with the image the user already sees.

Locking the noise alone does not keep a region's look: every generator layer mixes neighbouring pixels,
so a new seed outside the lock still restyles the inside (the bundled model: a locked sky changed a
third as much as the rest, docs/editor.md). So the editor also keeps the locked pixels of the previous
image and blends them into a seam of `SEAM_PX` pixels *outside* the lock.

A locked pixel is kept only while its class is the one the previous image was made for: repainting a
locked pixel regenerates it once, and from then on that new look is kept.

What the lock holds must not drift when the same request is generated again, so every composed image
remembers the reference it was blended with on its seam, and the next composition blends a pixel that
is on the seam again against that reference, not against the previous composite (which would fade the
seam into the new look a little more with every generation). Images are remembered by identity: the
undo history and the variations panel hand back the very arrays made here.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

SEAM_PX = 4  # pixels outside a lock over which the kept look fades into the new one


def _grow(mask: np.ndarray, diagonal: bool) -> np.ndarray:
    """One step of binary dilation, 4-neighbour or 8-neighbour."""
    out = mask.copy()
    out[1:] |= mask[:-1]
    out[:-1] |= mask[1:]
    out[:, 1:] |= mask[:, :-1]
    out[:, :-1] |= mask[:, 1:]
    if diagonal:
        out[1:, 1:] |= mask[:-1, :-1]
        out[1:, :-1] |= mask[:-1, 1:]
        out[:-1, 1:] |= mask[1:, :-1]
        out[:-1, :-1] |= mask[1:, 1:]
    return out


def keep_weights(locked: np.ndarray, labels: np.ndarray, previous_labels: np.ndarray,
                 seam_px: int = SEAM_PX) -> np.ndarray | None:
    """H x W float32 weight of the previous image: 1 on locked pixels whose class is unchanged, falling
    linearly to 0 over `seam_px` pixels outside them (alternating 4- and 8-neighbour steps, a near-round
    ramp), 0 where the class changed. None when nothing is kept."""
    same = labels == previous_labels
    keep = locked & same
    if not keep.any():
        return None
    weights = keep.astype(np.float32)
    reached = keep
    for step in range(1, seam_px + 1):
        grown = _grow(reached, diagonal=step % 2 == 0)
        weights[grown & ~reached] = 1.0 - step / (seam_px + 1)
        reached = grown
    weights[~same] = 0.0
    return weights


def compose(new: np.ndarray, previous: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """previous * w + new * (1 - w) per pixel, H x W x 3 uint8 (exactly `previous` where w == 1)."""
    w = weights[..., None]
    mixed = previous.astype(np.float32) * w + new.astype(np.float32) * (1.0 - w)
    return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)


@dataclass(frozen=True, eq=False)  # holds arrays: compared and hashed by identity
class LookRequest:
    """What a generation request needs to compose its result: taken when the request is sent."""

    labels: np.ndarray  # the label map generated
    locked: np.ndarray  # the lock mask at that moment
    previous: np.ndarray | None  # the image the user saw
    previous_labels: np.ndarray | None  # the label map that image was made for
    previous_seam: np.ndarray | None  # flat indices of `previous`'s seam pixels
    previous_seam_values: np.ndarray | None  # N x 3: the reference `previous` was composed from there


@dataclass(frozen=True, eq=False)
class _Record:
    labels: np.ndarray
    seam: np.ndarray | None  # flat indices of the seam pixels (0 < weight < 1)
    seam_values: np.ndarray | None  # N x 3: the reference there


class LockedLook:
    """Remembers, per composed image, its label map and seam reference; composes new results."""

    def __init__(self):
        self._records: dict[int, _Record] = {}

    def clear(self) -> None:
        self._records.clear()

    def remember(self, image: np.ndarray, labels: np.ndarray, seam=None, seam_values=None) -> None:
        key = id(image)
        self._records[key] = _Record(labels, seam, seam_values)
        weakref.finalize(image, self._records.pop, key, None)  # an id is reused only after the array dies

    def request(self, labels: np.ndarray, locked: np.ndarray, image: np.ndarray | None,
                current_labels: np.ndarray) -> LookRequest:
        """Capture the state a result for `labels` is composed with. An image of unknown origin (a loaded
        project) is taken to show `current_labels`."""
        if image is None or not locked.any():
            return LookRequest(labels, locked.copy(), None, None, None, None)
        record = self._records.get(id(image))
        if record is None:
            return LookRequest(labels, locked.copy(), image, current_labels.copy(), None, None)
        return LookRequest(labels, locked.copy(), image, record.labels, record.seam, record.seam_values)

    def compose(self, new: np.ndarray, req: LookRequest) -> np.ndarray:
        """The image to show for a raw generator result `new` (H x W x 3 uint8); remembered."""
        previous, previous_labels = req.previous, req.previous_labels
        weights = None
        if previous is not None and previous_labels is not None and previous.shape == new.shape:
            weights = keep_weights(req.locked, req.labels, previous_labels)
        if weights is None or previous is None:
            out = new
            self.remember(out, req.labels)
            return out
        seam = np.flatnonzero((weights > 0) & (weights < 1))
        reference = previous
        # a pixel on the seam before and now: blend with what it was blended with
        if req.previous_seam is not None and req.previous_seam_values is not None:
            still, where_before, _ = np.intersect1d(req.previous_seam, seam, assume_unique=True, return_indices=True)
            if still.size:
                reference = previous.copy()
                reference.reshape(-1, 3)[still] = req.previous_seam_values[where_before]
        out = compose(new, reference, weights)
        self.remember(out, req.labels, seam, reference.reshape(-1, 3)[seam].copy())
        return out
