"""The OASIS discriminator: a U-Net segmenter with N+1 outputs (channel 0 = fake, k = class k-1).

Module and Sequential indices mirror the public code (`conv1.0` / `conv1.1` / `conv1.2`, `conv2.1`) so
imported keys map one to one; in the inference form the spectral norm is folded into plain convs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import DiscriminatorConfig
from .layers import sn_conv

LRELU = 0.2


class _Upsample(nn.Module):
    def forward(self, x):
        return F.interpolate(x, scale_factor=2, mode="nearest")


class DResBlock(nn.Module):
    """direction -1: encoder block (average-pool down); +1: decoder block (nearest up)."""

    def __init__(self, fin: int, fout: int, direction: int, first: bool, trainable: bool):
        super().__init__()
        self.direction, self.first = direction, first
        self.learned_shortcut = fin != fout
        if first:
            self.conv1 = nn.Sequential(sn_conv(fin, fout, 3, trainable))
        elif direction > 0:
            self.conv1 = nn.Sequential(nn.LeakyReLU(LRELU), _Upsample(), sn_conv(fin, fout, 3, trainable))
        else:
            self.conv1 = nn.Sequential(nn.LeakyReLU(LRELU), sn_conv(fin, fout, 3, trainable))
        self.conv2 = nn.Sequential(nn.LeakyReLU(LRELU), sn_conv(fout, fout, 3, trainable))
        if self.learned_shortcut:
            self.conv_s = sn_conv(fin, fout, 1, trainable)

    def _shortcut(self, x):
        if self.first:
            if self.direction < 0:
                x = F.avg_pool2d(x, 2)
            return self.conv_s(x) if self.learned_shortcut else x
        if self.direction > 0:
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        if self.learned_shortcut:
            x = self.conv_s(x)
        if self.direction < 0:
            x = F.avg_pool2d(x, 2)
        return x

    def forward(self, x):
        dx = self.conv2(self.conv1(x))
        if self.direction < 0:
            dx = F.avg_pool2d(dx, 2)
        return self._shortcut(x) + dx


class OasisDiscriminator(nn.Module):
    def __init__(self, cfg: DiscriminatorConfig, trainable: bool = False):
        super().__init__()
        self.cfg = cfg
        ch = list(cfg.widths)
        n = len(ch) - 1
        self.body_down = nn.ModuleList(DResBlock(ch[i], ch[i + 1], -1, i == 0, trainable) for i in range(n))
        up = [DResBlock(ch[-1], ch[-2], 1, False, trainable)]
        up += [DResBlock(2 * ch[-1 - i], ch[-2 - i], 1, False, trainable) for i in range(1, n - 1)]
        up.append(DResBlock(2 * ch[1], cfg.last_width, 1, False, trainable))
        self.body_up = nn.ModuleList(up)
        self.layer_up_last = nn.Conv2d(cfg.last_width, cfg.semantic_nc + 1, 1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = image
        skips = []
        for block in self.body_down:
            x = block(x)
            skips.append(x)
        x = self.body_up[0](x)
        for i in range(1, len(self.body_down)):
            x = self.body_up[i](torch.cat((skips[-i - 1], x), dim=1))
        return self.layer_up_last(x)
