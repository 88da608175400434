"""Label-map formats people already have: labelme, CVAT "Segmentation mask 1.1", colour-coded maps.

Every reader returns `LabelFile(labels, class_names)` in the file's own class order; matching those
names to a model's classes (case-insensitively) is a separate step, `match_classes`, so the editor can
show a mapping dialog for the names that do not match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from .errors import InputError
from .fileio import atomic_write_text
from .imagefiles import open_picture, read_picture, write_label_map, write_picture


@dataclass
class LabelFile:
    labels: np.ndarray  # H x W int64, indices into class_names
    class_names: list


def _read_text_lines(path: Path) -> list[str]:
    try:
        return Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError("class list file not found", path) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read class list ({e.__class__.__name__})", path) from None


# -- colour-coded maps ---------------------------------------------------------------------------

def decode_colour_coded(rgb: np.ndarray, colours, source=None) -> np.ndarray:
    """Map each pixel colour to the index of the exactly equal colour in `colours`.

    Unknown colours are an error that lists them (with pixel counts), never a silent nearest match.
    """
    colours = [tuple(int(v) for v in c) for c in colours]
    key = (rgb[..., 0].astype(np.int64) << 16) | (rgb[..., 1].astype(np.int64) << 8) | rgb[..., 2]
    table = {}
    for i, (r, g, b) in enumerate(colours):
        table.setdefault((r << 16) | (g << 8) | b, i)  # a repeated colour decodes to its first class
    uniq, inverse, counts = np.unique(key.ravel(), return_inverse=True, return_counts=True)
    unknown = [(int(u), int(c)) for u, c in zip(uniq, counts) if int(u) not in table]
    if unknown:
        shown = ", ".join(f"({u >> 16},{(u >> 8) & 255},{u & 255}) x{c}" for u, c in unknown[:8])
        more = f" and {len(unknown) - 8} more" if len(unknown) > 8 else ""
        raise InputError(f"{len(unknown)} colour(s) not in the colour table: {shown}{more}", source)
    lut = np.array([table[int(u)] for u in uniq], dtype=np.int64)
    return lut[inverse].reshape(key.shape)


def colourise(labels: np.ndarray, palette) -> np.ndarray:
    pal = np.asarray(palette, dtype=np.uint8)
    return pal[labels]


# -- labelme ---------------------------------------------------------------------------------------
# `labelme_json_to_dataset` / `labelme2voc` write an indexed PNG plus `label_names.txt` or
# `class_names.txt` (one name per line, index 0 = `_background_`).

def read_labelme(png: Path, names_file: Path | None = None) -> LabelFile:
    png = Path(png)
    if names_file is None:
        for cand in ("label_names.txt", "class_names.txt", "labels.txt"):
            if (png.parent / cand).is_file():
                names_file = png.parent / cand
                break
        else:
            raise InputError("no label_names.txt / class_names.txt / labels.txt beside the label PNG", png)
    names = [ln.strip() for ln in _read_text_lines(names_file) if ln.strip() and not ln.startswith("#")]
    im = open_picture(png)
    if im.mode not in ("P", "L"):
        raise InputError(f"labelme label PNG must be indexed (mode P), not mode {im.mode}", png)
    labels = np.asarray(im, dtype=np.int64)
    if labels.max(initial=0) >= len(names):
        raise InputError(f"class index {int(labels.max())} but {names_file} lists only {len(names)} classes", png)
    return LabelFile(labels, names)


def write_labelme(png: Path, lf: LabelFile, palette) -> None:
    png = Path(png)
    write_label_map(png, lf.labels, palette)
    atomic_write_text(png.parent / "label_names.txt", "\n".join(lf.class_names) + "\n")


# -- CVAT "Segmentation mask 1.1" ------------------------------------------------------------------
# labelmap.txt: '# label:color_rgb:parts:actions' then 'name:r,g,b::' per class; masks in
# SegmentationClass/*.png are colour-coded RGB.

_CVAT_LINE = re.compile(r"^(?P<name>[^:]*):(?P<r>\d+),(?P<g>\d+),(?P<b>\d+):[^:]*:.*$")


def read_cvat_labelmap(path: Path) -> tuple[list, list]:
    names, colours = [], []
    for lineno, line in enumerate(_read_text_lines(path), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _CVAT_LINE.match(line.strip())
        if not m or not all(0 <= int(m[c]) <= 255 for c in "rgb"):
            raise InputError(f"line {lineno} is not 'name:r,g,b:parts:actions'", path)
        names.append(m["name"])
        colours.append((int(m["r"]), int(m["g"]), int(m["b"])))
    if not names:
        raise InputError("labelmap.txt lists no classes", path)
    return names, colours


def read_cvat_mask(png: Path, labelmap: Path | None = None) -> LabelFile:
    png = Path(png)
    if labelmap is None:
        for cand in (png.parent / "labelmap.txt", png.parent.parent / "labelmap.txt"):
            if cand.is_file():
                labelmap = cand
                break
        else:
            raise InputError("no labelmap.txt found beside the mask or its parent folder", png)
    names, colours = read_cvat_labelmap(labelmap)
    return LabelFile(decode_colour_coded(read_picture(png), colours, png), names)


def write_cvat_mask(png: Path, lf: LabelFile, palette, labelmap: Path) -> None:
    lines = ["# label:color_rgb:parts:actions"]
    lines += [f"{n}:{c[0]},{c[1]},{c[2]}::" for n, c in zip(lf.class_names, palette)]
    atomic_write_text(Path(labelmap), "\n".join(lines) + "\n")
    write_picture(Path(png), colourise(lf.labels, palette))


# -- matching a file's classes to a model's ----------------------------------------------------------

def _norm_name(name: str) -> str:
    return re.sub(r"[\s_\-]+", " ", name.lower()).strip()


BACKGROUND_NAMES = {"background", "unknown", "unlabeled", "unlabelled", "void"}


def match_classes(file_names, model_names, model_unknown: int | None = 0) -> tuple[dict, list]:
    """Case-insensitive name matching. Returns (mapping file index -> model index, unmatched file indices).

    Background-like names map to the model's unknown class when it has one.
    """
    by_name = {}
    for i, n in enumerate(model_names):
        by_name.setdefault(_norm_name(n), i)
    mapping, unmatched = {}, []
    for i, n in enumerate(file_names):
        key = _norm_name(n)
        if key in by_name:
            mapping[i] = by_name[key]
        elif model_unknown is not None and key in BACKGROUND_NAMES:
            mapping[i] = model_unknown
        else:
            unmatched.append(i)
    return mapping, unmatched


def apply_mapping(labels: np.ndarray, mapping: dict, fill: int) -> np.ndarray:
    """Relabel file indices to model indices; indices without a mapping become `fill`."""
    size = max(int(labels.max(initial=0)) + 1, max(mapping, default=0) + 1)
    lut = np.full(size, fill, dtype=np.int64)
    for src, dst in mapping.items():
        lut[src] = dst
    return lut[labels]


def write_indexed_png_with_names(png: Path, labels: np.ndarray, class_names, palette) -> None:
    """Our own label-map export: indexed PNG (palette = class colours) plus `<name>.classes.json`."""
    import json

    png = Path(png)
    write_label_map(png, labels, palette)
    atomic_write_text(png.with_suffix(".classes.json"),
                      json.dumps({"class_names": list(class_names), "palette": [list(c) for c in palette]}, indent=1))


def palette_of_png(png: Path) -> list | None:
    im = Image.open(png)
    pal = im.getpalette()
    return [tuple(pal[i:i + 3]) for i in range(0, len(pal), 3)] if pal else None
