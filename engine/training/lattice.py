"""How much of an image's fine texture is locked to the generator's upsampling lattice.

A generator whose 1/32-resolution features are upsampled by nearest neighbour can only make texture
inside a uniform region from the block edges of those features, so its texture repeats with the
lattice: lines every 8, 16 or 32 pixels (the "plaid" of docs/default-model.md). The measure: inside
each class region (away from label boundaries and the image border), the share of the high-pass
energy that one mean per (y mod P, x mod P) phase explains. A pattern on the lattice scores near 1.
Fitting that many phase means also explains part of any texture by chance (much of it for the
horizontal bands every landscape has: a region only a few periods tall has few rows per phase), so
the same fit with a period the network has no reason to repeat measures that level; the excess is
the lattice-locked part. P = 16 separates best on the bundled model (measured: nearest upsampling
0.26 vs 0.17 off-lattice, bilinear 0.12 vs 0.12; at 32 vs 31 the bands swamp the difference).
"""

from __future__ import annotations

import cv2
import numpy as np

LATTICE = 16
OFF_LATTICE = 15
BOUNDARY_MARGIN = 4  # pixels kept away from label edges: an edge is not texture


def region_interior(labels: np.ndarray, margin: int, frame: int) -> np.ndarray:
    """H x W bool: pixels at least `margin` px from any label edge and `frame` px from the picture's
    border -- where a measure sees a region's texture, not its outline or the frame."""
    lab = labels.astype(np.int32)
    edge = np.zeros(lab.shape, bool)
    edge[:-1] |= lab[:-1] != lab[1:]
    edge[1:] |= lab[:-1] != lab[1:]
    edge[:, :-1] |= lab[:, :-1] != lab[:, 1:]
    edge[:, 1:] |= lab[:, :-1] != lab[:, 1:]
    k = 2 * margin + 1
    keep = cv2.dilate(edge.astype(np.uint8), np.ones((k, k), np.uint8)) == 0
    keep[:frame], keep[-frame:], keep[:, :frame], keep[:, -frame:] = False, False, False, False
    return keep


def periodic_share(image: np.ndarray, labels: np.ndarray, period: int, axes: str = "yx") -> float:
    """Share of the high-pass energy of `image` (C x H x W or H x W, any range) inside class regions
    explained by one mean per lattice phase and class."""
    grey = image.mean(0) if image.ndim == 3 else image
    grey = grey.astype(np.float64)
    high = grey - cv2.blur(grey, (9, 9))
    lab = labels.astype(np.int32)
    ys, xs = np.nonzero(region_interior(lab, BOUNDARY_MARGIN, 8))
    values = high[ys, xs]
    total = float((values ** 2).sum())
    if total == 0.0:
        return 0.0
    phase = {"yx": (ys % period) * period + xs % period, "x": xs % period, "y": ys % period}[axes]
    key = lab[ys, xs].astype(np.int64) * period * period + phase
    sums = np.bincount(key, values)
    counts = np.bincount(key)
    means = sums / np.maximum(counts, 1)
    return float((means[key] ** 2).sum() / total)


def lattice_report(images: list[np.ndarray], labels: list[np.ndarray]) -> dict:
    """Mean lattice share over images, with the off-lattice chance level beside it."""
    on = [periodic_share(im, lab, LATTICE) for im, lab in zip(images, labels, strict=True)]
    off = [periodic_share(im, lab, OFF_LATTICE) for im, lab in zip(images, labels, strict=True)]
    return {"lattice_share": float(np.mean(on)), "off_lattice_share": float(np.mean(off)),
            "lattice_excess": float(np.mean(on) - np.mean(off)), "period": LATTICE, "off_period": OFF_LATTICE}
