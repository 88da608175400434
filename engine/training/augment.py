"""Differentiable augmentation in front of the discriminator (DiffAugment-style), label-aware.

The discriminator is a segmenter, so anything that moves pixels must move the label target with them.
One `AugmentParams` draw per iteration is applied to the real, fake and LabelMix images *and* to the
label map, which keeps LabelMix consistent: D(mixed) is compared with a mix of D(real) and D(fake)
computed on the same augmented geometry. Pixels shifted in from outside or cut out get the unknown
class, which has zero weight in the real loss.

All three transforms are differentiable in the image, so the generator gets gradients through them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class AugmentParams:
    brightness: torch.Tensor  # B x 1 x 1 x 1, added
    saturation: torch.Tensor  # B x 1 x 1 x 1, factor
    contrast: torch.Tensor  # B x 1 x 1 x 1, factor
    shift: torch.Tensor  # B x 2 integer (dy, dx) in pixels
    cutout: torch.Tensor  # B x 4 integer (y0, x0, y1, x1); empty box = no cutout


@dataclass(frozen=True)
class AugmentSettings:
    colour: bool = True
    colour_strength: float = 1.0  # scales DiffAugment's colour ranges (1 = brightness +-0.5, ...)
    translation: float = 0.125  # max shift as a fraction of the side (DiffAugment's default)
    cutout: float = 0.25  # cutout box side as a fraction of the image side (0 = off); DiffAugment uses 0.5
    cutout_prob: float = 0.5


def draw_params(batch: int, height: int, width: int, s: AugmentSettings, gen: torch.Generator) -> AugmentParams:
    def u(lo, hi):
        return lo + (hi - lo) * torch.rand(batch, 1, 1, 1, generator=gen)

    if s.colour:
        k = s.colour_strength
        brightness, saturation, contrast = u(-0.5 * k, 0.5 * k), u(1.0 - k, 1.0 + k), u(1.0 - 0.5 * k, 1.0 + 0.5 * k)
    else:
        brightness = torch.zeros(batch, 1, 1, 1)
        saturation, contrast = torch.ones(batch, 1, 1, 1), torch.ones(batch, 1, 1, 1)
    my, mx = int(height * s.translation), int(width * s.translation)
    shift = torch.stack([torch.randint(-my, my + 1, (batch,), generator=gen),
                         torch.randint(-mx, mx + 1, (batch,), generator=gen)], dim=1)
    ch, cw = int(height * s.cutout), int(width * s.cutout)
    cy = torch.randint(0, height, (batch,), generator=gen)
    cx = torch.randint(0, width, (batch,), generator=gen)
    on = (torch.rand(batch, generator=gen) < s.cutout_prob) & (ch > 0) & (cw > 0)
    y0, x0 = (cy - ch // 2).clamp(0, height), (cx - cw // 2).clamp(0, width)
    y1, x1 = (cy + (ch + 1) // 2).clamp(0, height), (cx + (cw + 1) // 2).clamp(0, width)
    cut = torch.stack([y0, x0, torch.where(on, y1, y0), torch.where(on, x1, x0)], dim=1)
    return AugmentParams(brightness, saturation, contrast, shift, cut)


def _shift(t: torch.Tensor, dy: int, dx: int, fill) -> torch.Tensor:
    """Translate the last two dims of one sample by (dy, dx), filling uncovered pixels with `fill`."""
    out = torch.full_like(t, fill)
    h, w = t.shape[-2:]
    ys, yd = (slice(0, h - dy), slice(dy, h)) if dy >= 0 else (slice(-dy, h), slice(0, h + dy))
    xs, xd = (slice(0, w - dx), slice(dx, w)) if dx >= 0 else (slice(-dx, w), slice(0, w + dx))
    out[..., yd, xd] = t[..., ys, xs]
    return out


def _geometry(t: torch.Tensor, p: AugmentParams, fill) -> torch.Tensor:
    rows = []
    for i in range(t.shape[0]):
        r = _shift(t[i], int(p.shift[i, 0]), int(p.shift[i, 1]), fill)
        y0, x0, y1, x1 = (int(v) for v in p.cutout[i])
        if y1 > y0 and x1 > x0:
            r = r.clone()
            r[..., y0:y1, x0:x1] = fill
        rows.append(r)
    return torch.stack(rows)


def augment_image(x: torch.Tensor, p: AugmentParams) -> torch.Tensor:
    """Colour (brightness, saturation, contrast as in DiffAugment) then translation and cutout (fill 0)."""
    x = x + p.brightness.to(x.dtype)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * p.saturation.to(x.dtype) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * p.contrast.to(x.dtype) + mean
    return _geometry(x, p, 0.0)


def augment_labels(labels: torch.Tensor, p: AugmentParams, unknown_index: int) -> torch.Tensor:
    return _geometry(labels, p, unknown_index)


def augment_mask(mask: torch.Tensor, p: AugmentParams) -> torch.Tensor:
    """The LabelMix mask moves with the images (its fill value does not matter: real and fake agree there)."""
    return _geometry(mask, p, 0.0)
