"""Two defects the issue names, measured on generated images: streaks/stripes and a bright border.

Stripes: inside each class region (away from label edges and the image border), take the fine
texture (grey minus a Gaussian blur) and split every (class, column) line into its first and last 45%.
A vertical streak shows in both halves' means; ordinary texture makes the two means independent, so
their product has expectation zero. Summed over lines (weighted by length) and divided by the total
fine-texture energy, this estimates the share of that energy running down columns -- without a
chance level to subtract. The same on rows measures horizontal stripes. Isotropic noise scores ~0
(+-0.01), a texture of constant columns its share of the energy.

Border: the mean brightness (grey levels, 0-255) of the outermost pixel line minus that of a strip a
few pixels inside, along lines that stay in one class, per side -- a light frame is positive, a dark
one (vignetting) negative; the contrast is the same without the sign.
"""

from __future__ import annotations

import cv2
import numpy as np

from .lattice import region_interior

HIGH_PASS_SIGMA = 3.0  # keeps stripes up to ~10 px wide; wider structure is shading, not stripes
EDGE_MARGIN = 4  # pixels kept away from label edges: an edge is not texture
FRAME = 8  # pixels kept away from the image border (the border has its own measure)
BAND = 1  # the border band's width: the light frame of the 7629 model is one pixel wide (+40-70 grey levels)
INNER = (4, 12)  # the strip compared with it, in pixels from the edge (past the frame's dark ringing)
MIN_LINE = 16  # in-region pixels a line needs to count


def _grey(image: np.ndarray) -> np.ndarray:
    """H x W grey in 0-255 from H x W x 3 uint8, 3 x H x W floats in [-1, 1] or H x W."""
    if image.ndim == 2:
        return image.astype(np.float64)
    if image.shape[0] == 3 and image.shape[-1] != 3:
        return (image.astype(np.float64).mean(0) + 1.0) * 127.5
    return image.astype(np.float64).mean(-1)


def _region_pixels(labels: np.ndarray):
    lab = labels.astype(np.int32)
    return np.nonzero(region_interior(lab, EDGE_MARGIN, FRAME)), lab


def _line_consistent_share(values: np.ndarray, key: np.ndarray, along: np.ndarray, total: float) -> float:
    """sum over lines of n * mean(first part) * mean(last part) / total energy: the two parts of a line
    are independent draws of the texture, so their product has expectation 0 unless the line carries
    a pattern of its own (a streak); a 10% gap in the middle keeps correlated neighbours apart."""
    order = np.lexsort((along, key))
    key, values = key[order], values[order]
    starts = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
    sizes = np.diff(np.r_[starts, len(key)])
    rank = np.arange(len(key)) - np.repeat(starts, sizes)
    n = np.repeat(sizes, sizes)
    first, last = rank < 0.45 * n, rank >= 0.55 * n
    groups = np.repeat(np.arange(len(starts)), sizes)

    def part_means(part):
        sums = np.bincount(groups[part], values[part], len(starts))
        return sums / np.maximum(np.bincount(groups[part], minlength=len(starts)), 1)

    m1, m2 = part_means(first), part_means(last)
    usable = sizes >= MIN_LINE
    return float((sizes * m1 * m2)[usable].sum() / total)


def stripe_shares(image: np.ndarray, labels: np.ndarray) -> dict:
    """Shares of in-region high-pass energy that runs along columns (vertical streaks) and rows."""
    grey = _grey(image)
    high = grey - cv2.GaussianBlur(grey, (0, 0), HIGH_PASS_SIGMA)
    (ys, xs), lab = _region_pixels(labels)
    values = high[ys, xs]
    total = float((values ** 2).sum())
    if total <= 1e-6 * max(1, len(values)):  # flat (the blur's rounding leaves ~1e-14): no texture at all
        return {"columns": 0.0, "rows": 0.0}
    cls = lab[ys, xs].astype(np.int64)
    span = max(labels.shape)
    return {"columns": _line_consistent_share(values, cls * span + xs, ys, total),
            "rows": _line_consistent_share(values, cls * span + ys, xs, total)}


def border_profile(image: np.ndarray, labels: np.ndarray) -> dict:
    """Per side, the mean grey of the BAND-pixel frame minus that of the INNER strip next to it, over
    the lines perpendicular to the side that stay in one class from the edge to the strip's far end;
    `excess` averages the sides (signed: light frame > 0), `contrast` their absolute values."""
    grey = _grey(image)
    sides, weights = [], []
    for g, lab in ((grey, labels), (grey[::-1], labels[::-1]), (grey.T, labels.T), (grey.T[::-1], labels.T[::-1])):
        near = lab[:INNER[1]]
        same = (near == near[0]).all(0)
        if same.any():
            sides.append(float((g[:BAND, same].mean(0) - g[INNER[0]:INNER[1], same].mean(0)).mean()))
            weights.append(int(same.sum()))
    if not sides:
        return {"excess": 0.0, "contrast": 0.0}
    return {"excess": float(np.average(sides, weights=weights)),
            "contrast": float(np.average(np.abs(sides), weights=weights))}


def stripe_report(images, labels) -> dict:
    """Means over images: the share of in-region fine texture running down columns (vertical streaks)
    and along rows (horizontal stripes), and the border's excess and contrast in grey levels."""
    shares = [stripe_shares(im, lab) for im, lab in zip(images, labels, strict=True)]
    borders = [border_profile(im, lab) for im, lab in zip(images, labels, strict=True)]
    return {"vertical_stripes": float(np.mean([s["columns"] for s in shares])),
            "horizontal_stripes": float(np.mean([s["rows"] for s in shares])),
            **{f"border_{k}": float(np.mean([p[k] for p in borders])) for k in ("excess", "contrast")}}
