"""Round trips for every label-map format, and exact colour decoding with clear errors."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine.errors import InputError
from engine.imagefiles import read_label_map, write_label_map
from engine.labelformats import (
    LabelFile,
    apply_mapping,
    decode_colour_coded,
    match_classes,
    read_cvat_mask,
    read_labelme,
    write_cvat_mask,
    write_indexed_png_with_names,
    write_labelme,
)
from engine.ora import OraLayer, read_ora, rgb_layer, write_ora
from engine.presets import DATASET_PRESETS, default_palette

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def label_maps(max_classes=40):
    return st.integers(2, max_classes).flatmap(
        lambda n: st.tuples(st.just(n), arrays(np.int64, st.tuples(st.integers(1, 24), st.integers(1, 24)),
                                               elements=st.integers(0, n - 1))))


@SETTINGS
@given(label_maps(255))
def test_indexed_png_round_trip(tmp_path, nl):
    n, labels = nl
    p = tmp_path / "l.png"
    write_label_map(p, labels, default_palette(n))
    assert np.array_equal(read_label_map(p), labels)


@SETTINGS
@given(label_maps())
def test_labelme_round_trip(tmp_path, nl):
    n, labels = nl
    names = ["_background_"] + [f"thing {i}" for i in range(1, n)]
    write_labelme(tmp_path / "label.png", LabelFile(labels, names), default_palette(n))
    back = read_labelme(tmp_path / "label.png")
    assert back.class_names == names and np.array_equal(back.labels, labels)


@SETTINGS
@given(label_maps())
def test_cvat_round_trip(tmp_path, nl):
    n, labels = nl
    names = ["background"] + [f"class:{i}".replace(":", "_") for i in range(1, n)]
    (tmp_path / "SegmentationClass").mkdir(exist_ok=True)
    write_cvat_mask(tmp_path / "SegmentationClass" / "a.png", LabelFile(labels, names), default_palette(n),
                    tmp_path / "labelmap.txt")
    back = read_cvat_mask(tmp_path / "SegmentationClass" / "a.png")
    assert back.class_names == names and np.array_equal(back.labels, labels)


@pytest.mark.parametrize("preset", ["ade20k", "coco"])
def test_preset_palette_colour_coded_round_trip(preset):
    # ade20k repeats one colour (road / skyscraper): decoding takes the first class, so use distinct ones
    p = DATASET_PRESETS[preset]
    first = {}
    for i, c in enumerate(p.palette):
        first.setdefault(tuple(c), i)
    usable = np.array(sorted(first.values()))
    labels = np.random.default_rng(0).choice(usable, size=(32, 48))
    rgb = np.asarray(p.palette, dtype=np.uint8)[labels]
    assert np.array_equal(decode_colour_coded(rgb, p.palette), labels)


def test_unknown_colours_listed():
    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[0, 0] = (1, 2, 3)
    rgb[1, :] = (9, 9, 9)
    with pytest.raises(InputError, match=r"2 colour\(s\) not in the colour table: \(1,2,3\) x1, \(9,9,9\) x4"):
        decode_colour_coded(rgb, [(0, 0, 0)], source="map.png")


def test_class_matching_case_insensitive():
    mapping, unmatched = match_classes(["_background_", "SKY", "Tall_Grass", "water"],
                                       ["unknown", "sky", "tall grass", "sea"])
    assert mapping == {0: 0, 1: 1, 2: 2} and unmatched == [3]
    labels = np.array([[0, 1, 2, 3]])
    assert apply_mapping(labels, mapping, fill=0).tolist() == [[0, 1, 2, 0]]


def test_labelme_index_beyond_names(tmp_path):
    write_label_map(tmp_path / "label.png", np.array([[0, 5]]), default_palette(6))
    (tmp_path / "label_names.txt").write_text("_background_\nsky\n")
    with pytest.raises(InputError, match="class index 5 but .* lists only 2 classes"):
        read_labelme(tmp_path / "label.png")


def test_indexed_png_with_names(tmp_path):
    labels = np.array([[0, 1], [2, 1]])
    write_indexed_png_with_names(tmp_path / "m.png", labels, ["a", "b", "c"], default_palette(3))
    assert np.array_equal(read_label_map(tmp_path / "m.png"), labels)
    assert json.loads((tmp_path / "m.classes.json").read_text())["class_names"] == ["a", "b", "c"]


def test_ora_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (40, 56, 3), dtype=np.uint8)
    labels = rng.integers(0, 255, (40, 56, 4), dtype=np.uint8)
    layers = [OraLayer("noise regions", labels, visible=False, opacity=0.5),
              OraLayer("label map", rgb_layer(image[..., ::-1]), opacity=0.6),
              OraLayer("image", rgb_layer(image))]
    write_ora(tmp_path / "x.ora", layers)
    import zipfile

    with zipfile.ZipFile(tmp_path / "x.ora") as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert {"stack.xml", "mergedimage.png", "Thumbnails/thumbnail.png"} <= set(z.namelist())
    back = read_ora(tmp_path / "x.ora")
    assert [lay.name for lay in back] == [lay.name for lay in layers]
    for a, b in zip(back, layers, strict=True):
        assert np.array_equal(a.rgba, b.rgba) and a.visible == b.visible and abs(a.opacity - b.opacity) < 1e-3
