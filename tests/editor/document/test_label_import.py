"""Round trips of every supported label-map format through the editor's import path."""

import numpy as np
import pytest

from editor.document import ModelReference
from editor.document.label_import import (
    detect_format,
    finish_import,
    import_label_map,
    prepare_import,
)
from editor.document.label_io import save_label_map
from engine import labelformats as lf
from engine.errors import InputError
from engine.imagefiles import write_label_map, write_picture
from engine.presets import get_preset


@pytest.fixture
def rng():
    """Seed 7 (tests/editor/conftest.py), which these draws were written with, not the document folder's 1234."""
    return np.random.default_rng(7)


def test_labelme_names_matched_case_insensitively(tmp_path, model, rng):
    file_names = ["_background_", "sky", "WATER", "Tree"]
    labels = rng.integers(0, 4, size=(24, 32))
    lf.write_labelme(tmp_path / "label.png", lf.LabelFile(labels, file_names), PAL4)
    assert detect_format(tmp_path / "label.png") == "labelme"
    label_file, mapping = prepare_import(tmp_path / "label.png", model)
    assert not mapping.needs_review
    out = finish_import(label_file, mapping, model, "x")
    assert np.array_equal(out, np.array([0, 1, 2, 3])[labels])  # background -> unknown, names by case


PAL4 = [(0, 0, 0), (1, 2, 3), (4, 5, 6), (7, 8, 9)]


def test_unmatched_class_defaults_to_unknown_and_can_be_reassigned(tmp_path, model, rng):
    labels = rng.integers(0, 3, size=(24, 32))
    lf.write_labelme(tmp_path / "label.png", lf.LabelFile(labels, ["sky", "car", "Rock"]), PAL4)
    label_file, mapping = prepare_import(tmp_path / "label.png", model)
    assert mapping.needs_review and [r.file_name for r in mapping.unmatched_rows] == ["car"]
    assert mapping.assignment == {0: 1, 1: 0, 2: 4}
    assert np.array_equal(finish_import(label_file, mapping, model, "x"), np.array([1, 0, 4])[labels])
    mapping.assign(1, 5)  # car -> building, as the dialog's combo box does
    assert np.array_equal(finish_import(label_file, mapping, model, "x"), np.array([1, 5, 4])[labels])
    with pytest.raises(ValueError):
        mapping.assign(1, 99)


def test_mapping_rows_only_for_classes_present(tmp_path, model):
    labels = np.zeros((24, 32), np.int64)
    labels[:5] = 2
    lf.write_labelme(tmp_path / "l.png", lf.LabelFile(labels, ["sky", "car", "bus"]), PAL4)
    _, mapping = prepare_import(tmp_path / "l.png", model)
    assert [(r.file_name, r.pixels) for r in mapping.rows] == [("sky", 24 * 32 - 5 * 32), ("bus", 5 * 32)]


def test_cvat_mask_in_segmentationclass_folder(tmp_path, model, rng):
    names = ["background", "building", "sky"]
    colours = [(0, 0, 0), (250, 50, 83), (51, 221, 255)]
    labels = rng.integers(0, 3, size=(24, 32))
    (tmp_path / "SegmentationClass").mkdir()
    png = tmp_path / "SegmentationClass" / "frame_000.png"
    lf.write_cvat_mask(png, lf.LabelFile(labels, names), colours, tmp_path / "labelmap.txt")
    assert detect_format(png) == "cvat"
    assert np.array_equal(import_label_map(png, model), np.array([0, 5, 1])[labels])


@pytest.mark.parametrize("preset_name", ["ade20k", "coco", "cityscapes"])
def test_colour_coded_preset_palette_round_trip(tmp_path, rng, preset_name):
    preset = get_preset(preset_name)
    # classes whose colour is not shared with an earlier class (a shared colour decodes to the first)
    first = {}
    for i, c in enumerate(preset.palette):
        first.setdefault(tuple(c), i)
    usable = np.array(sorted(first.values()))
    model = ModelReference("/nowhere", preset.class_names, preset.palette, preset.unknown_index, 8, 20, 30,
                           preset_name)
    labels = usable[rng.integers(0, len(usable), size=(20, 30))]
    write_picture(tmp_path / "map.png", np.asarray(preset.palette, np.uint8)[labels])
    out = import_label_map(tmp_path / "map.png", model, f"colour:{preset_name}")
    assert np.array_equal(out, labels)


def test_preset_palette_into_a_model_with_other_classes(tmp_path, model):
    ade = get_preset("ade20k")
    idx = {n: i for i, n in enumerate(ade.class_names)}
    labels = np.array([[idx["sky"], idx["tree"]], [idx["water"], idx["car"]]]).repeat(12, 0).repeat(16, 1)
    write_picture(tmp_path / "ade.png", np.asarray(ade.palette, np.uint8)[labels])
    label_file, mapping = prepare_import(tmp_path / "ade.png", model, "colour:ade20k")
    assert [r.file_name for r in mapping.unmatched_rows] == ["car"]
    out = finish_import(label_file, mapping, model, "x")
    assert out[0, 0] == 1 and out[0, 31] == 3 and out[23, 0] == 2 and out[23, 31] == 0


def test_unknown_colour_is_an_error(tmp_path, model):
    rgb = np.zeros((24, 32, 3), np.uint8)
    rgb[0, 0] = (1, 2, 3)
    write_picture(tmp_path / "bad.png", rgb)
    with pytest.raises(InputError, match="not in the colour table"):
        import_label_map(tmp_path / "bad.png", model, "colour:cityscapes")


def test_our_indexed_png_with_classes_json_reorders_by_name(tmp_path, model, rng):
    labels = rng.integers(0, 6, size=(24, 32)).astype(np.uint8)
    save_label_map(tmp_path / "ours.png", labels, model)
    assert detect_format(tmp_path / "ours.png") == "classes_json"
    assert np.array_equal(import_label_map(tmp_path / "ours.png", model), labels)
    order = [0, 5, 4, 3, 2, 1]  # the same classes in another model's order
    other = ModelReference("/x", tuple(model.class_names[i] for i in order),
                           tuple(model.palette[i] for i in order), 0, 8, 24, 32)
    out = import_label_map(tmp_path / "ours.png", other)
    assert np.array_equal(np.array(order)[out], labels)


def test_engine_classes_json_layout_and_resizing(tmp_path, model):
    labels = np.zeros((48, 64), np.int64)
    labels[:, 32:] = 1
    lf.write_indexed_png_with_names(tmp_path / "e.png", labels, ["unknown", "rock"], PAL4[:2])
    out = import_label_map(tmp_path / "e.png", model)
    assert out.shape == (24, 32) and (out[:, :16] == 0).all() and (out[:, 16:] == 4).all()


def test_plain_indexed_png_out_of_range_refused(tmp_path, model):
    write_label_map(tmp_path / "p.png", np.full((24, 32), 9, np.uint8), [(0, 0, 0)] * 10)
    assert detect_format(tmp_path / "p.png") == "indexed"
    with pytest.raises(InputError, match="out of range"):
        import_label_map(tmp_path / "p.png", model)
