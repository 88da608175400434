"""3 x 3 convolution (stride 1, zero padding 1) by Winograd F(4x4, 3x3) or F(2x2, 3x3), channels-last float32.

F(4x4): four times fewer multiply-adds than the direct convolution; the input/output transforms are
memory passes, so it pays where feature maps are small and channels many (the OASIS trunk at <= 64 x 64:
2-3x faster than oneDNN's direct fp32 conv on a 1-thread measurement). `Conv` picks per call: Winograd,
one im2col matrix product (8 x 8 maps, 1024-channel kernels) or oneDNN's direct conv. Rounding differs
from the direct conv by ~3e-6 relative, so only the fast modes use them; 'fp32' keeps the direct conv.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

_BT = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
       [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
_G = [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
      [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]]
_AT = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]
# F(2x2, 3x3): 2.25x fewer multiply-adds, but its transformed kernel is 16/9 of the weights instead of
# 36/9 -- for the 1024 x 1024-channel convs on tiny maps, which are bound by reading the kernel
_BT2 = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
_G2 = [[1, 0, 0], [1 / 2, 1 / 2, 1 / 2], [1 / 2, -1 / 2, 1 / 2], [0, 0, 1]]
_AT2 = [[1, 1, 1, 0], [0, 1, -1, -1]]


class WinogradConv3x3:
    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None, device, output_tile: int = 4):
        w = weight.detach().to(torch.float64)
        bt, g, at = (_BT, _G, _AT) if output_tile == 4 else (_BT2, _G2, _AT2)
        self.m, self.alpha = len(at), len(bt)
        g_t = torch.tensor(g, dtype=torch.float64)
        # transformed kernel, index (column frequency, row frequency) to match the input transform
        u = torch.einsum("ak,oikl,bl->baio", g_t, w, g_t)
        self.u = u.reshape(self.alpha ** 2, w.shape[1], w.shape[0]).to(device=device, dtype=torch.float32).contiguous()
        self.bias = None if bias is None else bias.detach().to(device=device, dtype=torch.float32)
        self.bt = torch.tensor(bt, dtype=torch.float32, device=device)
        self.at = torch.tensor(at, dtype=torch.float32, device=device)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """N x C x H x W (any layout) -> N x Cout x H x W channels-last, float32."""
        if x.shape[0] == 1:
            return self._one(x[0])
        return torch.cat([self._one(x[i]) for i in range(x.shape[0])]).contiguous(memory_format=torch.channels_last)

    def _one(self, x: torch.Tensor) -> torch.Tensor:
        c, h, w = x.shape
        m, a = self.m, self.alpha
        th, tw = -(-h // m), -(-w // m)
        # H x W x C, zero padded: 1 on top/left (the conv's padding), the rest up to whole tiles
        xp = F.pad(x.permute(1, 2, 0).float(), (0, 0, 1, m * tw - w + a - m - 1, 1, m * th - h + a - m - 1))
        wp = xp.shape[1]
        cout = self.u.shape[2]
        out = torch.empty(m * th, m * tw, cout, device=x.device)
        # Bands of tile rows, so the transformed tiles (2.25x the input) stay in cache instead of
        # making ~10 passes over DRAM-sized temporaries (measured 2x faster at 64 x 64, 512 -> 256)
        rows = max(1, BAND_TILES // tw)
        for t0 in range(0, th, rows):
            nt = min(rows, th - t0)
            tiles = xp.as_strided((a, nt, tw, a, c), (wp * c, m * wp * c, m * c, c, 1),
                                  xp.storage_offset() + m * t0 * wp * c)
            v = (self.bt @ tiles.reshape(a, -1)).reshape(a, nt, tw, a, c)
            v = (self.bt @ v.permute(3, 0, 1, 2, 4).reshape(a, -1)).reshape(a * a, nt * tw, c)
            prod = torch.bmm(v, self.u).reshape(a, -1)
            y = (self.at @ prod).reshape(m, a, -1).transpose(0, 1).reshape(a, -1)
            y = (self.at @ y).reshape(m, m, nt, tw, cout)
            out[m * t0:m * (t0 + nt)].view(nt, m, tw, m, cout).copy_(y.permute(2, 0, 3, 1, 4))
        out = out[:h, :w]
        if self.bias is not None:
            out += self.bias
        return out.permute(2, 0, 1).unsqueeze(0)


BAND_TILES = 128  # tiles per band (measured: 64-128 best at 64 x 64, 256-512 slower)
# Winograd where it measured faster: maps of at most 64 x 64 pixels (at 128 x 128, even banded, the
# whole generator and discriminator measured 10 % slower with it). F(4x4, 3x3) for kernels whose
# transformed copy (4x the weights) stays <= 72 MB; the 1024 x 1024 trunk convs of the ADE20K
# configuration (on 8 x 8 and 16 x 16 maps, bound by reading the kernel) use F(2x2, 3x3), whose copy is
# 16/9 of the weights (+67 MB each instead of +151 MB) and which measured as fast there; on 16 x 16
# maps only (on 8 x 8 it saved 17 ms per conv, not worth 67 MB: the RSS goal is 2 GB).
WINOGRAD_MAX_PIXELS = 64 * 64
F2_MIN_PIXELS = 16 * 16
IM2COL_MAX_PIXELS = 8 * 8  # below F2_MIN_PIXELS the 1024 x 1024 convs run as one matrix product
WINOGRAD_F4_MAX_WEIGHTS = 1024 * 512
CHANNELS_LAST_COPY_MIN_WEIGHTS = 1024 * 1024


class Conv:
    """A stride-1 'same' convolution in the chosen dtype, float32 out; 3x3 ones optionally by Winograd."""

    def __init__(self, conv: torch.nn.Conv2d, dtype, device, winograd: bool = False, shared: dict | None = None):
        """`shared`: a dict that fast paths of the same model pass around so converted weights exist once."""
        cout, cin, kh, kw = conv.weight.shape
        self._conv, self._dtype, self._device = conv, dtype, device
        self._shared = {} if shared is None else shared
        self._weight: torch.Tensor | None = None
        self.bias = None if conv.bias is None else conv.bias.detach().to(device=device, dtype=dtype)
        self.pad = conv.weight.shape[-1] // 2
        self._winograd_tile: int | None = None
        if winograd and dtype == torch.float32 and (kh, kw) == (3, 3):
            self._winograd_tile = 4 if cin * cout <= WINOGRAD_F4_MAX_WEIGHTS else 2
        self._winograd: WinogradConv3x3 | None = None

    @property
    def winograd(self) -> WinogradConv3x3 | None:
        """The transformed kernel, made on the first small map: convolutions that only ever see large
        maps (where Winograd does not pay) never hold the copy (~300 MB less RSS for the ADE20K D)."""
        if self._winograd is None and self._winograd_tile is not None:
            self._winograd = WinogradConv3x3(self._conv.weight, self._conv.bias, self._device, self._winograd_tile)
        return self._winograd

    @property
    def weight(self) -> torch.Tensor:
        """The weights for the direct convolution, made on first use (a Winograd-only path never needs
        the channels-last copy). .to() returns the module's own tensor when nothing changes: float32
        weights are shared with the reference generator rather than copied (300 MB less RSS for
        ADE20K). oneDNN then reorders them per call, which measured free for small kernels but +40 ms
        per call for the 1024 x 1024 ones, so those (and only those) get a channels-last copy."""
        if self._weight is None:
            conv = self._conv
            key = ("conv weight", id(conv.weight), self._dtype, str(self._device))
            if key not in self._shared:
                weight = conv.weight.detach().to(device=self._device, dtype=self._dtype)
                if weight.shape[0] * weight.shape[1] >= CHANNELS_LAST_COPY_MIN_WEIGHTS:
                    weight = weight.contiguous(memory_format=torch.channels_last)
                self._shared[key] = weight
            self._weight = self._shared[key]
        return self._weight

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        pixels = x.shape[2] * x.shape[3]
        if self._winograd_tile is not None and pixels <= WINOGRAD_MAX_PIXELS:
            if self._winograd_tile == 4 or pixels >= F2_MIN_PIXELS:
                winograd = self.winograd
                assert winograd is not None  # a tile size was chosen
                return winograd(x)
            if pixels <= IM2COL_MAX_PIXELS:
                return self._im2col(x)
        return F.conv2d(x.to(self.weight.dtype), self.weight, self.bias, padding=self.pad).float()

    def _im2col(self, x: torch.Tensor) -> torch.Tensor:
        """One matrix product against the module's own weights (no copy). On 8 x 8 maps with 1024
        channels oneDNN's direct conv measured 2x slower, and this needs no transformed kernel."""
        n, c, h, w = x.shape
        xp = F.pad(x.permute(0, 2, 3, 1), (0, 0, 1, 1, 1, 1))
        cols = torch.stack([xp[:, i:i + h, j:j + w] for i in range(3) for j in range(3)], -1)  # (c, tap) order
        weight = self._conv.weight.detach()
        out = cols.reshape(n * h * w, c * 9) @ weight.reshape(weight.shape[0], -1).t()
        if self.bias is not None:
            out += self.bias
        return out.view(n, h, w, -1).permute(0, 3, 1, 2)
