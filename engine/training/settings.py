"""Training hyperparameters, stored in the run folder so a resumed run trains exactly as it started."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..precision import TRAINING_PRECISIONS
from ..regularizers import RegularizerSettings, pop_regularizer_keys
from ..versioned_config import VersionedConfig, in_range, one_of
from .augment import AugmentSettings


@dataclass(frozen=True)
class TrainSettings(VersionedConfig):
    """Stored as run.json's "settings". Version 2: the regularisers under "regularizers" (version 1: flat,
    and before trainer version 2 a `bf16` switch instead of `precision`)."""

    VERSION = 2
    NESTED = {"augment": AugmentSettings, "regularizers": RegularizerSettings}

    iterations: int = 5000
    batch_size: int = 4
    lr_g: float = 1e-4  # public recipe (Adam betas 0, 0.999)
    lr_d: float = 4e-4
    beta1: float = 0.0
    beta2: float = 0.999
    lambda_labelmix: float = 10.0
    # The public 0.9999 suits 200 epochs on 20k images; a few thousand iterations need a shorter memory.
    ema_decay: float = 0.999
    bn_batches: int = 50  # batches for the EMA generator's BatchNorm statistics before each save
    per_class_noise_prob: float = 0.25  # share of samples whose noise differs per class (3D noise use)
    seed: int = 0
    checkpoint_every: int = 200
    sample_every: int = 200
    snapshot_every: int = 1000  # keep a copy of the checkpoint (to step back after a collapse)
    # "auto": bf16 autocast on CPUs with AMX and on CUDA, fp32 elsewhere (bf16 is emulated and slower
    # on other CPUs), decided per start by engine/precision.py; "fp32" / "bf16" force one.
    precision: str = "auto"
    channels_last: bool = False
    augment: AugmentSettings = field(default_factory=AugmentSettings)
    copy_paste_prob: float = 0.3
    min_zoom: float = 0.9  # "ours": a photo's short side maps to frame x zoom, zoom in [min_zoom, max_zoom]
    max_zoom: float = 1.3
    data_augment: str = "ours"  # or "public": the public code's resize / crop / flip (engine.training.stream)
    height: int = 0  # model frame (0: the architecture preset's size); "public" trains on height x width crops
    width: int = 0
    load_scale: float = 286 / 256  # "public": resize to this x the frame before the random crop
    regularizers: RegularizerSettings = field(default_factory=RegularizerSettings)  # docs/regularizers.md
    mixdl_latents: int = 3  # MixDL: N latents mixed into one anchor, all rendered with one batch label map
    # G's feature distance to the photo of its crop (engine/training/reconstruction.py); 0: OASIS as published
    lambda_perceptual: float = 0.0

    @classmethod
    def upgrade(cls, d: dict, version: int) -> dict:
        d = dict(d)
        if "bf16" in d:  # run.json of trainer version 1: a bf16 switch, off unless asked for
            d.setdefault("precision", "bf16" if d.pop("bf16") else "fp32")
        regs = pop_regularizer_keys(d)
        if regs:
            d["regularizers"] = regs
        return d

    def problems(self) -> list[str]:
        p: list[str] = []
        for name in ("iterations", "batch_size", "mixdl_latents"):
            in_range(p, name, getattr(self, name), 1)
        for name in ("lr_g", "lr_d", "lambda_labelmix", "lambda_perceptual", "bn_batches", "checkpoint_every",
                     "sample_every", "snapshot_every", "height", "width"):
            in_range(p, name, getattr(self, name), 0)
        for name in ("beta1", "beta2", "ema_decay", "per_class_noise_prob", "copy_paste_prob"):
            in_range(p, name, getattr(self, name), 0.0, 1.0)
        one_of(p, "precision", self.precision, TRAINING_PRECISIONS)
        one_of(p, "data_augment", self.data_augment, ("ours", "public"))
        if not 0 < self.min_zoom <= self.max_zoom:
            p.append(f"zoom range must satisfy 0 < min_zoom <= max_zoom (got {self.min_zoom}, {self.max_zoom})")
        return p + self.regularizers.problems()
