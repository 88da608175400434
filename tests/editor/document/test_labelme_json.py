"""labelme's own annotation files (.json) import through the class mapping, like the other formats."""

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from editor.document.label_import import detect_format, finish_import, prepare_import
from editor.dragdrop import classify_drop
from engine import labelformats as lf
from engine.errors import InputError


def _png_bytes(height, width):
    buf = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 120, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def shape(label, points, shape_type, group_id=None):
    return {"label": label, "points": [[float(x), float(y)] for x, y in points], "group_id": group_id,
            "shape_type": shape_type, "flags": {}}


def write_labelme_json(path, shapes, height=48, width=64, embed=True, image_path="frame.png", stated=True):
    """As labelme 5 writes its files (keys in its order)."""
    data = {"version": "5.2.1", "flags": {}, "shapes": shapes, "imagePath": image_path,
            "imageData": base64.b64encode(_png_bytes(height, width)).decode("ascii") if embed else None,
            "imageHeight": height if stated else None, "imageWidth": width if stated else None}
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


SCENE = [
    shape("sky", [(0, 0), (63, 0), (63, 15), (0, 15)], "polygon"),
    shape("Water", [(0, 32), (40, 47)], "rectangle"),
    shape("tree", [(50, 30), (50, 36)], "circle"),  # centre, then a point on the circle: radius 6
    shape("rock", [(2, 24), (30, 24)], "line"),
    shape("rock", [(40, 20), (46, 20), (46, 26)], "linestrip"),
    shape("car", [(20, 5)], "point", group_id=1),  # on top of the sky: later shapes cover earlier ones
]


def test_every_shape_type_is_painted_and_names_are_matched(tmp_path, model):
    path = write_labelme_json(tmp_path / "frame.json", SCENE, height=24 * 2, width=32 * 2)
    assert detect_format(path) == "labelme_json"
    label_file, mapping = prepare_import(path, model)
    assert label_file.class_names == ["_background_", "sky", "Water", "tree", "rock", "car"]
    assert label_file.labels.shape == (48, 64)
    names = dict(enumerate(label_file.class_names))
    at = lambda x, y: names[int(label_file.labels[y, x])]  # noqa: E731
    assert at(60, 10) == "sky" and at(10, 40) == "Water" and at(50, 30) == "tree" and at(50, 35) == "tree"
    assert at(57, 30) == "_background_"  # just outside the circle
    assert at(15, 24) == "rock" and at(15, 25) == "rock"  # a line has width (labelme_stroke_px: 3 here)
    assert at(46, 23) == "rock"  # the linestrip's second segment
    assert at(20, 5) == "car" and at(22, 5) == "car"  # a point is a disc
    assert at(60, 40) == "_background_"
    # names by case; background -> unknown; only "car" needs the dialog
    assert [r.file_name for r in mapping.unmatched_rows] == ["car"]
    mapping.assign(5, 5)  # car -> building, as the dialog does
    out = finish_import(label_file, mapping, model, path)
    assert out.shape == (24, 32)  # the model's size
    assert out[2, 30] == 1 and out[20, 5] == 2 and out[15, 25] == 3 and out[2, 10] == 5 and out[20, 30] == 0


def test_referenced_picture_beside_the_json_gives_the_size(tmp_path, model):
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "frame.png").write_bytes(_png_bytes(30, 40))
    (tmp_path / "ann").mkdir()
    path = write_labelme_json(tmp_path / "ann" / "frame.json", SCENE[:1], embed=False,
                              image_path="../pics/frame.png", stated=False)
    label_file, _ = prepare_import(path, model)
    assert label_file.labels.shape == (30, 40)
    # the size stated in the file alone is enough when the picture is not at hand
    path = write_labelme_json(tmp_path / "alone.json", SCENE[:1], height=20, width=28, embed=False,
                              image_path="nowhere.png")
    assert prepare_import(path, model)[0].labels.shape == (20, 28)


@pytest.mark.parametrize("write, message", [
    (lambda p: p.write_text("{\"shapes\": [", encoding="utf-8"), "not valid JSON"),
    (lambda p: p.write_text(json.dumps({"class_names": ["a"]}), encoding="utf-8"), "no 'shapes' list"),
    (lambda p: write_labelme_json(p, SCENE, embed=False, image_path="gone.png", stated=False),
     "gone.png is missing"),
    (lambda p: write_labelme_json(p, [shape("x", [(1, 1), (3, 3)], "cuboid")]), "shape_type 'cuboid'"),
    (lambda p: write_labelme_json(p, [shape("x", [(1, 1), (3, 3)], "polygon")]), "at least 3 point"),
    (lambda p: write_labelme_json(p, [{"label": "x", "points": "oops", "shape_type": "polygon"}]),
     "'points' must be a list"),
    (lambda p: write_labelme_json(p, SCENE, height=10, width=10, stated=True) and
     p.write_text(p.read_text().replace('"imageHeight": 10', '"imageHeight": 11')), "is 10x10"),
])
def test_bad_files_are_refused_with_the_file_and_the_problem(tmp_path, model, write, message):
    path = tmp_path / "bad.json"
    write(path)
    with pytest.raises(InputError) as err:
        prepare_import(path, model)
    assert message in str(err.value) and "bad.json" in str(err.value)


def test_stroke_width_follows_the_picture_size():
    assert lf.labelme_stroke_px(48, 64) == 3 and lf.labelme_stroke_px(384, 576) == 5
    assert lf.labelme_stroke_px(1080, 1920) == 14


def test_dropping_a_labelme_json_imports_it(tmp_path):
    path = write_labelme_json(tmp_path / "frame.json", SCENE)
    assert (classify_drop(path).kind, classify_drop(path).detail) == ("label_map", "labelme_json")
    (tmp_path / "other.json").write_text(json.dumps({"a": 1}))
    assert classify_drop(tmp_path / "other.json").kind == "none"
