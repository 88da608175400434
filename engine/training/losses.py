"""The OASIS losses: class-balanced (N+1)-class cross-entropy and the LabelMix consistency term.

Discriminator output channel 0 means "fake"; channel k >= 1 is label class k - 1 (thesis ch. 4.2.2).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F


def class_balance_weights(labels: torch.Tensor, num_classes: int, unknown_index: int | None = 0,
                          reduce: Callable[[torch.Tensor], torch.Tensor] | None = None) -> torch.Tensor:
    """Per-pixel weights of the real-class loss, computed over the whole batch.

    weight_c = (B * H * W) / (num_present * count_c), where count_c is the number of pixels of class c
    in the batch and num_present the number of classes with count_c > 0 (the unknown class excluded);
    the unknown class gets weight 0. Rare classes thus weigh as much in total as common ones.
    `reduce` sums the counts (and the pixel total) over the processes of a distributed run, so the
    weights are those of the global batch.
    """
    counts = torch.bincount(labels.reshape(-1), minlength=num_classes).to(torch.float64)
    counts = torch.cat([counts, counts.new_tensor([labels.numel()])])
    if reduce is not None:
        counts = reduce(counts)
    counts, total = counts[:-1].to(torch.float32), counts[-1].to(torch.float32)
    if unknown_index is not None:
        counts[unknown_index] = 0
    present = (counts > 0).sum().clamp(min=1)
    coeff = torch.where(counts > 0, total / (present * counts.clamp(min=1)), torch.zeros_like(counts))
    return coeff[labels]


def n_plus_1_loss(logits: torch.Tensor, labels: torch.Tensor, for_real: bool, unknown_index: int | None = 0,
                  reduce: Callable[[torch.Tensor], torch.Tensor] | None = None) -> torch.Tensor:
    """Real: class-balanced CE against label + 1. Fake: plain mean CE against the fake channel 0."""
    logits = logits.float()
    if for_real:
        ce = F.cross_entropy(logits, labels + 1, reduction="none")
        return (ce * class_balance_weights(labels, logits.shape[1] - 1, unknown_index, reduce)).mean()
    return F.cross_entropy(logits, torch.zeros_like(labels))


def labelmix_mask(labels: torch.Tensor, num_classes: int, gen: torch.Generator, world: int = 1,
                  rows: slice = slice(None)) -> torch.Tensor:
    """B x 1 x H x W float mask: each class of each label map is assigned wholly to real (1) or fake (0).
    The coins are drawn for the global batch (`world` x B) and this process keeps its `rows`."""
    coins = torch.randint(0, 2, (labels.shape[0] * world, num_classes), generator=gen)[rows]
    coins = coins.to(device=labels.device, dtype=torch.float32)
    return torch.gather(coins, 1, labels.reshape(labels.shape[0], -1)).reshape(labels.shape).unsqueeze(1)


def labelmix_loss(mask: torch.Tensor, d_mixed: torch.Tensor, d_fake: torch.Tensor,
                  d_real: torch.Tensor) -> torch.Tensor:
    """MSE between D's logits on the mixed image and the same mix of its logits on real and fake."""
    target = mask * d_real.float() + (1 - mask) * d_fake.float()
    return F.mse_loss(d_mixed.float(), target)
