"""Differentiable augmentation: translation, cropping (zoom-in), rotation, horizontal flip.

All four are folded into one affine matrix per sample and applied with one grid_sample per
scale, so every scale of an image and its mask get exactly the same geometric transform
(images bilinear, masks nearest, reflection padding so masks never get empty pixels).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

MAX_TRANSLATION = 0.125  # fraction of the side (as in DiffAugment)
MIN_CROP = 0.75  # the crop keeps at least this fraction of each side
MAX_ROTATION_DEG = 10.0


def sample_transforms(batch: int, prob: float, aspect_hw: float) -> torch.Tensor:
    """(B, 2, 3) affine matrices in normalised coordinates; each transform applied with `prob`.

    aspect_hw = H / W makes the rotation a true rotation in pixel space."""
    on = torch.rand(batch, 4) < prob
    flip = torch.where(on[:, 0], -1.0, 1.0)
    angle = torch.where(on[:, 1], (torch.rand(batch) * 2 - 1) * math.radians(MAX_ROTATION_DEG), 0.0)
    scale = torch.where(on[:, 2], MIN_CROP + torch.rand(batch) * (1 - MIN_CROP), 1.0)
    # a crop of relative size `scale` may sit anywhere inside the image
    crop_shift = (torch.rand(batch, 2) * 2 - 1) * (1 - scale)[:, None]
    shift = torch.where(on[:, 3:4], (torch.rand(batch, 2) * 2 - 1) * 2 * MAX_TRANSLATION, 0.0)
    t = crop_shift + shift
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.zeros(batch, 2, 3)
    theta[:, 0, 0] = cos * scale * flip
    theta[:, 0, 1] = -sin * scale * aspect_hw
    theta[:, 1, 0] = sin * scale / aspect_hw * flip
    theta[:, 1, 1] = cos * scale
    theta[:, :, 2] = t
    return theta


def is_identity(theta: torch.Tensor) -> torch.Tensor:
    eye = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    return (theta == eye).all(2).all(1)


def apply_transforms(theta: torch.Tensor, scales: list[torch.Tensor],
                     masks: torch.Tensor | None = None) -> tuple[list[torch.Tensor], torch.Tensor | None]:
    """Warp every scale (B, C, h, w) and the masks (B, N, H, W) with the same per-sample theta.

    Only samples whose transform is not the identity are resampled (bilinear resampling with
    an identity grid would be exact but costs time)."""
    moving = ~is_identity(theta)
    if not bool(moving.any()):
        return scales, masks
    idx = moving.nonzero()[:, 0]
    sub = theta[idx]

    def warp(t: torch.Tensor, mode: str) -> torch.Tensor:
        grid = F.affine_grid(sub.to(t.dtype), [len(idx), t.shape[1], *t.shape[-2:]], align_corners=False)
        out = F.grid_sample(t[idx], grid, mode=mode, padding_mode="reflection", align_corners=False)
        return t.index_copy(0, idx, out)

    scales = [warp(s, "bilinear") for s in scales]
    if masks is not None:
        masks = warp(masks, "nearest")
    return scales, masks
