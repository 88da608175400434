"""Losses of SIV-GAN / OSMIS.

Adversarial: BCE on every decision head, weighted as in the public code:
(sum of low-level heads + 0.5 * sum of content heads + 0.5 * sum of layout heads) / D.
OSMIS content heads: N+1-way class-weighted cross-entropy (thesis eq. 6.5/6.6).
Diversity: minus the mean L1 distance between tanh block features of paired samples.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .discriminator import DiscriminatorOutput


def class_weights(masks: torch.Tensor) -> torch.Tensor:
    """(B, N, H, W) one-hot -> (B, N) alpha_i = (1/count_i) / sum_j (1/count_j); absent -> 0."""
    counts = masks.sum((2, 3))
    inv = torch.where(counts > 0, 1.0 / counts.clamp(min=1), torch.zeros_like(counts))
    return inv / inv.sum(1, keepdim=True).clamp(min=1e-12)


def _total(terms) -> torch.Tensor:
    """sum() of a non-empty sequence of tensors, in the same order (typed as a tensor, not as 0 | tensor)."""
    total, *rest = terms
    for t in rest:
        total = total + t
    return total


def _map_bce(logit: torch.Tensor, real: bool) -> torch.Tensor:
    return F.softplus(-logit).mean() if real else F.softplus(logit).mean()


def _content_ce(logits: torch.Tensor, as_real: bool, weights: torch.Tensor) -> torch.Tensor:
    """logits (B, N, N+1); real: object i -> class i weighted by alpha_i; fake: all -> class N."""
    logp = torch.log_softmax(logits.float(), dim=-1)
    n = logits.shape[1]
    if as_real:
        own = logp[:, torch.arange(n), torch.arange(n)]  # (B, N)
        return -(weights * own).sum(1).mean()
    return -logp[..., n].sum(1).mean()


def adversarial_loss(out: DiscriminatorOutput, as_real: bool, num_blocks: int,
                     content_weights: torch.Tensor | None = None) -> tuple[torch.Tensor, dict]:
    """Loss of a batch judged as real (as_real=True) or fake. content_weights (B, N) for OSMIS."""
    low = _total([_map_bce(o.float(), as_real) for o in out.low])
    if content_weights is not None:
        content = _total([_content_ce(o, as_real, content_weights) for o in out.content])
    else:
        content = _total([_map_bce(o.float(), as_real) for o in out.content])
    layout = _total([_map_bce(o.float(), as_real) for o in out.layout])
    total = (low + 0.5 * content + 0.5 * layout) / num_blocks
    return total, {"low": low.detach(), "content": content.detach(), "layout": layout.detach()}


def diversity_loss(features: list[torch.Tensor]) -> torch.Tensor:
    """-mean over blocks and pairs (b, b-1) of mean |tanh f_b - tanh f_{b-1}|."""
    terms = []
    for f in features:
        t = torch.tanh(f.float())
        terms.append((t - t.roll(1, 0)).abs().mean())
    return -torch.stack(terms).mean()


def straight_through_mask(soft: torch.Tensor, bernoulli: bool) -> torch.Tensor:
    """Hard mask for D with gradients to the soft mask: hard - soft.detach() + soft.

    bernoulli=True (warm-up): each channel of each pixel ~ Bernoulli(soft), as in the thesis;
    afterwards one-hot(argmax)."""
    if bernoulli:
        hard = torch.bernoulli(soft.detach())
    else:
        hard = F.one_hot(soft.argmax(1), soft.shape[1]).permute(0, 3, 1, 2).to(soft.dtype)
    return hard - soft.detach() + soft
