"""Turns hand-drawn annotation sources into the committed label PNGs of the landscape dataset.

An annotation file (resources/landscapes/annotations/<id>.json) lists shapes in working-resolution
pixels, painted in order so later shapes cover earlier ones:
  {"photo": id, "size": [w, h], "band": 6,
   "shapes": [{"class": "sky", "polygon": [[x, y], ...]},
              {"class": "tree", "line": [[x, y], ...], "width": 5},   # a scribble
              {"class": "flower", "ellipse": [cx, cy, rx, ry]},
              {"class": "unknown", "polygon": [...]}, ...],
   "recolor": [{"class": "sky", "from": "tree", "hsv_min": [95, 80, 90], "hsv_max": [130, 255, 255]}]}
The painted map is only trusted away from its own borders: a strip `band` px wide along every border
between two different paints is re-decided by OpenCV's watershed on the photo's colour gradients,
seeded by the rest, so borders follow the real edges instead of the polygon vertices. Pixels that no
shape covers stay 0 (unknown), and 'unknown' shapes act as seeds so classes cannot grow into them.
Finally each "recolor" rule moves pixels of class `from` whose OpenCV HSV colour (H 0-180) lies in the
range to `class` -- used for sky seen through foliage, which no polygon can follow -- optionally only
inside its own "polygon"; with "outside_range": true the pixels outside the range move instead.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from engine.errors import InputError

RESOURCES_DIR = Path(__file__).resolve().parents[2] / "resources" / "landscapes"
CLASSES_PATH = RESOURCES_DIR / "classes.json"

UNPAINTED = 255  # sentinel in the painted map for "no shape here"


def load_classes(path: Path = CLASSES_PATH) -> list[dict]:
    try:
        classes = json.loads(Path(path).read_text())["classes"]
    except (OSError, json.JSONDecodeError, KeyError) as exc:
        raise InputError(f"cannot read class list ({exc})", path) from exc
    if [c["index"] for c in classes] != list(range(len(classes))) or classes[0]["name"] != "unknown":
        raise InputError("class indices must be 0..N-1 with 0 = unknown", path)
    return classes


def palette_bytes(classes: list[dict]) -> list[int]:
    flat = [channel for c in classes for channel in c["color"]]
    return flat + [0] * (768 - len(flat))


def paint_shapes(annotation: dict, class_index: dict[str, int]) -> np.ndarray:
    width, height = annotation["size"]
    painted = np.full((height, width), UNPAINTED, np.uint8)
    for shape in annotation["shapes"]:
        if shape["class"] not in class_index:
            raise InputError(f"unknown class {shape['class']!r} in annotation of {annotation['photo']}")
        value = class_index[shape["class"]]
        if "polygon" in shape:
            points = np.round(np.array(shape["polygon"], np.float64)).astype(np.int32)
            cv2.fillPoly(painted, [points], value)
        elif "ellipse" in shape:
            cx, cy, rx, ry = (int(round(v)) for v in shape["ellipse"])
            cv2.ellipse(painted, (cx, cy), (rx, ry), 0, 0, 360, int(value), thickness=-1)
        else:
            points = np.round(np.array(shape["line"], np.float64)).astype(np.int32)
            cv2.polylines(painted, [points], False, value, thickness=int(shape.get("width", 5)))
    return painted


def refine_with_watershed(photo_rgb: np.ndarray, painted: np.ndarray, band: int) -> np.ndarray:
    """Re-decide the `band`-wide strips along paint borders with watershed; returns class indices."""
    markers = np.zeros(painted.shape, np.int32)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))
    values = [v for v in np.unique(painted) if v != UNPAINTED]
    for value in values:
        sure = cv2.erode((painted == value).astype(np.uint8), kernel, borderValue=1)
        markers[sure.astype(bool)] = int(value) + 1  # watershed reserves 0 for "undecided"
    # Unpainted pixels are not competed for: seed them as their own basin so no class leaks in.
    markers[painted == UNPAINTED] = UNPAINTED + 1
    smoothed = cv2.GaussianBlur(photo_rgb, (3, 3), 0)
    # OpenCV marks the outermost pixel ring as ridge; pad by one so the real border is decided too.
    padded_photo = cv2.copyMakeBorder(smoothed, 1, 1, 1, 1, cv2.BORDER_REPLICATE)
    padded_markers = cv2.copyMakeBorder(markers, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    cv2.watershed(cv2.cvtColor(padded_photo, cv2.COLOR_RGB2BGR), padded_markers)
    basins = padded_markers[1:-1, 1:-1]
    labels = basins - 1
    # 1-px watershed lines between basins, and the rare pixel no basin reached (left 0 by OpenCV, seen
    # at high resolution where a tiny shape's seed erodes away): both keep their painted class.
    kept = (basins == -1) | (basins == 0)
    labels[kept] = painted[kept]
    labels[(labels == UNPAINTED) | (painted == UNPAINTED)] = 0
    return labels.astype(np.uint8)


def apply_recolor_rules(photo_rgb: np.ndarray, labels: np.ndarray, rules: list[dict],
                        class_index: dict[str, int], median_size: int = 3) -> np.ndarray:
    hsv = cv2.cvtColor(photo_rgb, cv2.COLOR_RGB2HSV)
    labels = labels.copy()
    for rule in rules:
        matched = cv2.inRange(hsv, np.array(rule["hsv_min"], np.uint8), np.array(rule["hsv_max"], np.uint8))
        # Median filtering drops isolated pixels that only happen to match the colour range.
        in_range = cv2.medianBlur(matched, median_size).astype(bool)
        if rule.get("outside_range", False):  # e.g. leaves (anything not sky-blue) inside a sky area
            in_range = ~in_range
        selected = in_range & (labels == class_index[rule["from"]])
        if "polygon" in rule:
            inside = np.zeros(labels.shape, np.uint8)
            cv2.fillPoly(inside, [np.round(np.array(rule["polygon"], np.float64)).astype(np.int32)], 1)
            selected &= inside.astype(bool)
        labels[selected] = class_index[rule["class"]]
    return labels


def make_label_map(photo_rgb: np.ndarray, annotation: dict, classes: list[dict]) -> np.ndarray:
    height, width = photo_rgb.shape[:2]
    if list(annotation["size"]) != [width, height]:
        raise InputError(f"annotation size {annotation['size']} differs from photo {width}x{height}",
                         annotation["photo"])
    class_index = {c["name"]: c["index"] for c in classes}
    painted = paint_shapes(annotation, class_index)
    labels = refine_with_watershed(photo_rgb, painted, int(annotation.get("band", 6)))
    return apply_recolor_rules(photo_rgb, labels, annotation.get("recolor", []), class_index,
                               int(annotation.get("median", 3)))


def scale_annotation(annotation: dict, size: tuple[int, int]) -> dict:
    """The annotation redrawn for the same photo at another resolution (e.g. the high-resolution copy).

    Coordinates are kept in the working frame in the files; here they are scaled per axis, and the
    watershed band, scribble widths and the colour-rule median window grow with the scale so a
    label map at 4x resolution is decided like the working one, only with finer borders."""
    (width, height), (new_width, new_height) = annotation["size"], size
    sx, sy = new_width / width, new_height / height
    if abs(sx - sy) > 0.01 * max(sx, sy):
        raise InputError(f"cannot scale the {width}x{height} annotation to {new_width}x{new_height}: "
                         "the aspect ratio differs", annotation["photo"])
    scale = (sx + sy) / 2

    def points(pts):
        return [[x * sx, y * sy] for x, y in pts]

    shapes = []
    for shape in annotation["shapes"]:
        shape = dict(shape)
        if "polygon" in shape:
            shape["polygon"] = points(shape["polygon"])
        elif "ellipse" in shape:
            cx, cy, rx, ry = shape["ellipse"]
            shape["ellipse"] = [cx * sx, cy * sy, rx * sx, ry * sy]
        else:
            shape["line"] = points(shape["line"])
            shape["width"] = max(1, round(int(shape.get("width", 5)) * scale))
        shapes.append(shape)
    rules = [dict(rule, polygon=points(rule["polygon"])) if "polygon" in rule else dict(rule)
             for rule in annotation.get("recolor", [])]
    return dict(annotation, size=[new_width, new_height], shapes=shapes, recolor=rules,
                band=max(1, round(int(annotation.get("band", 6)) * scale)),
                median=2 * max(1, round((int(annotation.get("median", 3)) * scale - 1) / 2)) + 1)


def save_label_png(labels: np.ndarray, classes: list[dict], path: Path) -> None:
    image = Image.fromarray(labels, mode="P")
    image.putpalette(palette_bytes(classes))
    image.save(path, format="PNG", optimize=True)


def rebuild_labels(photo_dir, labels_dir=RESOURCES_DIR / "labels", ids=None) -> list[Path]:
    classes = load_classes()
    written = []
    for source in sorted((RESOURCES_DIR / "annotations").glob("*.json")):
        annotation = json.loads(source.read_text())
        if ids and annotation["photo"] not in ids:
            continue
        photo_path = Path(photo_dir) / f"{annotation['photo']}.png"
        photo = np.asarray(Image.open(photo_path).convert("RGB"))
        target = Path(labels_dir) / f"{annotation['photo']}.png"
        save_label_png(make_label_map(photo, annotation, classes), classes, target)
        written.append(target)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Rebuild landscape label PNGs from annotation sources.")
    parser.add_argument("--photos", required=True, help="folder with the built photos (<id>.png)")
    parser.add_argument("--out", default=str(RESOURCES_DIR / "labels"), help="label PNG folder")
    parser.add_argument("ids", nargs="*", help="only these photo ids")
    args = parser.parse_args(argv)
    for path in rebuild_labels(args.photos, args.out, set(args.ids)):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
