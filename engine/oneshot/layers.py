"""Spectrally normalised building blocks shared by generator and discriminator."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


def sn_conv(cin: int, cout: int, kernel: int, bias: bool = True, sn: bool = True) -> nn.Conv2d:
    conv = nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=bias)
    if sn:
        spectral_norm(conv)  # parametrises the module in place; it stays a Conv2d
    return conv


def lrelu(x: torch.Tensor) -> torch.Tensor:
    return F.leaky_relu(x, 0.2)


# Exact rewrites of "resample, then 3x3 conv" (used when resample_in_conv is on; same parameters,
# same math, only the floating-point summation order differs):
#  * avgpool2(conv3x3(x)) == conv4x4 stride 2 (padding 1) with the 3x3 kernel box-filtered to 4x4:
#    each pooled output is a fixed linear combination of a 4x4 input window. 16 taps per output
#    instead of 4 x 9, i.e. 2.25x fewer multiply-adds, and no full-resolution output to pool.
#  * conv3x3(nearest_up2(x)) == conv_transpose 4x4 stride 2 (padding 1) on the small map: per axis
#    the four output phases see the kernel taps [k2, k1+k2, k0+k1, k0]; again 2.25x fewer
#    multiply-adds and no upsampled copy of x. Zero padding matches on both sides.
# tests/engine/oneshot/test_layers.py checks both against the plain formulation in float64.
_UP_TAPS = torch.tensor([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])


def pooled_conv_weight(k: torch.Tensor) -> torch.Tensor:
    """(cout, cin, 3, 3) -> (cout, cin, 4, 4) with conv(x, ., stride 2, pad 1) == avgpool2(conv3x3(x))."""
    return 0.25 * (F.pad(k, (0, 1, 0, 1)) + F.pad(k, (1, 0, 0, 1))
                   + F.pad(k, (0, 1, 1, 0)) + F.pad(k, (1, 0, 1, 0)))


def upsampled_conv_weight(k: torch.Tensor) -> torch.Tensor:
    """(cout, cin, 3, 3) -> conv_transpose weight (cin, cout, 4, 4) with
    conv_transpose2d(x, ., stride 2, pad 1) == conv3x3(nearest_up2(x))."""
    taps = _UP_TAPS.to(k.dtype)
    return torch.einsum("ku,oiuv,lv->iokl", taps, k, taps)


class GBlock(nn.Module):
    """[lrelu, nearest x2 (not first), SN conv3x3 in->min(in,out), lrelu, SN conv3x3 ->out]
    + shortcut [x2, SN conv1x1 no bias].

    lrelu and the 1x1 shortcut commute with nearest upsampling, so both run at the low
    resolution before upsampling: identical output, fewer operations. resample_in_conv: the
    upsampling and conv1 become one transposed conv on the small map (exact, see above).
    """

    def __init__(self, cin: int, cout: int, first: bool, resample_in_conv: bool = False, sn: bool = True):
        super().__init__()
        mid = min(cin, cout)
        self.first, self.resample_in_conv = first, resample_in_conv
        self.conv1 = sn_conv(cin, mid, 3, sn=sn)
        self.conv2 = sn_conv(mid, cout, 3, sn=sn)
        self.shortcut = sn_conv(cin, cout, 1, bias=False, sn=sn)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, s = lrelu(x), self.shortcut(x)
        if self.first:
            h = self.conv1(h)
        elif self.resample_in_conv:
            h = F.conv_transpose2d(h, upsampled_conv_weight(self.conv1.weight), self.conv1.bias,
                                   stride=2, padding=1)
        else:
            h = self.conv1(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        if not self.first:
            s = F.interpolate(s, scale_factor=2.0, mode="nearest")
        h = self.conv2(lrelu(h))
        return h + s


class DBlock(nn.Module):
    """Residual D block: [lrelu (not first), SN conv, lrelu, SN conv, avgpool2]
    + shortcut [SN conv1x1, avgpool2].

    resample_in_conv (exact rewrites): the shortcut pools before its 1x1 conv (both linear, the
    bias survives averaging: 4x fewer multiply-adds) and conv2 + avgpool2 become one 4x4 stride-2
    conv (see pooled_conv_weight)."""

    def __init__(self, cin: int, cout: int, kernel: int = 3, down: bool = True,
                 first: bool = False, squeeze_kernel: int | None = None, resample_in_conv: bool = False):
        super().__init__()
        self.first, self.down = first, down
        self.resample_in_conv = resample_in_conv and down and kernel == 3
        self.conv1 = sn_conv(cin, cout, squeeze_kernel or kernel)
        self.conv2 = sn_conv(cout, cout, kernel)
        self.shortcut = sn_conv(cin, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(x if self.first else lrelu(x))
        if self.resample_in_conv:
            h = F.conv2d(lrelu(h), pooled_conv_weight(self.conv2.weight), self.conv2.bias,
                         stride=2, padding=1)
            return h + self.shortcut(F.avg_pool2d(x, 2))
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
