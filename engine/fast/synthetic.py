"""Random-weight models and synthetic inputs for benchmarks and tests (no data or weights needed).

Label maps look like scene layouts (a dozen regions with irregular boundaries), noise is a global z
or a map with resampled regions, edits are brush strokes -- what the editor produces.
"""

from __future__ import annotations

import numpy as np
import torch

from ..api import OasisModel
from ..config import DiscriminatorConfig, GeneratorConfig, ModelConfig
from ..errors import InputError
from ..oasis_discriminator import OasisDiscriminator
from ..oasis_generator import OasisGenerator
from ..presets import default_palette, get_preset


def random_model(preset: str = "ade20k", seed: int = 0, base_width: int | None = None,
                 height: int | None = None, width: int | None = None, semantic_nc: int | None = None,
                 with_discriminator: bool = True, device: str = "cpu", upsample: str = "nearest") -> OasisModel:
    """An OasisModel with PyTorch's default random init and random folded BatchNorm statistics."""
    p = get_preset(preset)
    if p is None:
        raise InputError(f"unknown preset {preset!r}")
    nc = semantic_nc or p.semantic_nc
    h, w = height or p.height, width or p.width
    gcfg = GeneratorConfig(semantic_nc=nc, base_width=base_width or 64, upsample=upsample)
    dcfg = DiscriminatorConfig(semantic_nc=nc) if with_discriminator else None
    names = tuple(p.class_names[:nc]) if nc <= p.semantic_nc else tuple(f"class {i}" for i in range(nc))
    cfg = ModelConfig(generator=gcfg, discriminator=dcfg, height=h, width=w, class_names=names,
                      palette=tuple(default_palette(nc)), dataset=preset,
                      provenance={"source": "random weights (benchmark)", "seed": seed})
    torch.manual_seed(seed)
    gen = OasisGenerator(gcfg).eval()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, buf in gen.named_buffers():
            if name.endswith("scale"):
                buf.copy_(torch.rand(buf.shape, generator=g) + 0.5)
            elif name.endswith("shift"):
                buf.copy_(torch.randn(buf.shape, generator=g) * 0.1)
    disc = OasisDiscriminator(dcfg).eval() if dcfg is not None else None
    for p_ in list(gen.parameters()) + (list(disc.parameters()) if disc is not None else []):
        p_.requires_grad_(False)
    return OasisModel(cfg, gen, disc, torch.device(device))


def scene_labels(height: int, width: int, num_classes: int, seed: int = 0, regions: int = 14) -> np.ndarray:
    """A layout of `regions` areas with wavy boundaries (nearest seed point under a smooth warp)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    warp = np.zeros((2, height, width), np.float32)
    for _ in range(4):
        fy, fx = rng.uniform(0.5, 4, 2) * 2 * np.pi / np.array([height, width])
        ph = rng.uniform(0, 2 * np.pi, 2)
        amp = rng.uniform(3, 12)
        warp[0] += amp * np.sin(fy * yy + fx * xx + ph[0])
        warp[1] += amp * np.cos(fx * yy - fy * xx + ph[1])
    pts = rng.uniform(0, 1, (regions, 2)) * [height, width]
    d = ((yy + warp[0])[None] - pts[:, 0, None, None]) ** 2 + ((xx + warp[1])[None] - pts[:, 1, None, None]) ** 2
    classes = rng.choice(np.arange(1, num_classes), size=regions, replace=num_classes - 1 < regions)
    return classes[d.argmin(0)].astype(np.int64)


def stroke_mask(height: int, width: int, fraction: float, seed: int = 0, radius: int | None = None) -> np.ndarray:
    """A brush stroke (a random walk of disks) covering about `fraction` of the image."""
    rng = np.random.default_rng(seed)
    radius = radius or max(2, round(min(height, width) * 0.04))
    yy, xx = np.mgrid[0:height, 0:width]
    mask = np.zeros((height, width), bool)
    y, x = rng.uniform(0.3, 0.7) * height, rng.uniform(0.3, 0.7) * width
    angle = rng.uniform(0, 2 * np.pi)
    target = fraction * height * width
    for _ in range(10000):
        if mask.sum() >= target:
            break
        mask |= (yy - y) ** 2 + (xx - x) ** 2 <= radius ** 2
        angle += rng.normal(0, 0.4)
        y = float(np.clip(y + radius * 0.7 * np.sin(angle), 0, height - 1))
        x = float(np.clip(x + radius * 0.7 * np.cos(angle), 0, width - 1))
    return mask


def paint(labels: np.ndarray, mask: np.ndarray, cls: int) -> np.ndarray:
    out = labels.copy()
    out[mask] = cls
    return out


def resample_noise(noise: np.ndarray, mask: np.ndarray, seed: int) -> np.ndarray:
    """A (z, H, W) map whose masked pixels get a new z (one vector, as the editor's region resample)."""
    z: int = noise.shape[0]
    out = np.array(np.broadcast_to(noise[:, None, None], (z, *mask.shape)) if noise.ndim == 1 else noise)
    out[:, mask] = np.random.default_rng(seed).standard_normal(z).astype(np.float32)[:, None]
    return out
