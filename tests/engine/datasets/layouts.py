"""Tiny datasets drawn in each layout the readers know (ADE20K, Cityscapes, COCO-Stuff, folder, labelme,
CVAT), plus the bad files the dataset check must name."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

FOLDER_CLASSES = [("unknown", (0, 0, 0)), ("sky", (70, 130, 230)), ("water", (20, 50, 160)),
                  ("grass", (90, 200, 60))]


def band_labels(rng, h: int, w: int, ids) -> np.ndarray:
    """Horizontal bands of the given ids with random borders."""
    cuts = sorted(rng.integers(h // 6, h - h // 6, len(ids) - 1))
    lab = np.empty((h, w), np.uint8)
    edges = [0, *cuts, h]
    for v, a, b in zip(ids, edges[:-1], edges[1:], strict=True):
        lab[a:b] = v
    return lab


def photo_for(labels: np.ndarray, rng) -> np.ndarray:
    colours = (np.arange(256)[:, None] * np.array([37, 91, 53])[None] % 256).astype(np.int16)
    img = colours[labels] + rng.integers(-15, 16, (*labels.shape, 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def save_ids(path: Path, labels: np.ndarray, palette=None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.fromarray(labels.astype(np.uint8), mode="P" if palette else "L")
    if palette:
        im.putpalette([v for c in palette for v in c])
    im.save(path)


def save_photo(path: Path, rgb: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path, quality=95) if path.suffix == ".jpg" else Image.fromarray(rgb).save(path)


def ade20k(root: Path, count: int = 4, size=(48, 64), split="training", seed=0) -> Path:
    rng = np.random.default_rng(seed)
    base = Path(root) / "ADEChallengeData2016"
    for i in range(count):
        lab = band_labels(rng, *size, [0, 3, 5, 150][: 2 + i % 3])
        name = f"ADE_{split[:5] if split == 'training' else 'val'}_{i + 1:08d}"
        save_photo(base / "images" / split / f"{name}.jpg", photo_for(lab, rng))
        save_ids(base / "annotations" / split / f"{name}.png", lab)
    return Path(root)


def cityscapes(root: Path, count: int = 2, size=(32, 64), seed=0) -> Path:
    rng = np.random.default_rng(seed)
    for i in range(count):
        city = ("aachen", "bremen")[i % 2]
        lab = band_labels(rng, *size, [23, 7, 26, 0])
        stem = f"{city}_{i:06d}_000019"
        save_photo(Path(root) / "leftImg8bit" / "train" / city / f"{stem}_leftImg8bit.png", photo_for(lab, rng))
        save_ids(Path(root) / "gtFine" / "train" / city / f"{stem}_gtFine_labelIds.png", lab)
    return Path(root)


def coco_stuff(root: Path, count: int = 2, size=(40, 40), seed=0) -> Path:
    rng = np.random.default_rng(seed)
    for i in range(count):
        lab = band_labels(rng, *size, [156, 0, 123, 255])  # sky-other, person, grass, unlabeled
        save_photo(Path(root) / "train_img" / f"{i:012d}.jpg", photo_for(lab, rng))
        save_ids(Path(root) / "train_label" / f"{i:012d}.png", lab)
    return Path(root)


def folder(root: Path, count: int = 4, size=(48, 64), colour_labels: bool = False, seed=0) -> Path:
    """The contract layout: classes.json {names, colors}, images/, labels/ (indexed, or colour PNGs)."""
    rng = np.random.default_rng(seed)
    root = Path(root)
    names, colours = [n for n, _ in FOLDER_CLASSES], [c for _, c in FOLDER_CLASSES]
    root.mkdir(parents=True, exist_ok=True)
    (root / "classes.json").write_text(json.dumps({"names": names, "colors": [list(c) for c in colours]}))
    for i in range(count):
        lab = band_labels(rng, *size, [1, 2, 3])
        lab[:, :2] = 0
        save_photo(root / "images" / f"p{i}.jpg", photo_for(lab, rng))
        if colour_labels:
            save_photo(root / "labels" / f"p{i}.png", np.array(colours, np.uint8)[lab])
        else:
            save_ids(root / "labels" / f"p{i}.png", lab, colours)
    return root


def labelme(root: Path, count: int = 2, size=(32, 32), seed=0) -> Path:
    """labelme2voc output: JPEGImages/, SegmentationClassPNG/ (indexed), class_names.txt."""
    rng = np.random.default_rng(seed)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "class_names.txt").write_text("_background_\nroad\ntree\n")
    for i in range(count):
        lab = band_labels(rng, *size, [0, 1, 2])
        save_photo(root / "JPEGImages" / f"img{i}.jpg", photo_for(lab, rng))
        save_ids(root / "SegmentationClassPNG" / f"img{i}.png", lab, [(0, 0, 0), (128, 0, 0), (0, 128, 0)])
    return root


CVAT_COLOURS = [(0, 0, 0), (250, 50, 83), (51, 221, 255)]


def cvat(root: Path, count: int = 2, size=(32, 32), seed=0) -> Path:
    """CVAT "Segmentation mask 1.1": labelmap.txt, JPEGImages/, SegmentationClass/ (colour-coded RGB)."""
    rng = np.random.default_rng(seed)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    (root / "labelmap.txt").write_text("# label:color_rgb:parts:actions\nbackground:0,0,0::\ncar:250,50,83::\n"
                                       "sky:51,221,255::\n")
    for i in range(count):
        lab = band_labels(rng, *size, [2, 1, 0])
        save_photo(root / "JPEGImages" / f"frame_{i:06d}.jpg", photo_for(lab, rng))
        save_photo(root / "SegmentationClass" / f"frame_{i:06d}.png", np.array(CVAT_COLOURS, np.uint8)[lab])
    return root
