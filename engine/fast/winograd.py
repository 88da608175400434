"""3 x 3 convolution (stride 1, zero padding 1) by Winograd F(4x4, 3x3), for channels-last float32.

Four times fewer multiply-adds than the direct convolution; the input/output transforms are memory
passes, so it pays where feature maps are small and channels many (the OASIS trunk at <= 64 x 64:
2-3x faster than oneDNN's direct fp32 conv on a 1-thread measurement). Rounding differs from the
direct conv by ~3e-6 relative, so only the fast modes use it; 'fp32' keeps the direct convolution.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

_BT = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
       [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]
_G = [[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
      [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]]
_AT = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]


class WinogradConv3x3:
    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None, device):
        w = weight.detach().to(torch.float64)
        g = torch.tensor(_G, dtype=torch.float64)
        # transformed kernel, index (column frequency, row frequency) to match the input transform
        u = torch.einsum("ak,oikl,bl->baio", g, w, g)
        self.u = u.reshape(36, w.shape[1], w.shape[0]).to(device=device, dtype=torch.float32).contiguous()
        self.bias = None if bias is None else bias.detach().to(device=device, dtype=torch.float32)
        self.bt = torch.tensor(_BT, dtype=torch.float32, device=device)
        self.at = torch.tensor(_AT, dtype=torch.float32, device=device)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """N x C x H x W (any layout) -> N x Cout x H x W channels-last, float32."""
        if x.shape[0] == 1:
            return self._one(x[0])
        return torch.cat([self._one(x[i]) for i in range(x.shape[0])]).contiguous(memory_format=torch.channels_last)

    def _one(self, x: torch.Tensor) -> torch.Tensor:
        c, h, w = x.shape
        th, tw = -(-h // 4), -(-w // 4)
        # H x W x C, zero padded: 1 on top/left (the conv's padding), the rest up to whole tiles
        xp = F.pad(x.permute(1, 2, 0).float(), (0, 0, 1, 4 * tw - w + 1, 1, 4 * th - h + 1)).contiguous()
        wp = xp.shape[1]
        tiles = xp.as_strided((6, th, tw, 6, c), (wp * c, 4 * wp * c, 4 * c, c, 1))
        v = (self.bt @ tiles.reshape(6, -1)).reshape(6, th, tw, 6, c)
        v = (self.bt @ v.permute(3, 0, 1, 2, 4).reshape(6, -1)).reshape(36, th * tw, c)
        cout = self.u.shape[2]
        m = torch.bmm(v, self.u).reshape(6, -1)
        y = (self.at @ m).reshape(4, 6, -1).transpose(0, 1).reshape(6, -1)
        y = (self.at @ y).reshape(4, 4, th, tw, cout)
        out = y.permute(2, 0, 3, 1, 4).reshape(4 * th, 4 * tw, cout)[:h, :w]
        if self.bias is not None:
            out = out + self.bias
        else:
            out = out.contiguous()
        return out.permute(2, 0, 1).unsqueeze(0)


# Winograd where it measured faster: maps of at most 64 x 64 pixels; and only for kernels whose
# transformed copy (4x the weights) stays <= 72 MB, so the 1024 x 1024 trunk convs of the ADE20K
# configuration keep the direct form (their transformed copies alone would add 600 MB of RSS).
WINOGRAD_MAX_PIXELS = 64 * 64
WINOGRAD_MAX_WEIGHTS = 1024 * 512
CHANNELS_LAST_COPY_MIN_WEIGHTS = 1024 * 1024


class Conv:
    """A stride-1 'same' convolution in the chosen dtype, float32 out; 3x3 ones optionally by Winograd."""

    def __init__(self, conv: torch.nn.Conv2d, dtype, device, winograd: bool = False, shared: dict | None = None):
        """`shared`: a dict that fast paths of the same model pass around so converted weights exist once."""
        cout, cin, kh, kw = conv.weight.shape
        # .to() returns the module's own tensor when nothing changes: float32 weights are shared with the
        # reference generator rather than copied (300 MB less RSS for ADE20K). oneDNN then reorders them
        # per call, which measured free for small kernels but +40 ms per call for the 1024 x 1024
        # ones, so those (and only those) get a channels-last copy.
        shared = {} if shared is None else shared
        key = ("conv weight", id(conv.weight), dtype, str(device))
        if key not in shared:
            weight = conv.weight.detach().to(device=device, dtype=dtype)
            if cin * cout >= CHANNELS_LAST_COPY_MIN_WEIGHTS:
                weight = weight.contiguous(memory_format=torch.channels_last)
            shared[key] = weight
        self.weight = shared[key]
        self.bias = None if conv.bias is None else conv.bias.detach().to(device=device, dtype=dtype)
        self.pad = conv.weight.shape[-1] // 2
        self.winograd = None
        if winograd and dtype == torch.float32 and (kh, kw) == (3, 3) and cin * cout <= WINOGRAD_MAX_WEIGHTS:
            self.winograd = WinogradConv3x3(conv.weight, conv.bias, device)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.winograd is not None and x.shape[2] * x.shape[3] <= WINOGRAD_MAX_PIXELS:
            return self.winograd(x)
        return F.conv2d(x.to(self.weight.dtype), self.weight, self.bias, padding=self.pad).float()
