"""Configuration of a one-shot run, derived from the training image size.

Geometry follows the authors' public SIV-GAN/OSMIS implementation:
g = smallest number of generator blocks for which both rounded sides / 2^(g-1) lie in [3, 7].
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from typing import Any

from .. import fileio
from ..regularizers import RegularizerSettings, pop_regularizer_keys
from ..versioned_config import VersionedConfig, in_range, one_of
from .errors import OneShotInputError

G_MULTIPLIERS = [8, 8, 8, 8, 8, 8, 8, 4, 2, 1]
D_MULTIPLIERS = [1, 2, 4, 8, 8, 8, 8, 8, 8]
# g -> (discriminator blocks, of which low-level blocks), from the public code.
D_BLOCKS_BY_G = {5: (6, 2), 6: (7, 3), 7: (7, 3), 8: (7, 4), 9: (8, 4)}
MIN_G, MAX_G = 3, 9
NOISE_RANGE = (3, 7)

ONESHOT_PRESETS: dict[str, dict[str, Any]] = {
    # The thesis / public-code settings.
    "faithful": dict(max_size=330, batch_size=5, lr_g=2e-4, lr_d=2e-4, betas=(0.5, 0.999),
                     ema_decay=0.9999, diffaug_prob=0.3, fa_prob=0.4, div_weight=0.15,
                     bernoulli_warmup_iters=15000, iterations=100000, ch_g=32, ch_d=32,
                     precision="fp32", channels_last=False, reuse_fake_for_g=False,
                     fused_adam=False, resample_in_conv=False, ema_warmup=False,
                     checkpoint_every=5000, preview_every=1000, progress_every=100),
    # Recognisable, diverse samples of a single image in ~20 minutes on a 2-core CPU:
    # smaller image, narrower networks, one generator pass per iteration, a faster EMA that
    # also ramps up (a 0.9999 EMA of a ~1000-iteration run would still be mostly the random
    # initial weights) and a proportionally shorter Bernoulli warm-up (15% of the run).
    # No spectral norm in G and lr 5e-4: with SN on every G layer the initial samples have a
    # spatial std of ~0.01 and the weights cannot simply grow (SN divides the scale away), so
    # after 400-600 iterations G still drew flat colour fields; without it (D keeps SN) G drew
    # structure after ~350 (docs/oneshot-report.md, "CPU preset").
    "cpu": dict(max_size=112, batch_size=5, lr_g=5e-4, lr_d=5e-4, betas=(0.5, 0.999),
                ema_decay=0.995, diffaug_prob=0.3, fa_prob=0.4, div_weight=0.15,
                bernoulli_warmup_iters=450, iterations=3000, ch_g=16, ch_d=16, g_spectral_norm=False,
                precision="fp32", channels_last=True, reuse_fake_for_g=True,
                fused_adam=True, resample_in_conv=True, ema_warmup=True,
                checkpoint_every=500, preview_every=250, progress_every=50),
}


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def generator_geometry(height: int, width: int) -> tuple[int, tuple[int, int]]:
    """Return (g, noise_shape) for an image of height x width (after --max-size scaling).

    Rule of the public code: the smallest g whose rounded quotients side / 2^(g-1) are both in
    [3, 7] (854x480 scaled to max side 330 -> 185x330 -> g=7, noise 3x5). For extreme aspect
    ratios no g qualifies; then the g with the smallest distance of the quotients to the range
    is used (noise sides may then be < 3 or > 7).
    """
    lo, hi = NOISE_RANGE
    best: tuple[int, int, tuple[int, int]] | None = None
    for g in range(MIN_G, MAX_G + 1):
        scale = 2 ** (g - 1)
        nh, nw = max(1, _round_half_up(height / scale)), max(1, _round_half_up(width / scale))
        if lo <= nh <= hi and lo <= nw <= hi:
            return g, (nh, nw)
        miss = sum(max(0, lo - n) + max(0, n - hi) for n in (nh, nw))
        if best is None or miss < best[0]:
            best = (miss, g, (nh, nw))
    assert best is not None  # MIN_G..MAX_G is not empty
    return best[1], best[2]


def discriminator_blocks(g: int) -> tuple[int, int]:
    """(D blocks, low-level blocks) for g generator blocks; below g=5 (tiny images) use g+1, 2."""
    if g in D_BLOCKS_BY_G:
        return D_BLOCKS_BY_G[g]
    return (g + 1, 2) if g < 5 else D_BLOCKS_BY_G[9]


def scaled_size(height: int, width: int, max_size: int | None) -> tuple[int, int]:
    """Scale so the longer side is at most max_size (never upscale)."""
    if not max_size or max(height, width) <= max_size:
        return height, width
    s = max_size / max(height, width)
    return max(1, _round_half_up(height * s)), max(1, _round_half_up(width * s))


@dataclass
class OneShotConfig(VersionedConfig):
    """Stored as a run's config.json. Version 2: the regularisers under "regularizers" (version 1: flat)."""

    VERSION = 2
    ERROR = OneShotInputError
    NESTED = {"regularizers": RegularizerSettings}
    TUPLES = ("source_hw", "scaled_hw", "train_hw", "noise_shape", "betas")

    images: str
    masks: str | None = None
    preset: str = "cpu"
    max_size: int | None = 112
    max_frames: int = 100
    source_hw: tuple[int, int] = (0, 0)
    scaled_hw: tuple[int, int] = (0, 0)
    train_hw: tuple[int, int] = (0, 0)
    noise_shape: tuple[int, int] = (3, 5)
    z_dim: int = 64
    g_blocks: int = 5
    d_blocks: int = 6
    d_low_blocks: int = 2
    num_mask_channels: int = 0  # N = objects + background; 0 means SIV-GAN (no masks)
    ch_g: int = 32
    ch_d: int = 32
    g_channels: list[int] = field(default_factory=list)
    d_channels: list[int] = field(default_factory=list)
    batch_size: int = 5
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    ema_decay: float = 0.9999
    diffaug_prob: float = 0.3
    fa_prob: float = 0.4
    div_weight: float = 0.15
    bernoulli_warmup_iters: int = 15000
    iterations: int = 100000
    precision: str = "fp32"  # "fp32" or "bf16" (autocast; only pays off on CPUs with bf16 units)
    channels_last: bool = False
    reuse_fake_for_g: bool = False
    fused_adam: bool = False
    resample_in_conv: bool = False  # exact conv rewrites of pool/upsample + conv3x3 (layers.py)
    g_spectral_norm: bool = True  # spectral norm on the generator's convs (D always has it)
    ema_warmup: bool = False  # decay_t = min(decay, (1 + t) / (10 + t))
    seed: int = 0
    threads: int = 2
    checkpoint_every: int = 5000
    preview_every: int = 1000
    progress_every: int = 100
    num_frames: int = 1
    regularizers: RegularizerSettings = field(default_factory=RegularizerSettings)  # docs/regularizers.md
    mixdl_anchors: int = 2  # MixDL: anchors z_0 per iteration, each a Dirichlet mix of the batch's latents

    @property
    def use_masks(self) -> bool:
        return self.num_mask_channels > 0

    @property
    def mode(self) -> str:
        return "osmis" if self.use_masks else "sivgan"

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def upgrade(cls, d: dict, version: int) -> dict:
        d = dict(d)
        regs = pop_regularizer_keys(d)
        if regs:
            d["regularizers"] = regs
        return d

    def problems(self) -> list[str]:
        p: list[str] = []
        for name in ("batch_size", "iterations", "max_frames", "num_frames", "threads", "mixdl_anchors"):
            in_range(p, name, getattr(self, name), 1)
        for name in ("lr_g", "lr_d", "div_weight", "bernoulli_warmup_iters", "num_mask_channels",
                     "checkpoint_every", "preview_every", "progress_every"):
            in_range(p, name, getattr(self, name), 0)
        for name in ("ema_decay", "diffaug_prob", "fa_prob"):
            in_range(p, name, getattr(self, name), 0.0, 1.0)
        for i, beta in enumerate(self.betas):
            in_range(p, f"betas[{i}]", beta, 0.0, 1.0)
        one_of(p, "precision", self.precision, ("fp32", "bf16"))
        return p + self.regularizers.problems()

    def save(self, run_dir: str) -> None:
        fileio.atomic_write_bytes(os.path.join(run_dir, "config.json"), self.to_json().encode())

    @classmethod
    def load(cls, run_dir: str) -> OneShotConfig:
        path = os.path.join(run_dir, "config.json")
        try:
            with open(path, encoding="utf-8") as f:
                return cls.from_dict(json.load(f), path)
        except OneShotInputError:
            raise
        except FileNotFoundError:
            raise OneShotInputError(f"{path}: missing (not a one-shot run folder)") from None
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError, ValueError, AttributeError) as e:
            raise OneShotInputError(f"{path}: unreadable config ({e})") from None
        except OSError as e:
            raise OneShotInputError(f"{path}: cannot read ({e.strerror or e})") from None


def config_for_size(height: int, width: int, images: str, masks: str | None = None,
                    num_mask_channels: int = 0, preset: str = "cpu", num_frames: int = 1,
                    **overrides) -> OneShotConfig:
    """Build the full configuration for a source image of height x width."""
    if preset not in ONESHOT_PRESETS:
        raise OneShotInputError(f"preset '{preset}': unknown (choose from {sorted(ONESHOT_PRESETS)})")
    settings = dict(ONESHOT_PRESETS[preset])
    settings.update({k: v for k, v in overrides.items() if v is not None})
    max_size = settings.pop("max_size")
    regs = pop_regularizer_keys(settings)
    if regs.get("asa") and not regs.get("asa_ramp_iters"):
        regs["asa_ramp_iters"] = settings["iterations"]
    settings["regularizers"] = RegularizerSettings(**regs)
    sh, sw = scaled_size(height, width, max_size)
    g, noise = generator_geometry(sh, sw)
    d_blocks, d_low = discriminator_blocks(g)
    scale = 2 ** (g - 1)
    ch_g, ch_d = settings["ch_g"], settings["ch_d"]
    config = OneShotConfig(
        images=images, masks=masks, preset=preset, max_size=max_size,
        source_hw=(height, width), scaled_hw=(sh, sw),
        train_hw=(noise[0] * scale, noise[1] * scale), noise_shape=noise, g_blocks=g,
        d_blocks=d_blocks, d_low_blocks=d_low, num_mask_channels=num_mask_channels,
        g_channels=[m * ch_g for m in G_MULTIPLIERS[-(g + 1):]],
        d_channels=[m * ch_d for m in D_MULTIPLIERS[:d_blocks + 1]],
        num_frames=num_frames, **settings)
    config.validate()
    return config
