"""The OASIS training loop (thesis ch. 4; recipe in shared/docs/oasis-checkpoints.md).

Per iteration: a generator step (class-balanced N+1 loss of D on G's images against the real labels),
then a discriminator step (fake -> channel 0, real -> class + 1 with class balancing, LabelMix), then
the EMA update. The loop knows nothing about a UI: callers pass `should_stop()` and
`progress(engine.trainloop.TrainingProgress)`.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..discriminators import build_discriminator, trainable_parameters
from ..errors import InputError
from ..feature_discriminator import FeatureDiscriminator
from ..fileio import atomic_write_text
from ..oasis_generator import OasisGenerator, make_condition
from ..precision import training_dtype
from ..regularizers import (
    FeatureTap,
    RegularizerState,
    adaptivemix_loss,
    asa_ce_bound_logits,
    asa_strength,
    dirichlet_coefficients,
    mix_pairs,
    mixdl_anchor,
    mixdl_kl,
)
from ..trainloop import StepTimer, TrainingProgress, due
from . import checkpoint as ckpt
from .augment import augment_image, augment_labels, augment_mask, draw_params
from .distributed import Distributed
from .ema import ema_decay_at, recollect_batchnorm, update_ema
from .losses import labelmix_loss, labelmix_mask, n_plus_1_loss
from .presets import ArchPreset
from .reconstruction import FeatureReconstruction
from .samples import write_sample_grid
from .settings import TrainSettings
from .stream import (
    CropDataset,
    CropSettings,
    FileSource,
    GlobalBatchSampler,
    MemorySource,
    batch_loader,
    to_model_range,
)

RUN_FILE = "run.json"
# 2: discriminator kinds (arch.d_kind) and settings.precision; a version-1 run.json (no version field)
# reads as a U-Net run with its bf16 switch, so older runs resume unchanged.
TRAINER_VERSION = 2
CONDITIONING_STREAM = 2**32  # crop stream of the feature D's conditioning fit (EMA BN uses 1 + iteration)
MIXDL_PROJECTION = 16  # output channels of MixDL's linear (per-pixel) projection head on D's features


@dataclass
class RunSpec:
    """Everything fixed for the life of a run (saved as run.json)."""

    preset_name: str
    arch: ArchPreset
    class_names: tuple
    palette: tuple
    unknown_index: int
    settings: TrainSettings
    data: dict  # where the pairs came from (paths, split, photo names), for provenance

    def to_json(self) -> str:
        return json.dumps({"trainer_version": TRAINER_VERSION, "preset": self.preset_name, "arch": asdict(self.arch),
                           "class_names": list(self.class_names), "palette": [list(c) for c in self.palette],
                           "unknown_index": self.unknown_index, "settings": self.settings.to_dict(),
                           "data": self.data}, indent=1)

    @staticmethod
    def load(run_dir: Path) -> RunSpec:
        path = Path(run_dir) / RUN_FILE
        try:
            d = json.loads(path.read_text())
            version = d.get("trainer_version", 1)
            if not isinstance(version, int) or version > TRAINER_VERSION:
                raise InputError(f"run folder written by a newer trainer (version {version!r}; this one reads "
                                 f"versions up to {TRAINER_VERSION}): continue it with that version", path)
            arch = dict(d["arch"])
            arch["d_widths"] = tuple(arch["d_widths"])
            if "d_decoder_widths" in arch:
                arch["d_decoder_widths"] = tuple(arch["d_decoder_widths"])
            settings = dict(d["settings"])
            if version == 1:  # trainer version 1 predates the settings' own version: they are version 1
                settings.pop("version", None)
            return RunSpec(d["preset"], ArchPreset(**arch), tuple(d["class_names"]),
                           tuple(tuple(c) for c in d["palette"]), d["unknown_index"],
                           TrainSettings.from_dict(settings, path), d["data"])
        except InputError:
            raise
        except FileNotFoundError:
            raise InputError("not a training run folder (run.json missing)", path) from None
        except (ValueError, KeyError, TypeError) as e:
            raise InputError(f"unreadable run description ({e.__class__.__name__}: {e})", path) from None


@torch.no_grad()
def init_weights(module: nn.Module, gain: float = 0.02) -> None:
    """Zero biases; xavier_normal(gain 0.02) for the plain convolutions, as the public code.

    Spectral-norm convolutions keep PyTorch's default initialisation, which is what the public code
    effectively does too (its init touches the derived `weight`, recomputed at the next forward).
    Measured here: with the un-normalised weight at xavier 0.02 scale, Adam's first sign-like steps
    (lr 4e-4) are larger than the weight itself, the one-step power iteration cannot follow, sigma is
    underestimated up to ~2000x and the losses explode at the third iteration.
    """
    for m in module.modules():
        if isinstance(m, nn.Conv2d) and any(p.requires_grad for p in m.parameters()):  # frozen ones stay as loaded
            if m.bias is not None:
                nn.init.zeros_(m.bias)
            if not hasattr(m, "parametrizations"):
                nn.init.xavier_normal_(m.weight, gain=gain)


def frame_of(spec: RunSpec) -> tuple[int, int]:
    """(height, width) of the model's frame: what export writes and a photo's short side maps to."""
    return spec.settings.height or spec.arch.size, spec.settings.width or spec.arch.size


def crop_settings(spec: RunSpec) -> CropSettings:
    s, a = spec.settings, spec.arch
    h, w = frame_of(spec)
    if s.data_augment == "public":
        return CropSettings("public", h, w, min(h, w), flip=True, copy_paste_prob=0.0, load_scale=s.load_scale)
    side = min(a.crop, h, w)
    return CropSettings("ours", side, side, min(h, w), s.min_zoom, s.max_zoom, True, s.copy_paste_prob)


class OasisTrainer:
    """`data`: a DatasetSource (streamed from disk) or a list of TrainingPair (in memory). `dist` is the
    process group of a torchrun launch (engine.training.distributed); `workers` DataLoader processes."""

    def __init__(self, run_dir: Path, spec: RunSpec, data, workers: int = 0, dist: Distributed | None = None):
        self.run_dir, self.spec = Path(run_dir), spec
        self.pairs = MemorySource(data) if isinstance(data, list) else FileSource(data)
        self.dist = dist or Distributed()
        self.workers, self.device = workers, self.dist.device
        s, n = spec.settings, len(spec.class_names)
        self.num_classes = n
        self.gcfg, self.dcfg = spec.arch.generator(n), spec.arch.discriminator(n)
        torch.manual_seed(s.seed)
        self.G = OasisGenerator(self.gcfg, trainable=True)
        self.D = build_discriminator(self.dcfg, trainable=True, pretrained=True)
        init_weights(self.G)
        init_weights(self.D)
        self.d_params = trainable_parameters(self.D)
        self.dtype = training_dtype(s.precision, self.device)
        self.EMA = OasisGenerator(self.gcfg, trainable=True)
        self.EMA.load_state_dict(self.G.state_dict())
        for p in self.EMA.parameters():
            p.requires_grad_(False)
        for m in (self.G, self.D, self.EMA):
            m.to(self.device)
        if s.channels_last:
            for m in (self.G, self.D, self.EMA):
                # Module.to takes memory_format (torch's docs); its typed overloads leave it out
                m.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        self.dist.synchronise_batchnorm(self.G)  # the training G only: the EMA's are recollected on rank 0
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=s.lr_g, betas=(s.beta1, s.beta2))
        self.opt_d = torch.optim.Adam(self.d_params, lr=s.lr_d, betas=(s.beta1, s.beta2))
        if isinstance(self.D, FeatureDiscriminator):  # before DDP's wrap (the same on every rank anyway)
            self._fit_feature_conditioning()
        self.G_step, self.D_step = self.dist.wrap(self.G), self.dist.wrap(self.D)
        self.gen = torch.Generator().manual_seed(s.seed)  # noise, augmentation, LabelMix (of the global batch)
        self.np_rng = np.random.default_rng(s.seed)  # kept in checkpoints for older runs; batches are keyed
        self.crop = crop_settings(spec)
        self.dataset = CropDataset(self.pairs, self.crop, s.seed, spec.unknown_index)
        self._batches, self._batches_at = None, -1
        self.iteration, self.train_seconds = 0, 0.0
        self.last_losses: dict[str, float] = {}
        self._bn_fresh_at = -1  # iteration at which the EMA BN statistics were last recollected
        self.reg, self.opt_p = self._build_regularizers()
        self.perceptual = self._build_perceptual()

    def _fit_feature_conditioning(self, batches: int = 8) -> None:
        """The feature D's fixed channel standardisation from real crops, drawn from a stream of their own
        (so the training stream is the same as without). A resumed run restores it from the checkpoint."""
        s = self.spec.settings
        dataset = CropDataset(self.pairs, crop_settings(self.spec), s.seed, self.spec.unknown_index,
                              stream=CONDITIONING_STREAM)
        keys = GlobalBatchSampler(len(self.pairs), s.batch_size, 0, 1, s.seed + 2, 0, batches)
        images = torch.cat([to_model_range(im) for im, _ in batch_loader(dataset, keys, 0, False)])
        assert isinstance(self.D, FeatureDiscriminator)  # only that D has a conditioning to fit
        self.D.fit_conditioning(images.to(self.device), seed=s.seed)

    def _build_regularizers(self):
        """State of the optional regularisers; None when all are off, so baseline runs are unchanged.
        D's features are the input of its last 1x1 convolution (B x C x H x W, C = last_width)."""
        s = self.spec.settings
        regs = s.regularizers
        if not regs.any:
            return None, None
        self._d_feat = FeatureTap(self._d_last_layer())
        self._g_feat = FeatureTap(self.G.body[len(self.G.body) // 2], output=True)
        width = self.dcfg.last_width
        reg = RegularizerState(width, MIXDL_PROJECTION if regs.mixdl else 0, width if regs.asa else 0)
        opt_p = (torch.optim.Adam(reg.proj.parameters(), lr=s.lr_d, betas=(s.beta1, s.beta2))
                 if reg.proj is not None else None)  # a projection head exists when MixDL is on
        return reg, opt_p

    def _build_perceptual(self) -> FeatureReconstruction | None:
        """G's feature distance to the photo of its crop, when asked for; shares the feature D's backbone."""
        if not self.spec.settings.lambda_perceptual:
            return None
        backbone = self.D.backbone if isinstance(self.D, FeatureDiscriminator) else None
        loss = FeatureReconstruction(backbone)
        if backbone is None:
            loss._backbone[0].to(self.device)
        return loss

    def _d_last_layer(self) -> nn.Conv2d:
        """D's last 1x1 convolution (both kinds of D have one): its input is the feature the regularisers use."""
        last = self.D.layer_up_last
        assert isinstance(last, nn.Conv2d)
        return last

    # -- pieces --------------------------------------------------------------------------------
    def autocast(self):
        return torch.autocast(self.device.type, dtype=self.dtype) if self.dtype != torch.float32 else nullcontext()

    def _d_requires_grad(self, flag: bool) -> None:
        for p in self.d_params:  # never the feature D's frozen backbone
            p.requires_grad_(flag)

    def _layout(self, t: torch.Tensor) -> torch.Tensor:
        return t.contiguous(memory_format=torch.channels_last) if self.spec.settings.channels_last else t

    def noise(self, labels: torch.Tensor, gen: torch.Generator, share: bool = False) -> torch.Tensor:
        """Global z per sample (the public code's 3D noise, constant over the image); for some samples
        one z per class instead, so the generator also learns region-wise noise for local resampling.
        With `share`, the draws are made for the whole global batch and this process keeps its rows."""
        b, h, w = labels.shape
        z = self.gcfg.z_dim
        rows = self.dist.rows if share else slice(None)
        n = b * self.dist.world if share else b
        glob = torch.randn(n, z, generator=gen)[rows].to(self.device)[:, :, None, None].expand(b, z, h, w)
        per_class = torch.randn(n, self.num_classes, z, generator=gen)[rows].to(self.device)
        pick = (torch.rand(n, generator=gen) < self.spec.settings.per_class_noise_prob)[rows].to(self.device)
        local = torch.stack([per_class[i][labels[i]].permute(2, 0, 1) for i in range(b)])
        return torch.where(pick[:, None, None, None], local, glob)

    def condition(self, labels: torch.Tensor, gen: torch.Generator, share: bool = False) -> torch.Tensor:
        return self._layout(make_condition(labels, self.noise(labels, gen, share), self.gcfg))

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        """This process's share of the global batch of the current iteration (uint8 images, labels)."""
        batches = self._batches
        if batches is None or self._batches_at != self.iteration:
            batches = self._batches = self._batch_stream()
        try:
            images, labels = next(batches)
        except StopIteration:  # stepped past the run's planned iterations (a caller's own loop)
            batches = self._batches = self._batch_stream()
            images, labels = next(batches)
        self._batches_at = self.iteration + 1
        return images.to(self.device, non_blocking=True), labels.to(self.device, non_blocking=True)

    def _batch_stream(self):
        s = self.spec.settings
        sampler = GlobalBatchSampler(len(self.pairs), s.batch_size, self.dist.rank, self.dist.world, s.seed,
                                     self.iteration, max(s.iterations, self.iteration + 1))
        return iter(batch_loader(self.dataset, sampler, self.workers, self.device.type == "cuda"))

    def _draw_augment(self, b: int, h: int, w: int):
        return self.dist.share_params(draw_params(b * self.dist.world, h, w, self.spec.settings.augment, self.gen),
                                      self.device)

    def step(self) -> dict:
        s, unk = self.spec.settings, self.spec.unknown_index
        regs = s.regularizers
        images, lab = self.next_batch()
        real = self._layout(to_model_range(images))
        cond = self.condition(lab, self.gen, share=True)
        b, _, h, w = real.shape
        counts = self.dist.sum_counts  # class-balancing weights over the global batch

        # generator step: D must see G's images as the real classes of the label map
        self.G.train()
        self._d_requires_grad(False)
        p = self._draw_augment(b, h, w)
        with self.autocast():
            fake = self.G_step(cond)
            out = self.D(augment_image(fake, p))
        loss_g = n_plus_1_loss(out, augment_labels(lab, p, unk), for_real=True, unknown_index=unk, reduce=counts)
        reg_losses = {}
        if self.perceptual is not None:  # the un-augmented image against the photo of the same crop
            with self.autocast():
                reg_losses["g_perceptual"] = self.perceptual(fake, real)
            loss_g = loss_g + s.lambda_perceptual * reg_losses["g_perceptual"]
        if regs.mixdl:
            c, mixdl_fake, reg_losses["g_mixdl"] = self._g_mixdl(lab)
            loss_g = loss_g + regs.mixdl_lambda_g * reg_losses["g_mixdl"]
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        self._d_requires_grad(True)

        # discriminator step on the same fake (saves a generator forward), new augmentation draw
        p = self._draw_augment(b, h, w)
        lab_a = augment_labels(lab, p, unk)
        real_a, fake_a = augment_image(real, p), augment_image(fake.detach(), p)
        mask = augment_mask(labelmix_mask(lab, self.num_classes, self.gen, self.dist.world, self.dist.rows), p)
        mixed = mask * real_a + (1 - mask) * fake_a
        with self.autocast():
            d_fake, d_real, d_mixed = self.D_step(self._layout(torch.cat((fake_a, real_a, mixed)))).split(b)
        loss_fake = n_plus_1_loss(d_fake, lab_a, for_real=False)
        loss_real = n_plus_1_loss(d_real, lab_a, for_real=True, unknown_index=unk, reduce=counts)
        loss_lm = labelmix_loss(mask, d_mixed, d_fake, d_real)
        loss_d = loss_fake + loss_real + s.lambda_labelmix * loss_lm
        if self.reg is not None:
            feats = self._d_feat.read().float()
            if regs.asa:  # train on the CE upper bound under N(0, lam * Sigma) perturbations of D's features
                fake_f, real_f = feats[:b], feats[b:2 * b]
                lam = asa_strength(regs.asa, self.iteration, regs.asa_ramp_iters or s.iterations)
                weight = self._d_last_layer().weight.flatten(1).float()
                cov_f = self.reg.update_covariance("fake", fake_f.permute(0, 2, 3, 1).reshape(-1, fake_f.shape[1]))
                cov_r = self.reg.update_covariance("real", real_f.permute(0, 2, 3, 1).reshape(-1, real_f.shape[1]))
                fake_bound_logits = asa_ce_bound_logits(d_fake.float(), torch.zeros_like(lab_a), weight, cov_f, lam)
                bound_fake = n_plus_1_loss(fake_bound_logits, lab_a, for_real=False)
                bound_real = n_plus_1_loss(asa_ce_bound_logits(d_real.float(), lab_a + 1, weight, cov_r, lam),
                                           lab_a, for_real=True, unknown_index=unk)
                reg_losses["d_asa"] = bound_fake + bound_real - loss_fake - loss_real
                loss_d = loss_d + reg_losses["d_asa"]
            if regs.adaptivemix:  # features of mixed reals towards the same mix of the reals' features
                real_f = feats[b:2 * b]
                mixed_real, partner, lam_mix = mix_pairs(real_a, self.gen)
                with self.autocast():
                    self.D(self._layout(mixed_real))
                reg_losses["d_adaptivemix"] = adaptivemix_loss(self._d_feat.read().float(), real_f, partner, lam_mix)
                loss_d = loss_d + regs.adaptivemix * reg_losses["d_adaptivemix"]
            if regs.mixdl:  # projected D features of the anchor image keep the latent mix weights
                with self.autocast():
                    self.D(self._layout(mixdl_fake.detach()))
                proj = self.reg.proj(self._d_feat.read().float().movedim(1, -1)).flatten(1)
                n = len(proj) - 1
                reg_losses["d_mixdl"] = mixdl_kl(proj[n:], proj[None, :n], c)
                loss_d = loss_d + regs.mixdl_lambda_d * reg_losses["d_mixdl"]
        self.opt_d.zero_grad(set_to_none=True)
        if self.opt_p is not None:
            self.opt_p.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_d.step()
        if self.opt_p is not None:
            self.opt_p.step()

        update_ema(self.EMA, self.G, ema_decay_at(self.iteration, s.ema_decay))
        self.iteration += 1
        return {"g": loss_g.item(), "d_fake": loss_fake.item(), "d_real": loss_real.item(), "d_lm": loss_lm.item(),
                **{k: v.item() for k, v in reg_losses.items()}}

    def _g_mixdl(self, lab: torch.Tensor):
        """MixDL on G: N latents and their Dirichlet-mixed anchor, rendered with the batch's first label map
        (so the features differ only through the noise); KL(q || p) on the middle block's activations.
        Returns (c, the N+1 images for D's term, the loss)."""
        n, zd = self.spec.settings.mixdl_latents, self.gcfg.z_dim
        z = torch.randn(1, n, zd, generator=self.gen)
        c = dirichlet_coefficients(1, n, self.gen)
        allz = torch.cat([z[0], mixdl_anchor(z, c)])  # N + 1 global latents, the anchor last
        labels = lab[:1].expand(n + 1, *lab.shape[1:])
        cond = self._layout(make_condition(labels, allz[:, :, None, None].expand(-1, -1, *lab.shape[1:]), self.gcfg))
        with self.autocast():
            images = self.G(cond)
        feats = self._g_feat.read().float().flatten(1)
        return c, images, mixdl_kl(feats[n:], feats[None, :n], c)

    def recollect_ema_statistics(self) -> None:
        """BN statistics of the EMA generator from `bn_batches` fresh batches. A separate, iteration-
        seeded random stream keeps the training stream (and so resumption) unaffected."""
        s = self.spec.settings
        rng = np.random.default_rng([s.seed, self.iteration, 1])
        gen = torch.Generator().manual_seed(int(rng.integers(2**62)))
        dataset = CropDataset(self.pairs, self.crop, s.seed, self.spec.unknown_index, stream=1 + self.iteration)
        keys = GlobalBatchSampler(len(self.pairs), s.batch_size, 0, 1, int(rng.integers(2**31)), 0, s.bn_batches)
        batches = iter(batch_loader(dataset, keys, self.workers, False))

        def cond(_):
            _, labels = next(batches)
            return self.condition(labels.to(self.device), gen)

        recollect_batchnorm(self.EMA, cond, s.bn_batches, self.autocast)
        self._bn_fresh_at = self.iteration

    # -- persistence ---------------------------------------------------------------------------
    def _state(self) -> dict:
        return {"iteration": self.iteration, "train_seconds": self.train_seconds, "last_losses": self.last_losses,
                "numpy_rng": self.np_rng.bit_generator.state, "ema_bn_recollected": True}

    def _modules(self) -> dict:
        return {"G": self.G, "D": self.D, "EMA": self.EMA, **({"REG": self.reg} if self.reg is not None else {})}

    def _optimizers(self) -> dict:
        return {"g": self.opt_g, "d": self.opt_d, **({"proj": self.opt_p} if self.opt_p is not None else {})}

    def save(self) -> Path | None:
        """Rank 0 alone writes the (atomic) checkpoint; other processes return None."""
        if not self.dist.is_main:
            return None
        if self._bn_fresh_at != self.iteration:
            self.recollect_ema_statistics()
        rng = {"generator": self.gen.get_state(), "torch_global": torch.get_rng_state()}
        path = ckpt.save_checkpoint(self.run_dir, self._modules(), self._optimizers(), rng, self._state())
        s = self.spec.settings
        if s.snapshot_every and self.iteration % s.snapshot_every == 0 and self.iteration:
            snap = self.run_dir / "snapshots" / f"iter_{self.iteration:06d}.safetensors"
            snap.parent.mkdir(exist_ok=True)
            shutil.copyfile(path, snap)
        return path

    def resume(self) -> None:
        path = self.run_dir / ckpt.CHECKPOINT_FILE
        tensors, state = ckpt.read_checkpoint(path)
        ckpt.restore_modules(tensors, self._modules(), path)
        ckpt.restore_optimizers(tensors, state, self._optimizers())
        self.gen.set_state(tensors["rng.generator"])
        torch.set_rng_state(tensors["rng.torch_global"])
        self.np_rng.bit_generator.state = state["numpy_rng"]
        self._batches = None
        self.iteration, self.train_seconds = state["iteration"], state["train_seconds"]
        self.last_losses = state.get("last_losses", {})
        self._apply_learning_rates()  # may have been changed for the continuation (recorded in run.json)

    def _apply_learning_rates(self) -> None:
        """The run's rates over those restored with the Adam state (which carry the source run's)."""
        for opt, lr in ((self.opt_g, self.spec.settings.lr_g), (self.opt_d, self.spec.settings.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr

    def init_from(self, checkpoint: Path) -> dict:
        """Start this (new) run from another run's networks: G, D, EMA and their Adam moments; the
        iteration count, RNGs and any regulariser state start fresh, so a fine-tune of a trained model
        (e.g. the bundled one, on your own photos, or with a regulariser) counts its own iterations."""
        checkpoint = Path(checkpoint)
        tensors, state = ckpt.read_checkpoint(checkpoint)
        ckpt.restore_modules(tensors, {"G": self.G, "D": self.D, "EMA": self.EMA}, checkpoint)
        ckpt.restore_optimizers(tensors, state, {"g": self.opt_g, "d": self.opt_d})
        self._apply_learning_rates()
        return {"checkpoint": str(checkpoint), "iteration": state["iteration"]}

    def write_samples(self) -> Path | None:
        if not self.dist.is_main:
            return None
        out = self.run_dir / "samples" / f"iter_{self.iteration:06d}.png"
        if self._bn_fresh_at != self.iteration:
            self.recollect_ema_statistics()
        write_sample_grid(self, out)
        return out

    # -- the loop ------------------------------------------------------------------------------
    def train(self, should_stop: Callable[[], bool] = lambda: False,
              progress: Callable[[TrainingProgress], None] = lambda p: None) -> dict:
        s = self.spec.settings
        if self.dist.is_main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self.spec.data["distributed"] = {"world_size": self.dist.world,
                                             "per_process_batch": s.batch_size // self.dist.world,
                                             "backend": self.dist.backend}
            atomic_write_text(self.run_dir / RUN_FILE, self.spec.to_json())
        stop = self.dist.agree(should_stop())  # every process stops at the same iteration
        timer = StepTimer()
        saved_at = self.iteration  # a resumed run's starting point is on disk already
        while self.iteration < s.iterations and not stop:
            with timer:
                losses = self.dist.mean_losses(self.step())  # of the global batch, for the log
            self.train_seconds += timer.last
            if not all(np.isfinite(v) for v in losses.values()):
                raise FloatingPointError(f"non-finite loss at iteration {self.iteration}: {losses}")
            self.last_losses = losses
            checkpoint = samples = ""
            # a snapshot iteration is saved even off the checkpoint period (250 with 200 would give one per 1000)
            snapshot_due = due(self.iteration, s.snapshot_every)
            if (due(self.iteration, s.checkpoint_every, s.iterations) or snapshot_due) and self.dist.is_main:
                checkpoint, saved_at = str(self.save()), self.iteration
            if s.sample_every and due(self.iteration, s.sample_every, s.iterations) and self.dist.is_main:
                samples = str(self.write_samples())
            if self.dist.is_main:
                progress(TrainingProgress(self.iteration, s.iterations, timer.mean, losses, self.train_seconds,
                                          checkpoint, samples))
            stop = self.dist.agree(should_stop())
        if self.iteration != saved_at:
            self.save()  # stopped early: keep what was trained (other ranks return at once)
        return self._state()
