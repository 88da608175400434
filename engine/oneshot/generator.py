"""SIV-GAN / OSMIS generator: noise -> ConvTranspose(kernel = noise shape) -> g residual blocks,
an RGB image after every block (multi-scale outputs) and, for OSMIS, a soft mask head."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from .config import OneShotConfig
from .layers import GBlock, sn_conv


@dataclass
class GeneratorOutput:
    images: list[torch.Tensor]  # low -> high resolution, each (B, 3, h, w) in [-1, 1]
    features: list[torch.Tensor]  # raw block outputs (tanh is applied by the diversity loss)
    mask_soft: torch.Tensor | None  # (B, N, H, W) softmax probabilities, OSMIS only


class Generator(nn.Module):
    def __init__(self, cfg: OneShotConfig):
        super().__init__()
        ch = cfg.g_channels
        self.z_dim = cfg.z_dim
        sn = cfg.g_spectral_norm
        noise_to_map = nn.ConvTranspose2d(cfg.z_dim, ch[0], cfg.noise_shape)
        self.noise_to_map = spectral_norm(noise_to_map) if sn else noise_to_map
        self.blocks = nn.ModuleList(GBlock(ch[i], ch[i + 1], first=(i == 0),
                                           resample_in_conv=cfg.resample_in_conv, sn=sn)
                                    for i in range(cfg.g_blocks))
        self.to_rgb = nn.ModuleList(sn_conv(ch[i + 1], 3, 3, sn=sn) for i in range(cfg.g_blocks))
        self.mask_head = sn_conv(ch[-1], cfg.num_mask_channels, 3, sn=sn) if cfg.use_masks else None

    def sample_noise(self, batch: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(batch, self.z_dim, 1, 1, generator=generator)

    def forward(self, z: torch.Tensor) -> GeneratorOutput:
        x = self.noise_to_map(z)
        images, features = [], []
        for block, to_rgb in zip(self.blocks, self.to_rgb, strict=True):
            x = block(x)
            features.append(x)
            images.append(torch.tanh(to_rgb(x)))
        mask = torch.softmax(self.mask_head(x), dim=1) if self.mask_head is not None else None
        return GeneratorOutput(images, features, mask)
