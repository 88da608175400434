"""Load a trained run (EMA generator) and write N samples as PNGs (+ OSMIS masks as indexed PNGs
with the same file names in a masks/ sub-folder)."""
from __future__ import annotations

import os

import numpy as np
import torch
from PIL import Image

from . import checkpoint as ckpt
from .config import OneShotConfig
from .generator import Generator
from .trainer import generate_arrays

# A fixed palette so every mask PNG shows the same colour per object index.
_rng = np.random.default_rng(7)
PALETTE = np.concatenate([[0, 0, 0], [230, 25, 75], [60, 180, 75], [255, 225, 25], [0, 130, 200],
                          _rng.integers(0, 256, 3 * 251)]).astype(np.uint8)


def load_generator(run_dir: str) -> tuple[OneShotConfig, Generator, int]:
    """-> (config, EMA generator in eval mode, iteration of the checkpoint)."""
    cfg = OneShotConfig.load(run_dir)
    g = Generator(cfg)
    state, tensors = ckpt.read_state(run_dir)
    prefix = "G_ema."
    g.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)})
    return cfg, g.eval().requires_grad_(False), int(state["iteration"])


def mask_to_png(mask: np.ndarray) -> Image.Image:
    im = Image.fromarray(mask.astype(np.uint8), mode="P")
    im.putpalette(PALETTE.tolist())
    return im


@torch.no_grad()
def generate(g: Generator, n: int, seed: int = 0, batch: int = 10) -> dict[str, np.ndarray]:
    gen = torch.Generator().manual_seed(seed)
    parts: dict[str, list] = {}
    for start in range(0, n, batch):
        z = g.sample_noise(min(batch, n - start), gen)
        for k, v in generate_arrays(g, z).items():
            parts.setdefault(k, []).append(v)
    return {k: np.concatenate(v) for k, v in parts.items()}


def sample_run(run_dir: str, n: int, out_dir: str, seed: int = 0) -> list[str]:
    """Write sample_XXXX.png (and masks/sample_XXXX.png); returns the image paths."""
    cfg, g, _ = load_generator(run_dir)
    torch.set_num_threads(max(1, cfg.threads))
    result = generate(g, n, seed)
    os.makedirs(out_dir, exist_ok=True)
    if "masks" in result:
        os.makedirs(os.path.join(out_dir, "masks"), exist_ok=True)
    paths = []
    for i in range(n):
        name = f"sample_{i:04d}.png"
        path = os.path.join(out_dir, name)
        Image.fromarray(result["images"][i]).save(path)
        if "masks" in result:
            mask_to_png(result["masks"][i]).save(os.path.join(out_dir, "masks", name))
        paths.append(path)
    return paths


def grid(images: np.ndarray, cols: int, masks: np.ndarray | None = None, pad: int = 2) -> np.ndarray:
    """Tile images (and, below each row, their coloured masks) into one RGB array."""
    n, h, w, _ = images.shape
    tiles = [images[i] for i in range(n)]
    rows = []
    for r in range(0, n, cols):
        row_imgs = tiles[r:r + cols] + [np.zeros_like(tiles[0])] * (cols - len(tiles[r:r + cols]))
        rows.append(row_imgs)
        if masks is not None:
            m = [PALETTE.reshape(-1, 3)[masks[i]] for i in range(r, min(r + cols, n))]
            rows.append(m + [np.zeros_like(tiles[0])] * (cols - len(m)))
    out = np.full((len(rows) * (h + pad) + pad, cols * (w + pad) + pad, 3), 255, np.uint8)
    for ri, row in enumerate(rows):
        for ci, t in enumerate(row):
            y, x = pad + ri * (h + pad), pad + ci * (w + pad)
            out[y:y + h, x:x + w] = t
    return out


def write_grid(run_dir: str, path: str, count: int = 12, seed: int = 0, cols: int = 4,
               upscale: int = 2) -> None:
    """Contact sheet of `count` samples (masks in colour below each row for OSMIS)."""
    _, g, _ = load_generator(run_dir)
    result = generate(g, count, seed)
    sheet = Image.fromarray(grid(result["images"], cols, result.get("masks")))
    sheet = sheet.resize((sheet.width * upscale, sheet.height * upscale), Image.Resampling.NEAREST)
    sheet.save(path, quality=90)
