"""The OASIS generator (thesis ch. 4): SPADE residual blocks conditioned on labels and 3D noise.

Noise is an explicit input: the condition is `cat(noise_map, onehot_labels)`, noise channels first, as
in the public code. A global z is just a noise map that is constant over the image; a spatially varying
map lets one region be resampled while the rest stays fixed. Nothing random happens in `forward`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import SIZE_MULTIPLE, GeneratorConfig
from .layers import param_free_norm, sn_conv

LRELU = 0.2


class SPADE(nn.Module):
    def __init__(self, cfg: GeneratorConfig, norm_nc: int, trainable: bool):
        super().__init__()
        ks = cfg.spade_ks
        self.first_norm = param_free_norm(cfg.param_free_norm, norm_nc, trainable)
        self.mlp_shared = nn.Conv2d(cfg.cond_channels, cfg.spade_hidden, ks, padding=ks // 2)
        self.mlp_gamma = nn.Conv2d(cfg.spade_hidden, norm_nc, ks, padding=ks // 2)
        self.mlp_beta = nn.Conv2d(cfg.spade_hidden, norm_nc, ks, padding=ks // 2)

    def forward(self, x, cond):
        normalized = self.first_norm(x)
        cond = F.interpolate(cond, size=x.shape[2:], mode="nearest")
        actv = F.relu(self.mlp_shared(cond))
        return normalized * (1 + self.mlp_gamma(actv)) + self.mlp_beta(actv)


class SPADEResBlock(nn.Module):
    def __init__(self, cfg: GeneratorConfig, fin: int, fout: int, trainable: bool):
        super().__init__()
        self.learned_shortcut = fin != fout
        fmiddle = min(fin, fout)
        self.conv_0 = sn_conv(fin, fmiddle, 3, trainable)
        self.conv_1 = sn_conv(fmiddle, fout, 3, trainable)
        self.norm_0 = SPADE(cfg, fin, trainable)
        self.norm_1 = SPADE(cfg, fmiddle, trainable)
        if self.learned_shortcut:
            self.conv_s = sn_conv(fin, fout, 1, trainable, bias=False)
            self.norm_s = SPADE(cfg, fin, trainable)

    def forward(self, x, cond):
        x_s = self.conv_s(self.norm_s(x, cond)) if self.learned_shortcut else x
        dx = self.conv_0(F.leaky_relu(self.norm_0(x, cond), LRELU))
        dx = self.conv_1(F.leaky_relu(self.norm_1(dx, cond), LRELU))
        return x_s + dx


class OasisGenerator(nn.Module):
    """Maps a condition (noise map + one-hot labels, B x (z + N) x H x W) to an image in [-1, 1].

    The first feature map is H/32 x W/32: for the configured size this is exactly the public code's
    `init_W, init_H`; other multiples of 32 work as well (the network is fully convolutional).
    """

    def __init__(self, cfg: GeneratorConfig, trainable: bool = False):
        super().__init__()
        self.cfg = cfg
        w = cfg.widths
        self.fc = nn.Conv2d(cfg.cond_channels, w[0], 3, padding=1)
        self.body = nn.ModuleList(SPADEResBlock(cfg, w[i], w[i + 1], trainable) for i in range(len(w) - 1))
        self.conv_img = nn.Conv2d(w[-1], 3, 3, padding=1)

    def forward(self, cond: torch.Tensor) -> torch.Tensor:
        h, w = cond.shape[2], cond.shape[3]
        if h % SIZE_MULTIPLE or w % SIZE_MULTIPLE:
            raise ValueError(f"label map size {h}x{w} is not a multiple of {SIZE_MULTIPLE}")
        x = F.interpolate(cond, size=(h // SIZE_MULTIPLE, w // SIZE_MULTIPLE), mode="nearest")
        x = self.fc(x)
        last = len(self.body) - 1
        for i, block in enumerate(self.body):
            x = block(x, cond)
            if i < last:
                x = upsample_x2(x, self.cfg.upsample)
        return torch.tanh(self.conv_img(F.leaky_relu(x, LRELU)))


def upsample_x2(x: torch.Tensor, mode: str) -> torch.Tensor:
    if mode == "bilinear":  # half-pixel centres (align_corners=False): no shift against the label map
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    return F.interpolate(x, scale_factor=2, mode="nearest")


def one_hot_labels(labels: torch.Tensor, num_classes: int, dtype=torch.float32) -> torch.Tensor:
    """B x H x W int64 -> B x N x H x W float, like the public code's scatter_."""
    out = torch.zeros(labels.shape[0], num_classes, *labels.shape[1:], dtype=dtype, device=labels.device)
    return out.scatter_(1, labels.unsqueeze(1), 1.0)


def expand_noise(noise: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """B x z (global) or B x z x H x W (spatial) -> B x z x H x W."""
    if noise.dim() == 2:
        return noise[:, :, None, None].expand(noise.shape[0], noise.shape[1], height, width)
    if noise.shape[2:] != (height, width):
        raise ValueError(f"noise map is {tuple(noise.shape[2:])}, label map is {(height, width)}")
    return noise


def make_condition(labels: torch.Tensor, noise: torch.Tensor | None, cfg: GeneratorConfig) -> torch.Tensor:
    """Build the generator input: noise channels first, then the one-hot labels (public order)."""
    onehot = one_hot_labels(labels, cfg.semantic_nc)
    if not cfg.noise_3d:
        return onehot
    if noise is None:
        raise ValueError("this generator needs a noise input")
    return torch.cat((expand_noise(noise.to(onehot.dtype), labels.shape[1], labels.shape[2]), onehot), dim=1)
