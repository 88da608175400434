"""OSMIS mask alignment test: train a small U-Net on generated image-mask pairs, report its mIoU
on the real image under geometric augmentation (thesis: 500 epochs; configurable here)."""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .diffaug import apply_transforms, sample_transforms


def _double_conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class SmallUNet(nn.Module):
    def __init__(self, classes: int, width: int = 16):
        super().__init__()
        w = [width, width * 2, width * 4]
        self.down = nn.ModuleList([_double_conv(3, w[0]), _double_conv(w[0], w[1]), _double_conv(w[1], w[2])])
        self.up = nn.ModuleList([_double_conv(w[2] + w[1], w[1]), _double_conv(w[1] + w[0], w[0])])
        self.head = nn.Conv2d(w[0], classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for i, block in enumerate(self.down):
            x = block(x if i == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        for block, skip in zip(self.up, reversed(skips[:-1]), strict=True):
            x = F.interpolate(x, size=skip.shape[-2:], mode="nearest")
            x = block(torch.cat([x, skip], 1))
        return self.head(x)


def miou(pred: torch.Tensor, target: torch.Tensor, classes: int) -> float:
    """Mean IoU over the classes present in target or prediction."""
    ious = []
    for c in range(classes):
        p, t = pred == c, target == c
        union = (p | t).sum()
        if union > 0:
            ious.append(float((p & t).sum()) / float(union))
    return float(np.mean(ious))


def mask_alignment_miou(images: np.ndarray, masks: np.ndarray, real: np.ndarray, real_mask: np.ndarray,
                        classes: int, epochs: int = 30, seed: int = 0, batch: int = 8,
                        test_copies: int = 20) -> float:
    """images (B, H, W, 3) uint8, masks (B, H, W); real (H, W, 3), real_mask (H, W). -> mIoU in %."""
    torch.manual_seed(seed)
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1
    y = torch.from_numpy(masks.astype(np.int64))
    net = SmallUNet(classes)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(x))
        for s in range(0, len(x), batch):
            idx = order[s:s + batch]
            loss = F.cross_entropy(net(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    net.eval()
    rx = torch.from_numpy(real).permute(2, 0, 1)[None].float() / 127.5 - 1
    ry = F.one_hot(torch.from_numpy(real_mask.astype(np.int64)), classes).permute(2, 0, 1)[None].float()
    theta = sample_transforms(test_copies, 1.0, real.shape[0] / real.shape[1])
    (tx,), ty = apply_transforms(theta, [rx.expand(test_copies, -1, -1, -1)], ry.expand(test_copies, -1, -1, -1))
    assert ty is not None  # masks in, masks out
    with torch.no_grad():
        pred = net(tx).argmax(1)
    return 100.0 * miou(pred, ty.argmax(1), classes)
