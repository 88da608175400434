"""Generate and segment at a chosen precision, numpy in and out: the entry points of the fast paths for
callers that choose one (the engine worker, the CLI, benchmarks).

'fp32' runs the model's own reference path (OasisModel.generate / segment_logits, exact); every other
name runs this package's fast paths in the dtype engine/precision.py decides for the device. The
core model never calls into this package, so the layers stay one way: fast above the core.
"""

from __future__ import annotations

import numpy as np
import torch

from ..precision import check_precision
from . import hooks


@torch.inference_mode()
def generate(model, labels: np.ndarray, noise: np.ndarray, precision: str) -> np.ndarray:
    if check_precision(precision) == "fp32":
        return model.generate(labels, noise)
    labels = model.check_labels(labels)
    noise = model.check_noise(noise, labels.shape)
    return hooks.generate(model, torch.from_numpy(labels).to(model.device), torch.from_numpy(noise).to(model.device),
                          precision)


@torch.inference_mode()
def segment_logits(model, image: np.ndarray, precision: str) -> np.ndarray:
    if check_precision(precision) == "fp32":
        return model.segment_logits(image)
    x = torch.from_numpy(model.check_image(image))[None].to(model.device)
    return hooks.segment_logits(model, x, precision)


def segment(model, image: np.ndarray, precision: str) -> tuple[np.ndarray, np.ndarray]:
    """(label map, logits), as OasisModel.segment."""
    logits = segment_logits(model, image, precision)
    return model.labels_from_logits(logits), logits
