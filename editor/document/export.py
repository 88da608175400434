"""Exports: the generated image, the colourised label map, a batch of variations, photos to model aspect."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from engine.imagefiles import write_picture


def colourise(labels: np.ndarray, palette) -> np.ndarray:
    lut = np.zeros((256, 3), dtype=np.uint8)
    lut[:len(palette)] = np.asarray(palette, dtype=np.uint8)
    return lut[labels]


def export_image(path: Path, image: np.ndarray) -> None:
    write_picture(Path(path), image)


def export_colourised(path: Path, labels: np.ndarray, palette) -> None:
    write_picture(Path(path), colourise(labels, palette))


def export_variations(folder: Path, images, stem: str = "variation", seeds=None) -> list[Path]:
    """One PNG per image, named `<stem>_<seed or index>.png`; returns the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, image in enumerate(images):
        name = f"{stem}_seed{seeds[i]}.png" if seeds is not None else f"{stem}_{i:03d}.png"
        write_picture(folder / name, image)
        paths.append(folder / name)
    return paths


def fit_photo(rgb: np.ndarray, height: int, width: int, mode: str = "crop") -> np.ndarray:
    """Bring a photo to the model's aspect ratio: centre crop, or pad with edge-replicated borders.

    Returns an RGB array with aspect width/height (not yet resized to the model size).
    """
    h, w = rgb.shape[:2]
    target = width / height
    if mode == "crop":
        if w / h > target:
            nw = max(1, round(h * target))
            x0 = (w - nw) // 2
            return rgb[:, x0:x0 + nw]
        nh = max(1, round(w / target))
        y0 = (h - nh) // 2
        return rgb[y0:y0 + nh]
    if mode == "pad":
        if w / h > target:
            nh = round(w / target)
            top = (nh - h) // 2
            return np.pad(rgb, ((top, nh - h - top), (0, 0), (0, 0)), mode="edge")
        nw = round(h * target)
        left = (nw - w) // 2
        return np.pad(rgb, ((0, 0), (left, nw - w - left), (0, 0)), mode="edge")
    raise ValueError(f"mode must be 'crop' or 'pad', not {mode!r}")


def resize_rgb(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).resize((width, height), Image.Resampling.BICUBIC))
