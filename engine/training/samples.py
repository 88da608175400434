"""Sample grids written during training: for a few fixed training views, the photo, its label map
and the EMA generator's image for two fixed noise vectors -- to watch for collapse while it trains."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from ..imagefiles import write_picture
from ..oasis_generator import make_condition

MAX_VIEWS = 4


def frame_view(image: np.ndarray, labels: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The centred square of a photo at the model's frame scale (short side -> size)."""
    h, w = labels.shape
    side = min(h, w)
    y, x = (h - side) // 2, (w - side) // 2
    im = cv2.resize(image[y:y + side, x:x + side], (size, size), interpolation=cv2.INTER_AREA)
    lab = cv2.resize(labels[y:y + side, x:x + side].astype(np.uint8), (size, size), interpolation=cv2.INTER_NEAREST)
    return im, lab.astype(np.int64)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    return ((x.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(1, 2, 0).numpy()


@torch.no_grad()
def render(generator, gcfg, labels: np.ndarray, seed: int) -> np.ndarray:
    """One image from the (eval-mode) generator for a global noise drawn from `seed`."""
    dev = next(generator.parameters()).device
    z = torch.randn(1, gcfg.z_dim, generator=torch.Generator().manual_seed(seed)).to(dev)
    was = generator.training
    generator.eval()
    out = generator(make_condition(torch.from_numpy(labels)[None].to(dev), z, gcfg))
    generator.train(was)
    return to_uint8(out[0].cpu())


def write_sample_grid(trainer, out: Path) -> None:
    size = trainer.crop.frame
    palette = np.array(trainer.spec.palette, dtype=np.uint8)
    rows = []
    for i in range(min(MAX_VIEWS, len(trainer.pairs))):
        image, labels = trainer.pairs.read(i)
        im, lab = frame_view(image, labels, size)
        fakes = [render(trainer.EMA, trainer.gcfg, lab, seed) for seed in (1, 2)]
        rows.append(np.concatenate([im, palette[lab], *fakes], axis=1))
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    write_picture(Path(out), np.concatenate(rows, axis=0))
