"""Spectrally normalised building blocks shared by generator and discriminator."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


def sn_conv(cin: int, cout: int, kernel: int, bias: bool = True) -> nn.Module:
    return spectral_norm(nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=bias))


def lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2)


class GBlock(nn.Module):
    """[lrelu, nearest x2 (not first), SN conv3x3 in->min(in,out), lrelu, SN conv3x3 ->out]
    + shortcut [x2, SN conv1x1 no bias].

    lrelu and the 1x1 shortcut commute with nearest upsampling, so both run at the low
    resolution before upsampling: identical output, fewer operations.
    """

    def __init__(self, cin: int, cout: int, first: bool):
        super().__init__()
        mid = min(cin, cout)
        self.first = first
        self.conv1 = sn_conv(cin, mid, 3)
        self.conv2 = sn_conv(mid, cout, 3)
        self.shortcut = sn_conv(cin, cout, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, s = lrelu(x), self.shortcut(x)
        if not self.first:
            h = F.interpolate(h, scale_factor=2.0, mode="nearest")
            s = F.interpolate(s, scale_factor=2.0, mode="nearest")
        h = self.conv2(lrelu(self.conv1(h)))
        return h + s


class DBlock(nn.Module):
    """Residual D block: [lrelu (not first), SN conv, lrelu, SN conv, avgpool2]
    + shortcut [SN conv1x1, avgpool2]. kernel=1 gives the content branch's 1x1 blocks."""

    def __init__(self, cin: int, cout: int, kernel: int = 3, down: bool = True,
                 first: bool = False, squeeze_kernel: int | None = None):
        super().__init__()
        self.first, self.down = first, down
        self.conv1 = sn_conv(cin, cout, squeeze_kernel or kernel)
        self.conv2 = sn_conv(cout, cout, kernel)
        self.shortcut = sn_conv(cin, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(x if self.first else lrelu(x))
        h = self.conv2(lrelu(h))
        s = self.shortcut(x)
        if self.down:
            h, s = F.avg_pool2d(h, 2), F.avg_pool2d(s, 2)
        return h + s


def sn_linear(cin: int, cout: int) -> nn.Module:
    return spectral_norm(nn.Linear(cin, cout))


class ContentBlock(nn.Module):
    """The content branch's residual block on pooled vectors. A 1x1 conv on a 1x1 map is a
    linear layer; nn.Linear avoids the large per-call overhead of convolution kernels there."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.fc1, self.fc2, self.shortcut = sn_linear(cin, cout), sn_linear(cout, cout), sn_linear(cin, cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(lrelu(self.fc1(lrelu(x)))) + self.shortcut(x)
