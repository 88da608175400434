"""Training loop for SIV-GAN / OSMIS. Knows nothing about any UI: it reports through callbacks.

train(config, run_dir, should_stop, progress, preview, should_pause) runs until the configured
iteration count or until should_stop() returns True (checked every iteration), writing atomic
checkpoints every `checkpoint_every` iterations and on stop. resume=True continues from the last
checkpoint with the settings saved in the run folder; the next step is bit-identical to the
step an uninterrupted run would have taken (same weights, optimizer moments and RNG state).
"""
from __future__ import annotations

import contextlib
import copy
import os
import time
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save

from .. import fileio
from ..regularizers import (
    FeatureTap,
    RegularizerState,
    adaptivemix_loss,
    asa_logistic_bound,
    asa_strength,
    dirichlet_coefficients,
    mix_pairs,
    mixdl_anchor,
    mixdl_kl,
)
from ..trainloop import StepTimer, TrainingProgress, due
from . import checkpoint as ckpt
from .config import OneShotConfig
from .data import load_inputs, resize_inputs
from .diffaug import apply_transforms, sample_transforms
from .discriminator import Discriminator
from .errors import OneShotInputError
from .generator import Generator
from .losses import adversarial_loss, class_weights, diversity_loss, straight_through_mask

PREVIEW_SEED = 1234
MIXDL_PROJECTION = 64  # output width of MixDL's linear projection head on D's features


def _memory_format(cfg: OneShotConfig):
    return torch.channels_last if cfg.channels_last else torch.contiguous_format


def prepare_run_data(cfg: OneShotConfig, run_dir: str) -> None:
    """Load, resize and store the training frames (and masks) in the run folder, so resuming,
    sampling and evaluation never depend on the source files again."""
    inputs = load_inputs(cfg.images, cfg.masks, cfg.max_frames)
    images, masks = resize_inputs(inputs, cfg.train_hw)
    tensors = {"images": torch.from_numpy(np.ascontiguousarray(images))}
    if masks is not None:
        tensors["masks"] = torch.from_numpy(np.ascontiguousarray(masks))
    fileio.atomic_write_bytes(os.path.join(run_dir, "data.safetensors"), save(tensors))


def load_run_data(run_dir: str) -> tuple[torch.Tensor, torch.Tensor | None]:
    """-> images (F, H, W, 3) uint8, masks (F, H, W) uint8 or None."""
    path = os.path.join(run_dir, "data.safetensors")
    if not os.path.exists(path):
        raise OneShotInputError(f"{path}: missing training data in run folder")
    t = load_file(path)
    return t["images"], t.get("masks")


def build_models(cfg: OneShotConfig) -> tuple[Generator, Discriminator, Generator]:
    g, d = Generator(cfg), Discriminator(cfg)
    ema = copy.deepcopy(g).eval().requires_grad_(False)
    fmt = _memory_format(cfg)
    # Module.to takes memory_format (torch's docs); its typed overloads leave it out.
    return (g.to(memory_format=fmt), d.to(memory_format=fmt),  # type: ignore[call-overload]
            ema.to(memory_format=fmt))  # type: ignore[call-overload]


class OneShotTrainer:
    """One training state (models, optimizers, data); step() performs one iteration."""

    def __init__(self, cfg: OneShotConfig, run_dir: str):
        self.cfg, self.run_dir = cfg, run_dir
        torch.manual_seed(cfg.seed)
        self.G, self.D, self.G_ema = build_models(cfg)
        adam = dict(betas=tuple(cfg.betas), fused=True) if cfg.fused_adam else dict(betas=tuple(cfg.betas))
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g, **adam)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d, **adam)
        self.iteration = 0
        images, masks = load_run_data(run_dir)
        fmt = _memory_format(cfg)
        full = images.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
        self.real_scales = [full.contiguous(memory_format=fmt)]
        for _ in range(1, cfg.d_low_blocks):
            self.real_scales.append(F.avg_pool2d(self.real_scales[-1], 2))
        self.real_masks = None
        if masks is not None:
            onehot = F.one_hot(masks.long(), cfg.num_mask_channels).permute(0, 3, 1, 2).float()
            self.real_masks = onehot.contiguous(memory_format=fmt)
        self.aspect = cfg.train_hw[0] / cfg.train_hw[1]
        self.last_losses: dict[str, torch.Tensor] = {}
        self.reg, self.opt_p = self._build_regularizers(adam)

    def _build_regularizers(self, adam: dict):
        """State of the optional regularisers (None when all are off, so baseline runs are unchanged).

        D's features are the input of its last content head (after the content blocks): (B*k, C),
        k = 1 (SIV-GAN) or the number of mask channels (OSMIS)."""
        cfg = self.cfg
        regs = cfg.regularizers
        if not regs.any:
            return None, None
        if regs.asa and cfg.use_masks:
            raise OneShotInputError("--asa: implemented for SIV-GAN mode only (OSMIS content heads are N+1-way)")
        self._d_feat = FeatureTap(self.D.content_heads[-1])
        width = cfg.d_channels[cfg.d_blocks] * (2 if cfg.use_masks else 1)
        per_sample = width * max(1, cfg.num_mask_channels)
        reg = RegularizerState(per_sample, MIXDL_PROJECTION if regs.mixdl else 0, width if regs.asa else 0)
        opt_p = torch.optim.Adam(reg.proj.parameters(), lr=cfg.lr_d, **adam) if reg.proj is not None else None
        return reg, opt_p

    # -- pieces of an iteration -------------------------------------------------------------
    def _autocast(self):
        if self.cfg.precision == "bf16":
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def _generate(self, z: torch.Tensor | None = None):
        cfg = self.cfg
        if z is None:
            z = self._z = self.G.sample_noise(cfg.batch_size)
        out = self.G(z)
        fakes = [out.images[-1 - i] for i in range(cfg.d_low_blocks)]  # high -> low resolution
        mask = None
        if out.mask_soft is not None:
            warmup = self.iteration < cfg.bernoulli_warmup_iters
            mask = straight_through_mask(out.mask_soft, bernoulli=warmup)
        return out, fakes, mask

    def step(self) -> dict[str, torch.Tensor]:
        cfg, b = self.cfg, self.cfg.batch_size
        regs = cfg.regularizers
        idx = torch.randint(self.real_scales[0].shape[0], (b,))
        real = [s[idx] for s in self.real_scales]
        real_mask = self.real_masks[idx] if self.real_masks is not None else None

        with self._autocast():
            out, fakes, fake_mask = self._generate()
            # -- discriminator: real and fake in one batch, FA on the real half only ----------
            theta = sample_transforms(2 * b, cfg.diffaug_prob, self.aspect)
            scales = [torch.cat([r, f.detach()]) for r, f in zip(real, fakes, strict=True)]
            masks = torch.cat([real_mask, fake_mask.detach()]) if real_mask is not None else None
            scales, masks = apply_transforms(theta, scales, masks)
            d_out = self.D(scales, masks, augment_first=b)
            weights = class_weights(masks[:b]) if masks is not None else None
            real_out, fake_out = _split(d_out, b)
            loss_real, parts_real = adversarial_loss(real_out, True, cfg.d_blocks, weights)
            loss_fake, parts_fake = adversarial_loss(fake_out, False, cfg.d_blocks, weights)
            loss_d = loss_real + loss_fake
            reg_losses: dict[str, torch.Tensor] = {}
            anchors = None
            if self.reg is not None:
                anchors = self._mixdl_anchors() if regs.mixdl else None
                loss_d = loss_d + self._d_regularizers(scales, masks, real_out, fake_out, fakes, fake_mask,
                                                       anchors, reg_losses)
        self.opt_d.zero_grad(set_to_none=True)
        if self.opt_p is not None:
            self.opt_p.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()
        if self.opt_p is not None:
            self.opt_p.step()

        with self._autocast():
            if not cfg.reuse_fake_for_g:  # the public code draws a new batch for the G step
                out, fakes, fake_mask = self._generate()
            self.D.requires_grad_(False)  # no weight gradients of D needed in the G step
            try:
                theta = sample_transforms(b, cfg.diffaug_prob, self.aspect)
                scales, masks = apply_transforms(theta, fakes, fake_mask)
                g_weights = class_weights(real_mask) if real_mask is not None else None
                loss_adv_g, _ = adversarial_loss(self.D(scales, masks), True, cfg.d_blocks, g_weights)
                loss_div = diversity_loss(out.features)
                loss_g = loss_adv_g + cfg.div_weight * loss_div
                if regs.mixdl:
                    if not cfg.reuse_fake_for_g:
                        anchors = self._mixdl_anchors()
                    reg_losses["g_mixdl"] = self._g_mixdl(out, anchors)
                    loss_g = loss_g + regs.mixdl_lambda_g * reg_losses["g_mixdl"]
                self.opt_g.zero_grad(set_to_none=True)
                loss_g.backward()
            finally:
                self.D.requires_grad_(True)
        self.opt_g.step()
        self._update_ema()
        self.iteration += 1
        self.last_losses = {"d_real": loss_real.detach(), "d_fake": loss_fake.detach(),
                            "g_adv": loss_adv_g.detach(), "g_div": loss_div.detach(),
                            **{f"d_{k}": parts_real[k] + parts_fake[k] for k in parts_real},
                            **{k: v.detach() for k, v in reg_losses.items()}}
        return self.last_losses

    # -- optional regularisers (docs/regularizers.md) -------------------------------------------
    def _mixdl_anchors(self):
        """MixDL anchors z_0 = sum_i c_i z_i over the current batch's latents, c ~ Dirichlet(1)."""
        m, b = self.cfg.mixdl_anchors, self.cfg.batch_size
        c = dirichlet_coefficients(m, b)
        z0 = mixdl_anchor(self._z.unsqueeze(0).expand(m, *self._z.shape), c)
        return (c, *self._generate(z0))

    def _g_mixdl(self, out, anchors) -> torch.Tensor:
        """KL(q || p) on the features of the middle generator block."""
        c, anchor_out = anchors[0], anchors[1]
        layer = self.cfg.g_blocks // 2
        fz = out.features[layer].float().flatten(1)
        fa = anchor_out.features[layer].float().flatten(1)
        return mixdl_kl(fa, fz.unsqueeze(0).expand(len(c), *fz.shape), c)

    def _d_features(self, samples: int) -> torch.Tensor:
        value = self._d_feat.value
        assert value is not None, "read after a forward pass of D"
        return value.float().reshape(samples, -1)

    def _d_regularizers(self, scales, masks, real_out, fake_out, fakes, fake_mask, anchors, losses) -> torch.Tensor:
        """Extra discriminator terms; `scales`/`masks` are the augmented real+fake batch just judged."""
        cfg, b = self.cfg, self.cfg.batch_size
        regs = cfg.regularizers
        total = torch.zeros(())
        if regs.asa:  # last content head's BCE -> its upper bound under N(0, lam * Sigma) feature noise
            feats = self._d_features(2 * b)
            lam = asa_strength(regs.asa, self.iteration, regs.asa_ramp_iters or cfg.iterations)
            w = _effective_weight(self.D.content_heads[-1])[0].float()
            cov_r = self.reg.update_covariance("real", feats[:b])
            cov_f = self.reg.update_covariance("fake", feats[b:])
            lr, lf = real_out.content[-1].float(), fake_out.content[-1].float()
            gap = (asa_logistic_bound(lr, 1.0, w, cov_r, lam).mean() - F.softplus(-lr).mean()
                   + asa_logistic_bound(lf, -1.0, w, cov_f, lam).mean() - F.softplus(lf).mean())
            losses["d_asa"] = 0.5 * gap / cfg.d_blocks  # the content heads' weight in adversarial_loss
            total = total + losses["d_asa"]
        if regs.adaptivemix:  # mixed reals' features towards the same mix of the reals' features
            reals = [s[:b] for s in scales]
            first, partner, lam = mix_pairs(reals[0])
            w = lam.view(-1, 1, 1, 1)
            mix = lambda t: w * t + (1 - w) * t[partner]  # noqa: E731
            mixed = [first] + [mix(t) for t in reals[1:]]
            both_masks = torch.cat([masks[:b], mix(masks[:b])]) if masks is not None else None
            self.D([torch.cat([r, m]) for r, m in zip(reals, mixed, strict=True)], both_masks)
            feats = self._d_features(2 * b)
            losses["d_adaptivemix"] = adaptivemix_loss(feats[b:], feats[:b], partner, lam.float())
            total = total + regs.adaptivemix * losses["d_adaptivemix"]
        if regs.mixdl:  # D's projected features of anchor and batch fakes keep the latent mix weights
            c, _, anchor_scales, anchor_mask = anchors
            both = [torch.cat([f.detach(), a.detach()]) for f, a in zip(fakes, anchor_scales, strict=True)]
            both_masks = torch.cat([fake_mask.detach(), anchor_mask.detach()]) if fake_mask is not None else None
            self.D(both, both_masks)
            proj = self.reg.proj(self._d_features(b + len(c)))
            losses["d_mixdl"] = mixdl_kl(proj[b:], proj[:b].unsqueeze(0).expand(len(c), *proj[:b].shape), c)
            total = total + regs.mixdl_lambda_d * losses["d_mixdl"]
        return total

    @torch.no_grad()
    def _update_ema(self) -> None:
        decay = self.cfg.ema_decay
        if self.cfg.ema_warmup:
            decay = min(decay, (1.0 + self.iteration) / (10.0 + self.iteration))
        ema_p: list[torch.Tensor] = list(self.G_ema.parameters())
        torch._foreach_lerp_(ema_p, list(self.G.parameters()), 1.0 - decay)
        for eb, b in zip(self.G_ema.buffers(), self.G.buffers(), strict=True):  # spectral-norm u, v
            eb.copy_(b)

    # -- persistence ---------------------------------------------------------------------------
    def modules(self) -> dict[str, torch.nn.Module]:
        extra = {"REG": self.reg} if self.reg is not None else {}
        return {"G": self.G, "D": self.D, "G_ema": self.G_ema, **extra}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        extra = {"optP": self.opt_p} if self.opt_p is not None else {}
        return {"optG": self.opt_g, "optD": self.opt_d, **extra}

    def save(self) -> str:
        losses = {k: float(v) for k, v in self.last_losses.items()}
        return ckpt.save_checkpoint(self.run_dir, self.iteration, self.modules(),
                                    self.optimizers(), {"losses": losses})

    def load(self) -> None:
        state = ckpt.load_checkpoint(self.run_dir, self.modules(), self.optimizers())
        self.iteration = int(state["iteration"])

    @torch.no_grad()
    def preview_samples(self, count: int = 4) -> dict[str, np.ndarray]:
        """EMA-generator samples for fixed noise, without touching the training RNG."""
        z = self.G_ema.sample_noise(count, torch.Generator().manual_seed(PREVIEW_SEED))
        return generate_arrays(self.G_ema, z)


def generate_arrays(g: Generator, z: torch.Tensor) -> dict[str, np.ndarray]:
    """-> {"images": (B, H, W, 3) uint8, "masks": (B, H, W) uint8 (OSMIS only)}."""
    out = g(z)
    img = out.images[-1].float().clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8)
    result = {"images": img.permute(0, 2, 3, 1).contiguous().numpy()}
    if out.mask_soft is not None:
        result["masks"] = out.mask_soft.argmax(1).to(torch.uint8).numpy()
    return result


def _effective_weight(module: torch.nn.Module) -> torch.Tensor:
    """The spectrally normalised weight as used in the last forward: in eval mode the parametrisation
    reuses its power-iteration vectors instead of advancing them (which would change D's state)."""
    was_training = module.training
    module.eval()
    try:
        weight = module.weight
        assert isinstance(weight, torch.Tensor)
        return weight
    finally:
        module.train(was_training)


def _split(out, b):
    from .discriminator import DiscriminatorOutput
    cut = lambda ts: ([t[:b] for t in ts], [t[b:] for t in ts])  # noqa: E731
    (lr, lf), (cr, cf), (yr, yf) = cut(out.low), cut(out.content), cut(out.layout)
    return DiscriminatorOutput(lr, cr, yr), DiscriminatorOutput(lf, cf, yf)


def train(config: OneShotConfig | None, run_dir: str, should_stop: Callable[[], bool] = lambda: False,
          progress: Callable[[TrainingProgress], None] | None = None,
          preview: Callable[[dict], None] | None = None,
          should_pause: Callable[[], None] | None = None, resume: bool = False,
          iterations: int | None = None, max_seconds: float | None = None) -> OneShotTrainer:
    """Train (or resume with resume=True; config may then be None and is read from run_dir).

    progress(TrainingProgress) every cfg.progress_every iterations and at the last one;
    preview(dict(iteration, images, masks?)) every cfg.preview_every iterations;
    should_pause() is called every iteration and may block (e.g. threading.Event.wait);
    max_seconds stops (with a checkpoint) once this much training time has passed."""
    os.makedirs(run_dir, exist_ok=True)
    if resume:
        config = OneShotConfig.load(run_dir)
    if config is None:
        raise OneShotInputError("train: no config (give one, or resume=True to read the run's own)")
    if iterations is not None:
        config.iterations = iterations
    cfg = config
    torch.set_num_threads(max(1, cfg.threads))
    if not resume:
        prepare_run_data(cfg, run_dir)
    cfg.save(run_dir)
    trainer = OneShotTrainer(cfg, run_dir)
    if resume:
        trainer.load()
    timer = StepTimer()
    last_saved = trainer.iteration
    started = time.monotonic()
    while trainer.iteration < cfg.iterations:
        if should_stop() or (max_seconds is not None and time.monotonic() - started > max_seconds):
            break
        if should_pause is not None:
            should_pause()
            if should_stop():
                break
        with timer:
            trainer.step()
        it = trainer.iteration
        if progress is not None and due(it, cfg.progress_every, cfg.iterations):
            progress(TrainingProgress(it, cfg.iterations, timer.mean,
                                      {k: float(v) for k, v in trainer.last_losses.items()}, timer.total))
        if preview is not None and due(it, cfg.preview_every):
            preview({"iteration": it, **trainer.preview_samples()})
        if due(it, cfg.checkpoint_every):
            trainer.save()
            last_saved = it
    if trainer.iteration != last_saved or not os.path.exists(
            os.path.join(run_dir, "checkpoints", "state.json")):
        trainer.save()
    return trainer
