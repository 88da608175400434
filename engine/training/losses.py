"""The OASIS losses: class-balanced (N+1)-class cross-entropy and the LabelMix consistency term.

Discriminator output channel 0 means "fake"; channel k >= 1 is label class k - 1 (thesis ch. 4.2.2).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def class_balance_weights(labels: torch.Tensor, num_classes: int, unknown_index: int | None = 0) -> torch.Tensor:
    """Per-pixel weights of the real-class loss, computed over the whole batch.

    weight_c = (B * H * W) / (num_present * count_c), where count_c is the number of pixels of class c
    in the batch and num_present the number of classes with count_c > 0 (the unknown class excluded);
    the unknown class gets weight 0. Rare classes thus weigh as much in total as common ones.
    """
    counts = torch.bincount(labels.reshape(-1), minlength=num_classes).to(torch.float32)
    if unknown_index is not None:
        counts[unknown_index] = 0
    present = (counts > 0).sum().clamp(min=1)
    coeff = torch.where(counts > 0, labels.numel() / (present * counts.clamp(min=1)), torch.zeros_like(counts))
    return coeff[labels]


def n_plus_1_loss(logits: torch.Tensor, labels: torch.Tensor, for_real: bool, unknown_index: int | None = 0) -> torch.Tensor:
    """Real: class-balanced CE against label + 1. Fake: plain mean CE against the fake channel 0."""
    logits = logits.float()
    if for_real:
        ce = F.cross_entropy(logits, labels + 1, reduction="none")
        return (ce * class_balance_weights(labels, logits.shape[1] - 1, unknown_index)).mean()
    return F.cross_entropy(logits, torch.zeros_like(labels))


def labelmix_mask(labels: torch.Tensor, num_classes: int, gen: torch.Generator) -> torch.Tensor:
    """B x 1 x H x W float mask: each class of each label map is assigned wholly to real (1) or fake (0)."""
    coins = torch.randint(0, 2, (labels.shape[0], num_classes), generator=gen).to(torch.float32)
    return torch.gather(coins, 1, labels.reshape(labels.shape[0], -1)).reshape(labels.shape).unsqueeze(1)


def labelmix_loss(mask: torch.Tensor, d_mixed: torch.Tensor, d_fake: torch.Tensor, d_real: torch.Tensor) -> torch.Tensor:
    """MSE between D's logits on the mixed image and the same mix of its logits on real and fake."""
    target = mask * d_real.float() + (1 - mask) * d_fake.float()
    return F.mse_loss(d_mixed.float(), target)


# -- optional limited-data regularisers (docs/regularizers.md) -------------------------------------------


class FeatureTap:
    """Keeps the input (or output) of a module's most recent call: D's features before its last layer,
    or a generator block's activations, without changing the networks' forward code."""

    def __init__(self, module: torch.nn.Module, output: bool = False):
        self.value = None
        if output:
            module.register_forward_hook(lambda m, args, out: setattr(self, "value", out))
        else:
            module.register_forward_pre_hook(lambda m, args: setattr(self, "value", args[0]))


class RegularizerState(torch.nn.Module):
    """What the regularisers carry from one iteration to the next, saved in the checkpoint so a resumed
    run continues exactly: MixDL's projection head of D's features and ASA's running covariances of
    D's last-layer features for real and for fake samples (kept as buffers)."""

    def __init__(self, proj_in: int = 0, proj_out: int = 0, cov_dim: int = 0):
        super().__init__()
        self.proj = torch.nn.Linear(proj_in, proj_out) if proj_out else None
        self.groups = ("real", "fake") if cov_dim else ()
        for g in self.groups:
            self.register_buffer(f"{g}_count", torch.zeros((), dtype=torch.int64))
            self.register_buffer(f"{g}_mean", torch.zeros(cov_dim))
            self.register_buffer(f"{g}_cov", torch.zeros(cov_dim, cov_dim))

    def update_covariance(self, group: str, feats: torch.Tensor) -> torch.Tensor:
        """Fold feats (M x D) into the running estimate of `group`; returns the covariance (D x D)."""
        from ..regularizers import OnlineCovariance

        running = OnlineCovariance(feats.shape[1])
        running.load({"count": getattr(self, f"{group}_count"), "mean": getattr(self, f"{group}_mean"),
                      "cov": getattr(self, f"{group}_cov")})
        running.update(feats)
        getattr(self, f"{group}_count").fill_(running.count)
        getattr(self, f"{group}_mean").copy_(running.mean)
        getattr(self, f"{group}_cov").copy_(running.cov)
        return running.cov


def asa_strength(asa: float, iteration: int, iterations: int) -> float:
    """ASA's lambda, ramped up linearly over the run (as ISDA does): early features are meaningless."""
    return asa * min(1.0, iteration / max(1, iterations))
