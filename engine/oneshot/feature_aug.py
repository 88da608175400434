"""Feature augmentation of real samples in the discriminator (SIV-GAN FA, OSMIS mask-aware FA).

Everything is vectorised over the batch: per-sample random choices become tensors and the
result is selected with torch.where, so there is no Python loop over samples. Sample b is mixed
with its partner b-1 (a roll of the batch), i.e. pairs of different augmented copies/frames.
"""
from __future__ import annotations

import torch


def _exact_fraction_mask(batch: int, size: int, lo: float, hi: float) -> torch.Tensor:
    """(batch, size) bool mask selecting round(f * size) random entries, f ~ U(lo, hi), >= 1."""
    frac = torch.empty(batch).uniform_(lo, hi)
    count = (frac * size).round().clamp(min=1, max=size).long()
    scores = torch.rand(batch, size)
    thresh = scores.sort(dim=1).values.gather(1, (count - 1)[:, None])
    return scores <= thresh


def content_augment(x: torch.Tensor, prob: float) -> torch.Tensor:
    """x: (B, K, C) content vectors (K = 1, or N objects with masks).

    With probability `prob` per sample, 10-30% of the channels are copied from the partner
    sample (same object index), and independently with `prob` another 10-30% are zeroed.
    """
    b, _, c = x.shape
    swap = (torch.rand(b) < prob)[:, None] & _exact_fraction_mask(b, c, 0.1, 0.3)
    drop = (torch.rand(b) < prob)[:, None] & _exact_fraction_mask(b, c, 0.1, 0.3)
    x = torch.where(swap[:, None, :], x.roll(1, 0), x)
    return x.masked_fill(drop[:, None, :], 0.0)


def _rect_sizes(batch: int, k: int, h: int, w: int) -> tuple[torch.Tensor, torch.Tensor]:
    rh = (torch.empty(batch, k).uniform_(0.1, 0.5) * h).round().clamp(1, h).long()
    rw = (torch.empty(batch, k).uniform_(0.1, 0.5) * w).round().clamp(1, w).long()
    return rh, rw


def _rand_below(upper_exclusive: torch.Tensor) -> torch.Tensor:
    return (torch.rand(upper_exclusive.shape) * upper_exclusive).long()


def _rect_sums(integral: torch.Tensor, y0, x0, rh, rw) -> torch.Tensor:
    """integral: (B, N, h+1, w+1); corners (B, K) -> per-object pixel sums (B, K, N)."""
    b, n = integral.shape[:2]
    bi = torch.arange(b)[:, None, None]
    ni = torch.arange(n)[None, None, :]
    y1, x1 = (y0 + rh)[..., None], (x0 + rw)[..., None]
    y0, x0 = y0[..., None], x0[..., None]
    return (integral[bi, ni, y1, x1] - integral[bi, ni, y0, x1]
            - integral[bi, ni, y1, x0] + integral[bi, ni, y0, x0])


def _integral(masks: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.pad(masks.cumsum(2).cumsum(3), (1, 0, 1, 0))


def layout_augment(x: torch.Tensor, prob: float, masks: torch.Tensor | None = None,
                   candidates: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """x: (B, C, h, w) features before the layout branch. Returns (augmented x, applied (B,)).

    Without masks: with probability `prob` a rectangle (10-50% of each side) of the partner's
    features is pasted at the same place (CutMix on features).
    With masks (B, N, h, w one-hot at feature resolution, channel 0 = background): the source
    rectangle in the partner and the destination rectangle in x may be at different places,
    and both must not cut any object (each object is fully inside or fully outside), so whole
    objects are moved/duplicated and objects fully covered in x are removed. `candidates`
    random rectangles are drawn per sample; the first valid one is used, none -> no change.
    """
    b, _, h, w = x.shape
    k = candidates if masks is not None else 1
    rh, rw = _rect_sizes(b, k, h, w)
    sy, sx = _rand_below(h - rh + 1), _rand_below(w - rw + 1)
    if masks is None:
        dy, dx = sy, sx
        valid = torch.ones(b, k, dtype=torch.bool)
    else:
        dy, dx = _rand_below(h - rh + 1), _rand_below(w - rw + 1)
        objects = masks[:, 1:].float()
        total = objects.sum((2, 3))[:, None, :]  # (B, 1, N-1)
        integral = _integral(objects)
        src_in = _rect_sums(integral.roll(1, 0), sy, sx, rh, rw)
        dst_in = _rect_sums(integral, dy, dx, rh, rw)
        whole = lambda inside, tot: ((inside == 0) | (inside == tot)).all(-1)  # noqa: E731
        valid = whole(src_in, total.roll(1, 0)) & whole(dst_in, total)
    pick = valid.float().argmax(1, keepdim=True)  # first valid candidate
    choose = lambda t: t.gather(1, pick)[:, 0]  # noqa: E731
    rh, rw, sy, sx, dy, dx = map(choose, (rh, rw, sy, sx, dy, dx))
    applied = (torch.rand(b) < prob) & valid.any(1)
    ys, xs = torch.arange(h)[None, :], torch.arange(w)[None, :]
    in_y = (ys >= dy[:, None]) & (ys < (dy + rh)[:, None])  # (B, h)
    in_x = (xs >= dx[:, None]) & (xs < (dx + rw)[:, None])  # (B, w)
    region = in_y[:, :, None] & in_x[:, None, :] & applied[:, None, None]  # (B, h, w)
    src_y = (ys - dy[:, None] + sy[:, None]).clamp(0, h - 1)
    src_x = (xs - dx[:, None] + sx[:, None]).clamp(0, w - 1)
    flat = (src_y[:, :, None] * w + src_x[:, None, :]).reshape(b, 1, h * w)
    partner = x.roll(1, 0).reshape(b, x.shape[1], h * w)
    moved = partner.gather(2, flat.expand(-1, x.shape[1], -1)).reshape_as(x)
    return torch.where(region[:, None], moved, x), applied
