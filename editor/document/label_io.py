"""Label maps on disk: indexed PNG + class JSON out; indexed PNG/npy or colour-coded PNG in.

Colour-coded maps (an RGB picture where each class has a colour) are read only through an exact colour
table: any colour not in the table is an error that lists the colours, never a guess.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from engine.errors import InputError
from engine.fileio import atomic_write_text
from engine.imagefiles import read_label_map, read_picture, write_label_map

from .label_document import ModelReference

MAX_LISTED_COLOURS = 8


def classes_json_path(png_path: Path) -> Path:
    png_path = Path(png_path)
    return png_path.with_name(png_path.stem + ".classes.json")


def save_label_map(path: Path, labels: np.ndarray, model: ModelReference) -> Path:
    """Indexed PNG with the class colours as palette, plus `<name>.classes.json` naming the classes."""
    path = Path(path)
    write_label_map(path, labels, model.palette)
    sidecar = classes_json_path(path)
    atomic_write_text(sidecar, json.dumps({
        "classes": [{"index": i, "name": n, "color": list(c)}
                    for i, (n, c) in enumerate(zip(model.class_names, model.palette, strict=False))],
        "unknown_index": model.unknown_index, "dataset": model.dataset}, indent=2))
    return sidecar


FIT_MODES = ("crop", "pad", "stretch")  # how a map of another aspect ratio comes to the model's


def size_difference(shape, model: ModelReference) -> str | None:
    """None: the model's size; "scale": same aspect ratio, only resized; "aspect": another aspect ratio,
    where crop, pad or stretch give different layouts (the editor asks)."""
    h, w = shape[:2]
    if (h, w) == (model.height, model.width):
        return None
    return "scale" if h * model.width == w * model.height else "aspect"


def fit_aspect(labels: np.ndarray, height: int, width: int, mode: str, fill: int | None) -> np.ndarray:
    """The map at the aspect ratio height:width, not yet resized: "crop" keeps the centre, "pad" adds
    borders of class `fill` (edge pixels repeated when None), "stretch" leaves it as it is."""
    if mode == "stretch":
        return labels
    h, w = labels.shape
    wide = w * height > h * width
    if mode == "crop":
        if wide:
            nw = max(1, round(h * width / height))
            return labels[:, (w - nw) // 2:(w - nw) // 2 + nw]
        nh = max(1, round(w * height / width))
        return labels[(h - nh) // 2:(h - nh) // 2 + nh]
    if mode == "pad":
        if wide:
            extra = round(w * height / width) - h
            pads = ((extra // 2, extra - extra // 2), (0, 0))
        else:
            extra = round(h * width / height) - w
            pads = ((0, 0), (extra // 2, extra - extra // 2))
        if fill is None:
            return np.pad(labels, pads, mode="edge")
        return np.pad(labels, pads, mode="constant", constant_values=fill)
    raise ValueError(f"mode must be one of {FIT_MODES}, not {mode!r}")


def check_classes(labels: np.ndarray, model: ModelReference, source) -> None:
    """A 2-D map of the model's class indices, at any size; InputError naming the file otherwise."""
    if labels.ndim != 2:
        raise InputError(f"expected a 2-D label map, got shape {labels.shape}", source)
    if labels.size and (labels.min() < 0 or labels.max() >= model.num_classes):
        bad = int(labels.max() if labels.max() >= model.num_classes else labels.min())
        raise InputError(f"class index {bad} out of range (model has {model.num_classes} classes)", source)


def fit_labels(labels: np.ndarray, model: ModelReference, source, mode: str = "stretch") -> np.ndarray:
    """Check class indices and bring the map to the model size: `mode` (FIT_MODES) for another aspect
    ratio, then nearest neighbour, which keeps classes exact. Padding uses the unknown class if any."""
    check_classes(labels, model, source)
    out = labels.astype(np.uint8)
    if out.shape != (model.height, model.width):
        out = fit_aspect(out, model.height, model.width, mode, model.unknown_index)
        out = np.ascontiguousarray(out)
        out = np.asarray(Image.fromarray(out).resize((model.width, model.height), Image.Resampling.NEAREST))
    return out


def open_label_map(path: Path, model: ModelReference, mode: str = "stretch") -> np.ndarray:
    return fit_labels(read_label_map(path), model, path, mode)


def colour_table_from_model(model: ModelReference) -> dict:
    """(r, g, b) -> class index from the model palette; a colour used by two classes is ambiguous."""
    table: dict[tuple[int, ...], int] = {}
    seen: dict[tuple[int, ...], list[int]] = {}
    for i, c in enumerate(model.palette):
        c = tuple(c)
        if c in table:
            seen.setdefault(c, [table[c]]).append(i)
        table.setdefault(c, i)
    for c in seen:
        del table[c]  # ambiguous colours cannot decode; they show up as "unknown colour" if used
    return table


def read_colour_table(path: Path, model: ModelReference) -> dict:
    """A JSON colour table: {"#rrggbb": class name or index, ...} or {"colors": [[r,g,b], ...]} (index order)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("colour table not found", path) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"colour table is not readable JSON ({e.__class__.__name__})", path) from None
    names = {n: i for i, n in enumerate(model.class_names)}
    table = {}
    if isinstance(data, dict) and isinstance(data.get("colors"), list):
        entries = [(c, i) for i, c in enumerate(data["colors"])]
    elif isinstance(data, dict):
        entries = list(data.items())
    else:
        raise InputError("colour table must be a JSON object", path)
    for colour, cls in entries:
        rgb = _parse_colour(colour, path)
        if isinstance(cls, str):
            if cls not in names:
                raise InputError(f"colour table names unknown class {cls!r}", path)
            cls = names[cls]
        if not isinstance(cls, int) or not 0 <= cls < model.num_classes:
            raise InputError(f"colour table maps {colour!r} to invalid class {cls!r}", path)
        table[rgb] = cls
    return table


def _parse_colour(colour, path) -> tuple:
    if isinstance(colour, str) and colour.startswith("#") and len(colour) == 7:
        try:
            return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
        except ValueError:
            pass
    if isinstance(colour, list) and len(colour) == 3 and all(isinstance(v, int) and 0 <= v <= 255 for v in colour):
        return tuple(colour)
    raise InputError(f"colour table entry {colour!r} is not '#rrggbb' or [r, g, b]", path)


def decode_colour_coded(rgb: np.ndarray, table: dict, source) -> np.ndarray:
    """H x W x 3 uint8 -> H x W class indices; InputError listing every colour missing from the table."""
    packed = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
    colours, inverse, counts = np.unique(packed.ravel(), return_inverse=True, return_counts=True)
    lut = np.full(len(colours), -1, dtype=np.int64)
    missing = []
    for k, p in enumerate(colours):
        c = (int(p) >> 16, (int(p) >> 8) & 255, int(p) & 255)
        if c in table:
            lut[k] = table[c]
        else:
            missing.append((int(counts[k]), c))
    if missing:
        missing.sort(reverse=True)
        listed = ", ".join(f"#{r:02x}{g:02x}{b:02x} ({n} px)" for n, (r, g, b) in missing[:MAX_LISTED_COLOURS])
        more = f" and {len(missing) - MAX_LISTED_COLOURS} more" if len(missing) > MAX_LISTED_COLOURS else ""
        raise InputError(f"{len(missing)} colour(s) not in the colour table: {listed}{more}", source)
    return lut[inverse].reshape(packed.shape)


def read_colour_coded(path: Path, model: ModelReference, table: dict | None = None) -> np.ndarray:
    """A colour-coded map decoded to class indices at its own size."""
    table = colour_table_from_model(model) if table is None else table
    return decode_colour_coded(read_picture(path), table, path)


def import_colour_coded(path: Path, model: ModelReference, table: dict | None = None,
                        mode: str = "stretch") -> np.ndarray:
    return fit_labels(read_colour_coded(path, model, table), model, path, mode)
