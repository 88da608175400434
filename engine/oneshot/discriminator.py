"""Content-layout discriminator (SIV-GAN) with masked content attention (OSMIS).

Low-level part: from-RGB at every scale concatenated to the running features (1/8 of the
channels), residual blocks with average pooling, a 1x1 decision after every block.
Content branch: global average pooling (or one masked pooling per object) -> FA (real only)
-> 1x1 residual blocks, a decision after each (1 logit, or N+1 logits per object).
Layout branch: FA (real only) -> blocks squeezing to 1 channel, 3x3 convs, a decision after each.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .config import OneShotConfig
from .feature_aug import content_augment, layout_augment
from .layers import ContentBlock, DBlock, sn_conv, sn_linear


@dataclass
class DiscriminatorOutput:
    low: list[torch.Tensor]  # (B, 1, h, w) maps
    content: list[torch.Tensor]  # (B, 1) or (B, N, N+1) logits
    layout: list[torch.Tensor]  # (B, 1, h, w) maps


def masked_content_attention(features: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Pooled features of every object i: (B, C, h, w), (B, N, H, W) -> (B, N, C).

    The pooling is a masked mean (sum of F * 1[y=i] over the object's area). A plain average over
    the whole map (the literal AvgPool(F * 1[y=i])) shrinks an object's vector with its area, so a
    1.5%-of-the-image rider becomes almost indistinguishable from an absent object (zero vector);
    our first OSMIS run with it collapsed to all-background masks. Absent objects still give 0.
    Masks are resized with nearest neighbour (as in the thesis, fine details can vanish)."""
    small = F.interpolate(masks, size=features.shape[-2:], mode="nearest")
    area = small.sum((2, 3)).clamp(min=1.0)  # (B, N); soft/Bernoulli masks are fine here too
    return torch.einsum("bchw,bnhw->bnc", features, small) / area[..., None]


class Discriminator(nn.Module):
    def __init__(self, cfg: OneShotConfig):
        super().__init__()
        ch, low = cfg.d_channels, cfg.d_low_blocks
        self.num_mask = cfg.num_mask_channels
        self.fa_prob = cfg.fa_prob
        self.from_rgb = nn.ModuleList([sn_conv(3, ch[0], 3)])
        self.low_blocks, self.low_heads = nn.ModuleList(), nn.ModuleList()
        for i in range(low):
            extra = ch[i] // 8 if i > 0 else 0
            if i > 0:
                self.from_rgb.append(sn_conv(3, extra, 3))
            self.low_blocks.append(DBlock(ch[i] + extra, ch[i + 1], first=(i == 0),
                                          resample_in_conv=cfg.resample_in_conv))
            self.low_heads.append(sn_conv(ch[i + 1], 1, 1))
        widen = 2 if cfg.use_masks else 1
        outputs = cfg.num_mask_channels + 1 if cfg.use_masks else 1
        self.content_blocks, self.content_heads = nn.ModuleList(), nn.ModuleList()
        self.layout_blocks, self.layout_heads = nn.ModuleList(), nn.ModuleList()
        # Layout blocks halve the map while both sides stay >= 2 (tiny images would vanish).
        fh, fw = cfg.train_hw[0] >> low, cfg.train_hw[1] >> low
        for i in range(low, cfg.d_blocks):
            cin = ch[i] if i == low else ch[i] * widen
            self.content_blocks.append(ContentBlock(cin, ch[i + 1] * widen))
            self.content_heads.append(sn_linear(ch[i + 1] * widen, outputs))
            down = min(fh, fw) >= 4
            fh, fw = (fh // 2, fw // 2) if down else (fh, fw)
            self.layout_blocks.append(DBlock(ch[i] if i == low else 1, 1, kernel=3, down=down,
                                             squeeze_kernel=1 if i == low else None,
                                             resample_in_conv=cfg.resample_in_conv))
            self.layout_heads.append(sn_conv(1, 1, 1))

    def forward(self, scales: list[torch.Tensor], masks: torch.Tensor | None = None,
                augment_first: int = 0) -> DiscriminatorOutput:
        """scales: images high -> low resolution (len >= low-level blocks); masks (B, N, H, W);
        augment_first: feature augmentation applies to the first `augment_first` samples (real)."""
        y = self.low_blocks[0](self.from_rgb[0](scales[0]))
        low = [self.low_heads[0](y)]
        for i in range(1, len(self.low_blocks)):
            y = torch.cat([y, self.from_rgb[i](scales[i])], dim=1)
            y = self.low_blocks[i](y)
            low.append(self.low_heads[i](y))

        if masks is not None:
            content = masked_content_attention(y, masks)  # (B, N, C)
        else:
            content = y.mean((2, 3))[:, None, :]  # (B, 1, C)
        lay = y
        if augment_first > 0 and self.fa_prob > 0:
            r = augment_first
            content = torch.cat([content_augment(content[:r], self.fa_prob), content[r:]])
            small = (F.interpolate(masks[:r], size=y.shape[-2:], mode="nearest")
                     if masks is not None else None)
            lay = torch.cat([layout_augment(y[:r], self.fa_prob, small)[0], y[r:]])

        b, k, c = content.shape
        h = content.reshape(b * k, c)
        content_out = []
        for block, head in zip(self.content_blocks, self.content_heads, strict=True):
            h = block(h)
            logits = head(h).reshape(b, k, -1)
            content_out.append(logits if masks is not None else logits.reshape(b, 1))
        layout_out = []
        for block, head in zip(self.layout_blocks, self.layout_heads, strict=True):
            lay = block(lay)
            layout_out.append(head(lay))
        return DiscriminatorOutput(low, content_out, layout_out)
