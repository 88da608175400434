"""Reading label maps in the formats people already have, for a given model (no Qt).

Formats (`detect_format` picks one from the file and what lies beside it):
  labelme_json labelme's own annotation file (.json with shapes; the picture embedded or beside it)
  labelme      indexed PNG + label_names.txt / class_names.txt / labels.txt beside it
  cvat         CVAT "Segmentation mask 1.1": colour PNG + labelmap.txt beside it or one folder up
  classes_json our own: indexed PNG + <name>.classes.json (written by Save label map)
  indexed      indexed PNG or .npy whose values are already the model's class indices
  colour:model colour-coded picture in the model's own class colours
  colour:<preset>  colour-coded picture in the ADE20K / COCO-Stuff / Cityscapes palette

Each reader gives an `engine.labelformats.LabelFile` (labels in the file's own class order + its class
names); `ClassMapping` then maps those names to the model's classes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from engine import labelformats as lf
from engine.errors import InputError
from engine.imagefiles import open_picture, read_label_map, read_picture
from engine.presets import get_preset

from .class_mapping import ClassMapping
from .label_document import ModelReference
from .label_io import (
    classes_json_path,
    colour_table_from_model,
    decode_colour_coded,
    fit_labels,
)

PRESET_PALETTES = ("ade20k", "coco", "cityscapes")
FORMAT_LABELS = {
    "labelme_json": "labelme annotation (.json: polygons, rectangles, circles, lines, points)",
    "labelme": "labelme (indexed PNG + label_names.txt)",
    "cvat": "CVAT Segmentation mask 1.1 (PNG + labelmap.txt)",
    "classes_json": "OASIS Studio (indexed PNG + .classes.json)",
    "indexed": "Indexed PNG / .npy with the model's class numbers",
    "colour:model": "Colour-coded, model's class colours",
    "colour:ade20k": "Colour-coded, ADE20K palette",
    "colour:coco": "Colour-coded, COCO-Stuff palette",
    "colour:cityscapes": "Colour-coded, Cityscapes palette",
}
LABELME_NAME_FILES = ("label_names.txt", "class_names.txt", "labels.txt")


def _cvat_labelmap(path: Path) -> Path | None:
    for cand in (path.parent / "labelmap.txt", path.parent.parent / "labelmap.txt"):
        if cand.is_file():
            return cand
    return None


def detect_format(path: Path) -> str:
    path = Path(path)
    if path.suffix.lower() == ".npy":
        return "indexed"
    if path.suffix.lower() == ".json":
        return "labelme_json"  # the reader says so if it is not a labelme annotation
    if classes_json_path(path).is_file():
        return "classes_json"
    indexed = open_picture(path).mode in ("P", "L")  # header only; pixels are decoded by the reader
    if indexed and any((path.parent / n).is_file() for n in LABELME_NAME_FILES):
        return "labelme"
    if not indexed and _cvat_labelmap(path) is not None:
        return "cvat"
    return "indexed" if indexed else "colour:model"


def read_classes_json(png: Path) -> lf.LabelFile:
    """Our indexed PNG + sidecar; reads both sidecar layouts ({"classes": [...]} and {"class_names": [...]})."""
    sidecar = classes_json_path(png)
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"cannot read class list ({e.__class__.__name__})", sidecar) from None
    if isinstance(data, dict) and isinstance(data.get("classes"), list):
        try:
            by_index = {int(c["index"]): str(c["name"]) for c in data["classes"]}
        except (KeyError, TypeError, ValueError):
            raise InputError("'classes' entries need 'index' and 'name'", sidecar) from None
        names = [by_index.get(i, f"class {i}") for i in range(max(by_index, default=-1) + 1)]
    elif isinstance(data, dict) and isinstance(data.get("class_names"), list):
        names = [str(n) for n in data["class_names"]]
    else:
        raise InputError("expected {\"classes\": [...]} or {\"class_names\": [...]}", sidecar)
    labels = read_label_map(png).astype(np.int64)
    if labels.size and labels.max() >= len(names):
        raise InputError(f"class index {int(labels.max())} but {sidecar.name} names only {len(names)} classes", png)
    return lf.LabelFile(labels, names)


def read_label_file(path: Path, fmt: str, model: ModelReference) -> lf.LabelFile:
    path = Path(path)
    if fmt == "labelme_json":
        return lf.read_labelme_json(path)
    if fmt == "labelme":
        return lf.read_labelme(path)
    if fmt == "cvat":
        return lf.read_cvat_mask(path)
    if fmt == "classes_json":
        return read_classes_json(path)
    if fmt == "indexed":
        return lf.LabelFile(read_label_map(path).astype(np.int64), list(model.class_names))
    if fmt == "colour:model":
        table = colour_table_from_model(model)
        return lf.LabelFile(decode_colour_coded(read_picture(path), table, path), list(model.class_names))
    if fmt.startswith("colour:") and fmt[7:] in PRESET_PALETTES:
        preset = get_preset(fmt[7:])
        assert preset is not None  # a key of PRESET_PALETTES
        return lf.LabelFile(lf.decode_colour_coded(read_picture(path), preset.palette, path),
                            list(preset.class_names))
    raise InputError(f"unknown label-map format {fmt!r}", path)


def prepare_import(path: Path, model: ModelReference, fmt: str = "auto") -> tuple[lf.LabelFile, ClassMapping]:
    """Read the file and match its classes; the caller reviews `mapping` (dialog) then calls `finish_import`."""
    fmt = detect_format(path) if fmt == "auto" else fmt
    label_file = read_label_file(path, fmt, model)
    identity = fmt in ("indexed", "colour:model")
    if identity:  # already model indices: refuse out-of-range values instead of mapping them to unknown
        fit_labels(label_file.labels, model, path)
    return label_file, ClassMapping.build(label_file, model, identity)


def finish_import(label_file: lf.LabelFile, mapping: ClassMapping, model: ModelReference, source,
                  mode: str = "stretch") -> np.ndarray:
    """Model-indexed uint8 label map at the model's size (`mode`: label_io.FIT_MODES)."""
    return fit_labels(mapping.apply(label_file.labels), model, source, mode)


def import_label_map(path: Path, model: ModelReference, fmt: str = "auto") -> np.ndarray:
    """Non-interactive import: names matched case-insensitively, unmatched classes become unknown."""
    label_file, mapping = prepare_import(path, model, fmt)
    return finish_import(label_file, mapping, model, path)
