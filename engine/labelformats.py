"""Label-map formats people already have: labelme (its JSON and its PNG export), CVAT "Segmentation
mask 1.1", colour-coded maps.

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
    table: dict[int, int] = {}
    for i, (r, g, b) in enumerate(colours):
        table.setdefault((r << 16) | (g << 8) | b, i)  # a repeated colour decodes to its first class
    uniq, inverse, counts = np.unique(key.ravel(), return_inverse=True, return_counts=True)
    unknown = [(int(u), int(c)) for u, c in zip(uniq, counts, strict=True) if int(u) not in table]
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


# -- labelme's own JSON --------------------------------------------------------------------------------
# One file per picture: {"version", "flags", "shapes": [{"label", "points": [[x, y], ...], "group_id",
# "shape_type", "flags"}, ...], "imagePath", "imageData" (base64 picture or null), "imageHeight",
# "imageWidth"}. Points are in the picture's pixel coordinates. Shapes are painted in file order (a
# later shape covers an earlier one); pixels under no shape get "_background_", labelme's index 0.

LABELME_BACKGROUND = "_background_"
LABELME_SHAPES = ("polygon", "rectangle", "circle", "line", "linestrip", "point")
_MIN_POINTS = {"polygon": 3, "rectangle": 2, "circle": 2, "line": 2, "linestrip": 2, "point": 1}


def labelme_stroke_px(height: int, width: int) -> int:
    """Width of a line / radius of a point: labelme draws them as bare geometry, a label map needs area.
    About 1/80 of the short side (5 px at 384, 14 px at 1080), at least 3 px."""
    return max(3, round(min(height, width) / 80))


def _labelme_picture_size(data: dict, path: Path) -> tuple[int, int]:
    """(height, width) of the picture the shapes were drawn on: from the embedded or referenced picture,
    checked against imageHeight/imageWidth; those alone are enough when the picture is not at hand."""
    import base64
    import binascii
    import io

    stated = None
    if data.get("imageHeight") is not None and data.get("imageWidth") is not None:
        try:
            stated = (int(data["imageHeight"]), int(data["imageWidth"]))
        except (TypeError, ValueError):
            raise InputError("imageHeight / imageWidth are not numbers", path) from None
    actual, source = None, None
    try:
        if data.get("imageData"):
            source = "the embedded imageData"
            raw = base64.b64decode(data["imageData"], validate=False)
            with Image.open(io.BytesIO(raw)) as im:  # the header is enough for the size
                actual = (im.height, im.width)
        elif data.get("imagePath"):
            picture = (path.parent / str(data["imagePath"])).resolve()
            source = str(picture)
            if picture.is_file():
                with Image.open(picture) as im:
                    actual = (im.height, im.width)
    except (binascii.Error, OSError, ValueError, SyntaxError):
        raise InputError(f"{source} is not a picture Pillow can read", path) from None
    if actual is not None and stated is not None and actual != stated:
        raise InputError(f"imageHeight x imageWidth is {stated[0]}x{stated[1]} but {source} is "
                         f"{actual[0]}x{actual[1]}", path)
    size = actual or stated
    if size is None:
        where = f"{source} is missing" if source else "imageData is empty and there is no imagePath"
        raise InputError(f"no picture to take the size from: {where}, and imageHeight / imageWidth are not given",
                         path)
    if size[0] <= 0 or size[1] <= 0:
        raise InputError(f"picture size {size[0]}x{size[1]}", path)
    return size


def _labelme_points(shape: dict, number: int, path: Path) -> list[tuple[float, float]]:
    try:
        points = [(float(x), float(y)) for x, y in shape["points"]]
    except (KeyError, TypeError, ValueError):
        raise InputError(f"shape {number} ({shape.get('label')!r}): 'points' must be a list of [x, y]", path) from None
    need = _MIN_POINTS[shape["shape_type"]]
    if len(points) < need:
        raise InputError(f"shape {number} ({shape.get('label')!r}): a {shape['shape_type']} needs at least "
                         f"{need} point(s), has {len(points)}", path)
    return points


def read_labelme_json(path: Path, stroke_px: int | None = None) -> LabelFile:
    """labelme's annotation file -> LabelFile; class names are "_background_" then the shape labels in
    the order they first occur. `stroke_px`: line width and point radius (default labelme_stroke_px)."""
    import json

    from PIL import ImageDraw

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("file not found", path) from None
    except UnicodeDecodeError:
        raise InputError("not a labelme JSON file (not UTF-8 text)", path) from None
    except json.JSONDecodeError as e:
        raise InputError(f"not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})", path) from None
    except OSError as e:
        raise InputError(f"cannot read ({e.strerror or e})", path) from None
    if not isinstance(data, dict) or not isinstance(data.get("shapes"), list):
        raise InputError("not a labelme annotation: no 'shapes' list", path)
    height, width = _labelme_picture_size(data, path)
    stroke = labelme_stroke_px(height, width) if stroke_px is None else int(stroke_px)
    names = [LABELME_BACKGROUND]
    canvas = Image.new("I", (width, height), 0)  # 32-bit: any number of labels
    draw = ImageDraw.Draw(canvas)
    for number, shape in enumerate(data["shapes"], 1):
        if not isinstance(shape, dict):
            raise InputError(f"shape {number} is not an object", path)
        kind = shape.get("shape_type") or "polygon"  # labelme 3 wrote polygons without a shape_type
        if kind not in LABELME_SHAPES:
            raise InputError(f"shape {number} ({shape.get('label')!r}) has shape_type {kind!r}; supported: "
                             f"{', '.join(LABELME_SHAPES)}", path)
        shape = {**shape, "shape_type": kind}
        label = str(shape.get("label", "")).strip()
        if not label:
            raise InputError(f"shape {number} has no label", path)
        if label not in names:
            names.append(label)
        value = names.index(label)
        pts = _labelme_points(shape, number, path)
        if kind == "polygon":
            draw.polygon(pts, fill=value, outline=value)
        elif kind == "rectangle":
            (x0, y0), (x1, y1) = pts[0], pts[1]
            draw.rectangle((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), fill=value)
        elif kind == "circle":  # centre, then a point on the circle
            (cx, cy), (px, py) = pts[0], pts[1]
            r = ((px - cx) ** 2 + (py - cy) ** 2) ** 0.5
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=value)
        elif kind in ("line", "linestrip"):
            draw.line(pts, fill=value, width=stroke, joint="curve")
            for x, y in (pts[0], pts[-1]):  # round caps
                draw.ellipse((x - stroke / 2, y - stroke / 2, x + stroke / 2, y + stroke / 2), fill=value)
        else:  # point
            (x, y) = pts[0]
            draw.ellipse((x - stroke, y - stroke, x + stroke, y + stroke), fill=value)
    return LabelFile(np.asarray(canvas, dtype=np.int64), names)


def is_labelme_json(path: Path) -> bool:
    """A .json file that looks like a labelme annotation (a 'shapes' key near the start)."""
    path = Path(path)
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = f.read(65536)
    except OSError:
        return False
    return '"shapes"' in head


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
    lines += [f"{n}:{c[0]},{c[1]},{c[2]}::" for n, c in zip(lf.class_names, palette, strict=False)]
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
    by_name: dict[str, int] = {}
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
