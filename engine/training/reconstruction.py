"""A feature reconstruction loss for the generator: its image of a training crop's label map against the
photo of that crop, compared in frozen EfficientNet-lite0 features (LPIPS-style, without learned heads)
plus the colours of 8x8 blocks.

Why: OASIS trains G by the segmenter's verdict alone. With a few dozen photos and a CPU's hours, that
signal says *which class* a pixel looks like long before it says *how a photograph of it looks*: runs
painted flat posters (U-Net D) or whole pictures in one wrong palette per seed (feature D). The public
OASIS code has the same remedy as an option (--add_vgg_loss, VGG19, lambda 10; the thesis reports it
costs some diversity): a perceptual distance to the real photo of the same layout. Our VGG-less machine
uses the ImageNet backbone we already ship for the feature D -- when D has one, this shares it.

    distance = sum over the 4 feature scales of mean over pixels |f(fake) - f(real)|^2, each feature
               vector scaled to unit length first (so every scale counts alike, as in LPIPS)
             + 4 x mean |avgpool8(fake) - avgpool8(real)|   (in [-1, 1]: the palette, which the unit-length
                                                             features barely see)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..pretrained.efficientnet_lite import EfficientNetLite0, load_pretrained, normalize_imagenet

COLOUR_BLOCK = 8
# With weight 1 both first runs (feature D from a palette-swapped start, U-Net D from scratch) still
# painted a cyan sky over every photo's and olive sand after 500 iterations: the feature term is ~7 at
# the start against ~0.3 for the colours.
COLOUR_WEIGHT = 4.0


def _unit(f: torch.Tensor) -> torch.Tensor:
    return f / (f.pow(2).sum(dim=1, keepdim=True) + 1e-10).sqrt()


class FeatureReconstruction(nn.Module):
    def __init__(self, backbone: EfficientNetLite0 | None = None):
        super().__init__()
        # not a registered submodule: the backbone is frozen, stored with D when shared, never trained here
        self._backbone = [backbone if backbone is not None else load_pretrained()]

    def forward(self, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        """Both N x 3 x H x W in [-1, 1]; gradients flow to `fake` only. Returns a scalar (fp32)."""
        net = self._backbone[0]
        with torch.no_grad():
            target = net.features(normalize_imagenet(real))
        ours = net.features(normalize_imagenet(fake))
        loss = fake.new_zeros((), dtype=torch.float32)
        for a, b in zip(ours, target, strict=True):
            loss = loss + (_unit(a.float()) - _unit(b.float())).pow(2).sum(dim=1).mean()
        colour = F.l1_loss(F.avg_pool2d(fake.float(), COLOUR_BLOCK), F.avg_pool2d(real.float(), COLOUR_BLOCK))
        return loss + COLOUR_WEIGHT * colour
