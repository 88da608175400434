"""Regularisers for GANs trained on little data (seed papers; see docs/regularizers.md).

- AdaptiveMix (Liu et al., CVPR 2023): shrink the regions training data occupy in D's feature space by
  pulling the features of a mixed image towards the same mix of the two originals' features.
- MixDL (Kong et al.): anchors z_0 = sum_i c_i z_i with c ~ Dirichlet(1); the softmax of cosine
  similarities between the anchor's and the z_i's features must match softmax(c) (KL(q || p)).
- ASA (Li, Yang et al.): Gaussian semantic perturbations of D's last-layer features with the class
  covariance, handled in closed form by minimising an upper bound of the expected loss (ISDA-style):
  no extra forward passes.

All functions are pure tensor code, usable by the OASIS and the one-shot trainers alike; so are the
feature tap, the regulariser state kept in checkpoints and ASA's ramp at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class RegularizerSettings:
    """Which regularisers a run uses and how strongly, the same for both trainers; 0 / False = off.
    (How many latents MixDL mixes is the trainer's own: TrainSettings.mixdl_latents, OneShotConfig.mixdl_anchors.)"""

    adaptivemix: float = 0.0  # weight of the AdaptiveMix feature-mixing loss on D (real images)
    mixdl: bool = False  # MixDL distance learning on G and on D's projected features
    mixdl_lambda_g: float = 1000.0
    mixdl_lambda_d: float = 1.0
    asa: float = 0.0  # ASA's final lambda, ramped up linearly over `asa_ramp_iters`
    asa_ramp_iters: int = 0  # fixed when the run is created (0: the run's iteration count)

    @property
    def any(self) -> bool:
        return bool(self.adaptivemix or self.mixdl or self.asa)

    def problems(self) -> list[str]:
        out = [f"regularizers.{name} must be >= 0 (got {getattr(self, name)!r})"
               for name in ("adaptivemix", "mixdl_lambda_g", "mixdl_lambda_d", "asa", "asa_ramp_iters")
               if getattr(self, name) < 0]
        return out


REGULARIZER_KEYS = tuple(f for f in RegularizerSettings.__dataclass_fields__)


def pop_regularizer_keys(settings: dict) -> dict:
    """Takes the regulariser settings out of a flat settings dict (stored layouts of version 1, presets)
    and returns them; `settings` keeps the rest."""
    return {k: settings.pop(k) for k in REGULARIZER_KEYS if k in settings}

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


# -- state and hooks both trainers keep for the regularisers --------------------------------------------


class FeatureTap:
    """Keeps the input (or output) of a module's most recent call: D's features before its last layer,
    or a generator block's activations, without changing the networks' forward code."""

    def __init__(self, module: torch.nn.Module, output: bool = False):
        self.value: torch.Tensor | None = None
        if output:
            module.register_forward_hook(lambda m, args, out: setattr(self, "value", out))
        else:
            module.register_forward_pre_hook(lambda m, args: setattr(self, "value", args[0]))

    def read(self) -> torch.Tensor:
        """The tensor of the module's last call (its network must have run since the tap was made)."""
        if self.value is None:
            raise RuntimeError("the feature tap was read before its module ran")
        return self.value


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
