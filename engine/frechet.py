"""Frechet distance between Gaussians fitted to two feature sets (FID, SIFID), numpy only.

tr(sqrt(S1 S2)) is computed as the trace of sqrt(S1^1/2 S2 S1^1/2), a symmetric PSD matrix, with
eigh: stable, real, and no scipy needed.
"""

from __future__ import annotations

import numpy as np


def frechet_distance(f1: np.ndarray, f2: np.ndarray) -> float:
    """Rows are samples (or positions), columns are feature channels."""
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    w, v = np.linalg.eigh(s1)
    s1_half = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    eig = np.linalg.eigvalsh(s1_half @ s2 @ s1_half)
    tr_sqrt = np.sqrt(np.clip(eig, 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)
