"""Kernel Inception Distance (Binkowski et al., "Demystifying MMD GANs", ICLR 2018), numpy only.

KID is the squared maximum mean discrepancy between two feature sets under the cubic polynomial kernel
k(x, y) = (x.y / d + 1)^3, d the feature dimension. Its U-statistic estimate (no i = j terms) is
unbiased at any sample size, unlike FID, whose 2048-dim covariances from ~100 images are biased far
upwards; so values from different sample sizes are comparable and two sets of the same distribution
give ~0 (it can come out slightly negative). As is usual, the estimate is averaged over random
subsets of `subset_size` rows from each set; the standard deviation over those subsets is the
spread of one `subset_size` estimate, so it overstates the uncertainty of the mean somewhat.
"""

from __future__ import annotations

import numpy as np


def polynomial_kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a @ b.T / a.shape[1] + 1.0) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 of rows x (m x d) and y (n x d) under the polynomial kernel."""
    m, n = len(x), len(y)
    if m < 2 or n < 2:
        raise ValueError(f"KID needs at least 2 samples per set, got {m} and {n}")
    kxx, kyy, kxy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within_x = (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
    within_y = (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
    return float(within_x + within_y - 2.0 * kxy.mean())


def kernel_inception_distance(x: np.ndarray, y: np.ndarray, subset_size: int | None = None, subsets: int = 100,
                              seed: int = 0) -> dict:
    """KID of feature sets x and y (rows are samples): mean and standard deviation of the unbiased
    MMD^2 over `subsets` random subsets (without replacement) of `subset_size` rows of each set
    (default: half the smaller set, so the subsets differ and the spread means something)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    size = subset_size or max(2, min(len(x), len(y)) // 2)
    if size > min(len(x), len(y)):
        raise ValueError(f"KID subset size {size} is larger than a set ({len(x)} and {len(y)} samples)")
    rng = np.random.default_rng(seed)
    values = np.array([mmd2_unbiased(x[rng.choice(len(x), size, replace=False)],
                                     y[rng.choice(len(y), size, replace=False)]) for _ in range(subsets)])
    return {"kid": float(values.mean()), "std": float(values.std()), "subset_size": int(size),
            "subsets": int(subsets), "samples": [int(len(x)), int(len(y))]}
