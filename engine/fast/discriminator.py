"""The fast OASIS discriminator (segmenter): the same function with fewer multiply-adds.

Exact rewrites (equal up to float rounding of summed weights):
- encoder `avg_pool(conv3x3(h))` is one 4 x 4 convolution with stride 2 (16 instead of 36 taps per output);
- decoder `conv3x3(upsample_x2(h))` is four 2 x 2 convolutions on the low-resolution input, one per
  output phase, interleaved (16 instead of 36 taps per 2 x 2 outputs);
- 1 x 1 shortcuts commute with pooling / nearest upsampling, so they run at the low resolution;
- channels-last layout and the device's fast dtype for the convolutions.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..oasis_discriminator import LRELU, OasisDiscriminator
from .winograd import Conv


def _cl(t: torch.Tensor, dtype, device) -> torch.Tensor:
    return t.detach().to(device=device, dtype=dtype).contiguous(memory_format=torch.channels_last)


def _pooled_conv_weight(w: torch.Tensor) -> torch.Tensor:
    """3 x 3 conv followed by 2 x 2 average pooling == 4 x 4 conv, stride 2, padding 1."""
    k = w.new_zeros(w.shape[0], w.shape[1], 4, 4)
    for a in (0, 1):
        for b in (0, 1):
            k[:, :, a:a + 3, b:b + 3] += w
    return k / 4


def _phase_weights(w: torch.Tensor) -> list[torch.Tensor]:
    """Nearest x2 upsampling then 3 x 3 conv == per output phase (a, b) a 2 x 2 conv of the input."""
    rows = [torch.stack((w[:, :, 0], w[:, :, 1] + w[:, :, 2]), 2),  # phase 0: input rows i-1, i
            torch.stack((w[:, :, 0] + w[:, :, 1], w[:, :, 2]), 2)]  # phase 1: input rows i, i+1
    out = []
    for a in (0, 1):
        r = rows[a]
        cols = [torch.stack((r[..., 0], r[..., 1] + r[..., 2]), 3), torch.stack((r[..., 0] + r[..., 1], r[..., 2]), 3)]
        out.extend(cols)  # order (0,0), (0,1), (1,0), (1,1)
    return out


def _pointwise(x: torch.Tensor, weight_t: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    n, c, h, w = x.shape
    rows = x.permute(0, 2, 3, 1).reshape(n * h * w, c)
    out = rows @ weight_t if bias is None else torch.addmm(bias, rows, weight_t)
    return out.reshape(n, h, w, -1).permute(0, 3, 1, 2)


def _up_conv(x: torch.Tensor, phases, bias) -> torch.Tensor:
    n, _, h, w = x.shape
    xp = F.pad(x, (1, 1, 1, 1))
    outs = [F.conv2d(xp[:, :, a:a + h + 1, b:b + w + 1], phases[2 * a + b], bias) for a in (0, 1) for b in (0, 1)]
    cout = outs[0].shape[1]
    # (a, b) phases -> interleaved rows and columns, written straight into a channels-last buffer
    out = torch.empty(n, 2 * h, 2 * w, cout, dtype=x.dtype, device=x.device)
    view = out.view(n, h, 2, w, 2, cout)
    for a in (0, 1):
        for b in (0, 1):
            view[:, :, a, :, b, :] = outs[2 * a + b].permute(0, 2, 3, 1)
    return out.permute(0, 3, 1, 2)


class FastDiscriminator:
    def __init__(self, disc: OasisDiscriminator, device: torch.device, dtype: torch.dtype = torch.float32,
                 winograd: bool = False):
        self.device, self.dtype = device, dtype
        self.down = [self._prep(b, dtype, device, winograd) for b in disc.body_down]
        self.up = [self._prep(b, dtype, device, winograd) for b in disc.body_up]
        last = disc.layer_up_last
        assert last.bias is not None  # OASIS's convolutions all have biases
        self.last = (last.weight.detach()[:, :, 0, 0].T.to(device, dtype).contiguous(),
                     last.bias.detach().to(device, dtype))

    @staticmethod
    def _prep(block, dtype, device, winograd) -> dict:
        conv1, conv2 = block.conv1[-1], block.conv2[-1]
        p = {"first": block.first, "direction": block.direction}
        if block.direction > 0:
            p["conv1"] = [_cl(w, dtype, device) for w in _phase_weights(conv1.weight.detach().float())]
            p["conv2"] = Conv(conv2, dtype, device, winograd)
        else:
            p["conv1"] = Conv(conv1, dtype, device, winograd)
            p["conv2"] = _cl(_pooled_conv_weight(conv2.weight.detach().float()), dtype, device)
        p["b1"] = conv1.bias.detach().to(device, dtype)
        p["b2"] = conv2.bias.detach().to(device, dtype)
        if block.learned_shortcut:
            p["conv_s"] = (block.conv_s.weight.detach()[:, :, 0, 0].T.to(device, dtype).contiguous(),
                           block.conv_s.bias.detach().to(device, dtype))
        else:
            p["conv_s"] = None
        return p

    @staticmethod
    def _block(p, x):
        if p["direction"] < 0:
            h = x if p["first"] else F.leaky_relu(x, LRELU)
            h = p["conv1"](h).to(x.dtype)
            dx = F.conv2d(F.leaky_relu_(h, LRELU), p["conv2"], p["b2"], stride=2, padding=1)
            s = F.avg_pool2d(x, 2)
            if p["conv_s"] is not None:
                s = _pointwise(s, *p["conv_s"])
        else:
            h = _up_conv(F.leaky_relu(x, LRELU), p["conv1"], p["b1"])
            dx = p["conv2"](F.leaky_relu_(h, LRELU)).to(x.dtype)
            s = _pointwise(x, *p["conv_s"]) if p["conv_s"] is not None else x
            s = F.interpolate(s, scale_factor=2, mode="nearest")
        return dx.add_(s)

    @torch.inference_mode()
    def __call__(self, image: torch.Tensor) -> torch.Tensor:
        """B x 3 x H x W in [-1, 1] -> B x (N + 1) x H x W float32 logits."""
        x = image.to(self.device, self.dtype).contiguous(memory_format=torch.channels_last)
        skips = []
        for p in self.down:
            x = self._block(p, x)
            skips.append(x)
        x = self._block(self.up[0], x)
        for i in range(1, len(self.down)):
            x = self._block(self.up[i], torch.cat((skips[-i - 1], x), dim=1))
        return _pointwise(x, *self.last).float()
