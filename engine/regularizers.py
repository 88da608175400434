"""Regularisers for GANs trained on little data (seed papers; see docs/regularizers.md).

- AdaptiveMix (Liu et al., CVPR 2023): shrink the regions training data occupy in D's feature space by
  pulling the features of a mixed image towards the same mix of the two originals' features.
- MixDL (Kong et al.): anchors z_0 = sum_i c_i z_i with c ~ Dirichlet(1); the softmax of cosine
  similarities between the anchor's and the z_i's features must match softmax(c) (KL(q || p)).
- ASA (Li, Yang et al.): Gaussian semantic perturbations of D's last-layer features with the class
  covariance, handled in closed form by minimising an upper bound of the expected loss (ISDA-style):
  no extra forward passes.

All functions are pure tensor code, usable by the OASIS and the one-shot trainers alike.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

# -- AdaptiveMix -------------------------------------------------------------------------------------


def mix_pairs(x: torch.Tensor, generator: torch.Generator | None = None):
    """Mix each sample with another one of the batch: returns (x_mix, partner index, lambda per sample)."""
    b = x.shape[0]
    partner = torch.roll(torch.arange(b, device=x.device), 1)
    lam = torch.rand(b, generator=generator, device="cpu").to(x.device, x.dtype)
    shape = (b,) + (1,) * (x.dim() - 1)
    return lam.view(shape) * x + (1 - lam.view(shape)) * x[partner], partner, lam


def adaptivemix_loss(feat_mixed: torch.Tensor, feat: torch.Tensor, partner: torch.Tensor,
                     lam: torch.Tensor) -> torch.Tensor:
    """Mean squared distance between f(mix) and the same mix of f(a), f(b) ("hard" vs "easy" samples)."""
    shape = (feat.shape[0],) + (1,) * (feat.dim() - 1)
    target = lam.view(shape) * feat + (1 - lam.view(shape)) * feat[partner]
    return F.mse_loss(feat_mixed, target)


# -- MixDL ---------------------------------------------------------------------------------------------


def dirichlet_coefficients(batch: int, n: int, generator: torch.Generator | None = None,
                           alpha: float = 1.0) -> torch.Tensor:
    """Dirichlet(alpha, ..., alpha) samples as normalised Gamma draws (torch's Dirichlet takes no generator)."""
    if alpha != 1.0:
        raise NotImplementedError("only alpha = 1 (the setting the MixDL thesis found best)")
    # Gamma(1) is Exponential(1) = -log U
    e = -torch.log(torch.rand(batch, n, generator=generator).clamp_min(1e-12))
    return e / e.sum(dim=1, keepdim=True)


def mixdl_anchor(z: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """z: B x N x ... latents, c: B x N coefficients -> B x ... anchors z_0 = sum_i c_i z_i."""
    return torch.einsum("bn,bn...->b...", c, z)


def mixdl_kl(anchor_feat: torch.Tensor, feats: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    """KL(q || p), q = softmax_i cos(f(z_0), f(z_i)), p = softmax(c); mean over the batch.

    anchor_feat: B x D, feats: B x N x D, c: B x N.
    """
    sim = F.cosine_similarity(anchor_feat.unsqueeze(1), feats, dim=-1)
    log_q = F.log_softmax(sim, dim=1)
    log_p = F.log_softmax(c, dim=1)
    return (log_q.exp() * (log_q - log_p)).sum(dim=1).mean()


# -- ASA --------------------------------------------------------------------------------------------------


class OnlineCovariance:
    """Running mean and covariance of D features for one group (real or fake), updated per batch."""

    def __init__(self, dim: int, device=None):
        self.count = 0
        self.mean = torch.zeros(dim, device=device)
        self.cov = torch.zeros(dim, dim, device=device)

    @torch.no_grad()
    def update(self, feats: torch.Tensor) -> None:
        """feats: M x D (for per-pixel features, flatten pixels into M)."""
        feats = feats.detach().float()
        m = feats.shape[0]
        if m == 0:
            return
        batch_mean = feats.mean(0)
        centred = feats - batch_mean
        batch_cov = centred.T @ centred / m
        n = self.count
        total = n + m
        delta = batch_mean - self.mean
        # Chan et al.'s parallel update of the (population) covariance
        self.cov = (n * self.cov + m * batch_cov) / total + (n * m / total ** 2) * torch.outer(delta, delta)
        self.mean = self.mean + delta * (m / total)
        self.count = total

    def state(self) -> dict:
        return {"count": torch.tensor(self.count), "mean": self.mean, "cov": self.cov}

    def load(self, state: dict) -> None:
        self.count, self.mean, self.cov = int(state["count"]), state["mean"].clone(), state["cov"].clone()


def asa_logistic_bound(logit: torch.Tensor, sign: float, w: torch.Tensor, cov: torch.Tensor,
                       lam: float) -> torch.Tensor:
    """Upper bound of E[softplus(-sign * (logit + w.delta))] for delta ~ N(0, lam * cov).

    Jensen: E[log(1 + e^{-s l'})] <= log(1 + E[e^{-s l'}]) = softplus(-s l + lam/2 w^T cov w).
    Elementwise (no reduction), so callers keep their own mean over heads/pixels.
    """
    quad = w @ cov @ w
    return F.softplus(-sign * logit + 0.5 * lam * quad)


def asa_ce_bound_logits(logits: torch.Tensor, target: torch.Tensor, weight: torch.Tensor, cov: torch.Tensor,
                        lam: float) -> torch.Tensor:
    """Logits whose cross-entropy bounds the expected CE under delta ~ N(0, lam * cov) (ISDA form).

    logits: B x K x ... , target: B x ..., weight: K x D (last linear layer), cov: D x D.
    Logit j becomes logit_j + lam/2 (w_j - w_y)^T cov (w_j - w_y); the target logit is unchanged.
    """
    diff = weight.unsqueeze(0) - weight.unsqueeze(1)  # [y, j] = w_j - w_y
    quad = torch.einsum("yjd,de,yje->yj", diff, cov, diff)  # K x K
    shift = quad[target]  # B x ... x K
    return logits + 0.5 * lam * shift.movedim(-1, 1)
