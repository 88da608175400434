"""Training datasets as people have them on disk: ADE20K, Cityscapes, COCO-Stuff and a generic folder.

A reader only lists the (image, label) file pairs and says how a label file's pixels become class
indices; it reads no pixels. `read_pair` loads one pair when a DataLoader worker asks for it, so
nothing proportional to the dataset's pixels is ever held in memory. Layouts and label conventions:
shared/docs/oasis-datasets.md (the public OASIS data loaders) and docs/training.md.

Every problem a file can have is a `LabelProblem` with a `kind` (the dataset check groups them by
kind and says how to fix each).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..imagefiles import open_picture
from ..labelformats import decode_colour_coded, read_cvat_labelmap
from ..presets import DATASET_PRESETS, default_palette

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
DATASET_KINDS = ("ade20k", "cityscapes", "coco-stuff", "folder")
# the public code's augmentation: resize by this factor of the training size, then a random crop
PUBLIC_LOAD_SCALE = {"ade20k": 286 / 256, "coco-stuff": 286 / 256, "cityscapes": 1.0, "folder": 286 / 256}


class LabelProblem(InputError):
    """A bad file of a dataset; `kind` is one of check.PROBLEM_KINDS."""

    def __init__(self, kind: str, message: str, path=None):
        self.kind = kind
        super().__init__(message, path)


@dataclass(frozen=True)
class Sample:
    name: str
    image: Path
    label: Path


@dataclass(frozen=True)
class LabelCoding:
    """How label pixels become class indices.

    Single-channel PNGs (mode P, L, I): value v -> `lut[v]` (-1 = not a class; None = identity below
    the class count). Colour PNGs are decoded through the exact colour table `colours` when the
    dataset has one; without one a colour PNG is an RGB mask given where ids are expected.
    """

    num_classes: int
    lut: tuple | None = None
    colours: tuple | None = None


@dataclass
class DatasetSource:
    kind: str
    root: Path
    class_names: tuple
    palette: tuple
    unknown_index: int
    samples: list[Sample]
    coding: LabelCoding
    frame: tuple[int, int]  # (height, width) the public augmentation trains at
    default_augment: str  # "public" (the public code's resize/crop/flip) or "ours"
    unmatched: list[LabelProblem] = field(default_factory=list)  # files without a partner
    strict_pairs: bool = True  # False: unmatched files are skipped (the old landscape layout), not errors

    def describe(self) -> dict:
        return {"name": self.kind, "root": str(self.root), "samples": len(self.samples)}


# -- decoding one pair --------------------------------------------------------------------------------

def _ranges(values) -> str:
    """[0, 1, 2, 5, 255] -> '0..2, 5, 255'."""
    out, start = [], None
    for i, v in enumerate(values):
        if start is None:
            start = v
        if i + 1 == len(values) or values[i + 1] != v + 1:
            out.append(str(start) if start == v else f"{start}..{v}")
            start = None
    return ", ".join(out)


def _single_channel(values: np.ndarray, coding: LabelCoding, path: Path) -> np.ndarray:
    values = values.astype(np.int64)
    if coding.lut is None:
        bad = values >= coding.num_classes
        lut = None
    else:
        lut = np.asarray(coding.lut, dtype=np.int64)
        inside = values < len(lut)
        bad = ~inside | (lut[np.where(inside, values, 0)] < 0)
    if bad.any():
        vals = np.unique(values[bad])
        shown = ", ".join(str(v) for v in vals[:8]) + (f" and {len(vals) - 8} more" if len(vals) > 8 else "")
        valid = f"0..{coding.num_classes - 1}" if lut is None else _ranges(np.flatnonzero(lut >= 0))
        raise LabelProblem("out_of_range", f"label values {shown} are not classes "
                           f"(this dataset has {coding.num_classes}; valid label values: {valid})", path)
    return values if lut is None else lut[values]


def decode_label(path: Path, coding: LabelCoding) -> np.ndarray:
    """H x W int64 class indices of one label file."""
    try:
        im = open_picture(path)
    except InputError as e:
        raise LabelProblem("unreadable", str(e).removeprefix(f"{path}: "), path) from None
    if im.mode in ("P", "L", "I", "I;16"):
        return _single_channel(np.asarray(im), coding, path)
    if im.mode not in ("RGB", "RGBA"):
        raise LabelProblem("unreadable", f"label picture mode {im.mode} is neither indexed nor RGB", path)
    rgb = np.asarray(im.convert("RGB"))
    if coding.colours is None:
        grey = bool((rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all())
        what = "a grey RGB picture (ids saved with three equal channels)" if grey else "a colour (RGB) mask"
        raise LabelProblem("rgb_as_ids", f"label map is {what}, but this dataset reads class ids", path)
    try:
        return decode_colour_coded(rgb, coding.colours, path)
    except InputError as e:
        raise LabelProblem("unknown_colour", str(e).removeprefix(f"{path}: "), path) from None


def read_image(path: Path) -> np.ndarray:
    try:
        im = open_picture(path)
        return np.asarray(im.convert("RGB"))
    except InputError as e:
        raise LabelProblem("unreadable", str(e).removeprefix(f"{path}: "), path) from None
    except OSError as e:  # truncated data can surface at convert()
        raise LabelProblem("unreadable", f"corrupt picture ({str(e)[:120]})", path) from None


def read_pair(sample: Sample, coding: LabelCoding) -> tuple[np.ndarray, np.ndarray]:
    """(H x W x 3 uint8, H x W int64) of one pair; a LabelProblem names the file when it is bad."""
    image, labels = read_image(sample.image), decode_label(sample.label, coding)
    if image.shape[:2] != labels.shape:
        raise LabelProblem("size", f"label map is {labels.shape[1]}x{labels.shape[0]} but its image "
                           f"{sample.image.name} is {image.shape[1]}x{image.shape[0]}", sample.label)
    return image, labels


# -- pairing files -------------------------------------------------------------------------------------

def _files(folder: Path, suffixes, recursive: bool = False) -> dict[str, Path]:
    pattern = "**/*" if recursive else "*"
    return {p.stem: p for p in sorted(folder.glob(pattern)) if p.is_file() and p.suffix.lower() in suffixes}


def pair_files(images: dict[str, Path], labels: dict[str, Path], allowed=None) -> tuple[list[Sample], list]:
    """Pairs by key (the file stem, or a dataset's own key); files without a partner become problems."""
    if allowed is not None:
        images = {k: v for k, v in images.items() if k in allowed}
        labels = {k: v for k, v in labels.items() if k in allowed}
    samples = [Sample(k, images[k], labels[k]) for k in sorted(images) if k in labels]
    unmatched = [LabelProblem("unmatched", "image has no label map (expected one with the same name)", images[k])
                 for k in sorted(images) if k not in labels]
    unmatched += [LabelProblem("unmatched", "label map has no image (expected one with the same name)", labels[k])
                  for k in sorted(labels) if k not in images]
    return samples, unmatched


def _need_dir(path: Path, what: str) -> Path:
    if not path.is_dir():
        raise InputError(f"{what} folder not found (see docs/training.md for the layout)", path)
    return path


def _preset_source(kind: str, preset_name: str, root: Path, samples, unmatched) -> DatasetSource:
    p = DATASET_PRESETS[preset_name]
    table = p._png_to_class()
    coding = LabelCoding(p.semantic_nc, tuple(int(v) for v in table))
    return DatasetSource(kind, root, p.class_names, p.palette, p.unknown_index, samples, coding,
                         (p.height, p.width), "public", unmatched)


def read_ade20k(root: Path, split: str = "train") -> DatasetSource:
    """ADEChallengeData2016/{images,annotations}/{training,validation}/ADE_*.{jpg,png}; ids 0..150."""
    root = Path(root)
    base = root / "ADEChallengeData2016" if (root / "ADEChallengeData2016").is_dir() else root
    sub = {"train": "training", "val": "validation"}.get(split, split)
    images = _files(_need_dir(base / "images" / sub, "ADE20K images"), IMAGE_SUFFIXES)
    labels = _files(_need_dir(base / "annotations" / sub, "ADE20K annotations"), (".png",))
    return _preset_source("ade20k", "ade20k", root, *pair_files(images, labels))


def read_cityscapes(root: Path, split: str = "train") -> DatasetSource:
    """leftImg8bit/<split>/<city>/*_leftImg8bit.png with gtFine/<split>/<city>/*_gtFine_labelIds.png."""
    root = Path(root)
    img_dir = _need_dir(root / "leftImg8bit" / split, "Cityscapes leftImg8bit")
    lab_dir = _need_dir(root / "gtFine" / split, "Cityscapes gtFine")
    images = {p.parent.name + "/" + p.name.removesuffix("_leftImg8bit.png"): p
              for p in sorted(img_dir.glob("*/*_leftImg8bit.png"))}
    labels = {p.parent.name + "/" + p.name.removesuffix("_gtFine_labelIds.png"): p
              for p in sorted(lab_dir.glob("*/*_gtFine_labelIds.png"))}
    return _preset_source("cityscapes", "cityscapes", root, *pair_files(images, labels))


def read_coco_stuff(root: Path, split: str = "train") -> DatasetSource:
    """train_img/ + train_label/ (val_img/, val_label/), paired by stem; PNG value + 1, 255 -> unknown."""
    root = Path(root)
    images = _files(_need_dir(root / f"{split}_img", "COCO-Stuff images"), IMAGE_SUFFIXES)
    labels = _files(_need_dir(root / f"{split}_label", "COCO-Stuff labels"), (".png",))
    return _preset_source("coco-stuff", "coco", root, *pair_files(images, labels))


# -- the generic folder --------------------------------------------------------------------------------

IMAGE_DIRS = ("images", "JPEGImages")
LABEL_DIRS = ("labels", "SegmentationClassPNG", "SegmentationClass")
NAME_FILES = ("classes.txt", "class_names.txt", "label_names.txt")  # labelme writes the last two


def _read_classes_json(path: Path) -> tuple[list, list | None]:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        if "names" in d:  # {"names": [...], "colors": [[r, g, b], ...]}
            names, colours = [str(n) for n in d["names"]], d.get("colors")
        elif "class_names" in d:  # our own label export (<name>.classes.json)
            names, colours = [str(n) for n in d["class_names"]], d.get("palette")
        else:  # {"classes": [{"index", "name", "color"}, ...]}
            items = sorted(d["classes"], key=lambda c: c["index"])
            if [c["index"] for c in items] != list(range(len(items))):
                raise InputError("class indices must be 0..N-1 without gaps", path)
            names, colours = [str(c["name"]) for c in items], [c["color"] for c in items]
        if colours is not None:
            colours = [tuple(int(v) for v in c) for c in colours]
            if len(colours) != len(names) or any(len(c) != 3 or not all(0 <= v <= 255 for v in c) for c in colours):
                raise InputError(f"{len(colours)} colours for {len(names)} names, or a colour that is not 3 "
                                 "values 0..255", path)
    except (OSError, ValueError, KeyError, TypeError) as e:
        if isinstance(e, InputError):
            raise
        raise InputError(f"malformed class list ({e.__class__.__name__}: {e})", path) from None
    if not names:
        raise InputError("the class list is empty", path)
    return names, colours


def read_class_file(path: Path) -> tuple[list, list | None]:
    """(names, colours or None) from classes.json, a CVAT labelmap.txt or a names-per-line text file."""
    path = Path(path)
    if not path.is_file():
        raise InputError("class list not found", path)
    if path.suffix == ".json":
        return _read_classes_json(path)
    if path.name == "labelmap.txt":
        return read_cvat_labelmap(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read class list ({e.__class__.__name__})", path) from None
    names = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    if not names:
        raise InputError("the class list is empty", path)
    return names, None


def find_class_file(root: Path) -> Path:
    for name in ("classes.json", "labelmap.txt", *NAME_FILES):
        if (root / name).is_file():
            return root / name
    raise InputError("no class list here: write classes.json ({\"names\": [...], \"colors\": [[r, g, b], ...]}) "
                     "or classes.txt (one name per line, index 0 = unknown)", root)


def read_folder(root: Path, images_dir: Path | None = None, labels_dir: Path | None = None,
                classes: Path | None = None, allowed=None, strict_pairs: bool = True,
                frame: tuple[int, int] = (256, 256)) -> DatasetSource:
    """ROOT/{classes.json, images/, labels/} (or labelme's / CVAT's JPEGImages/ + SegmentationClass*/ with
    class_names.txt / labelmap.txt). Labels are indexed or greyscale PNGs of class ids, or colour PNGs
    decoded through the class list's exact colours. Index 0 is the unknown class."""
    root = Path(root)
    _need_dir(root, "dataset")

    def pick(given, candidates, what):
        if given is not None:
            return _need_dir(Path(given), what)
        for c in candidates:
            if (root / c).is_dir():
                return root / c
        raise InputError(f"no {what} folder here (expected one of {', '.join(candidates)})", root)

    images_dir, labels_dir = pick(images_dir, IMAGE_DIRS, "image"), pick(labels_dir, LABEL_DIRS, "label")
    names, colours = read_class_file(Path(classes) if classes else find_class_file(root))
    palette = tuple(colours) if colours else tuple(default_palette(len(names)))
    samples, unmatched = pair_files(_files(images_dir, IMAGE_SUFFIXES), _files(labels_dir, (".png",)), allowed)
    coding = LabelCoding(len(names), None, tuple(colours) if colours else None)
    return DatasetSource("folder", root, tuple(names), palette, 0, samples, coding, frame, "ours", unmatched,
                         strict_pairs)


def open_dataset(kind: str, root: Path, split: str = "train", **folder_options) -> DatasetSource:
    if kind == "ade20k":
        return read_ade20k(root, split)
    if kind == "cityscapes":
        return read_cityscapes(root, split)
    if kind in ("coco-stuff", "coco"):
        return read_coco_stuff(root, split)
    if kind == "folder":
        return read_folder(root, **folder_options)
    raise InputError(f"unknown --dataset {kind!r} (choose from {', '.join(DATASET_KINDS)})")
