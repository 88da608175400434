"""What dropping a path onto the window does (editor.dragdrop.classify_drop)."""

import json

import numpy as np

from editor.document.label_io import save_label_map
from editor.dragdrop import classify_drop
from engine import labelformats as lf
from engine.imagefiles import write_label_map, write_picture


def kind(path, model=None):
    action = classify_drop(path, model)
    return action.kind, action.detail


def test_folders(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text(json.dumps({}))
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "opt.txt").write_text("name: x\n")
    (tmp_path / "empty").mkdir()
    assert kind(tmp_path / "model")[0] == "model"
    assert kind(tmp_path / "run")[0] == "oasis_run"
    assert kind(tmp_path / "empty")[0] == "none"
    assert kind(tmp_path / "missing.png")[0] == "none"


def test_files(tmp_path, model, rng):
    (tmp_path / "scene.oasisproj").write_bytes(b"PK")
    assert kind(tmp_path / "scene.oasisproj")[0] == "project"
    np.save(tmp_path / "map.npy", np.zeros((4, 4), np.uint8))
    assert kind(tmp_path / "map.npy") == ("label_map", "indexed")
    (tmp_path / "notes.txt").write_text("hi")
    assert kind(tmp_path / "notes.txt")[0] == "none"

    labels = rng.integers(0, 3, size=(24, 32))
    (tmp_path / "lm").mkdir()
    lf.write_labelme(tmp_path / "lm" / "label.png", lf.LabelFile(labels, ["a", "b", "c"]), [(0, 0, 0)] * 3)
    assert kind(tmp_path / "lm" / "label.png") == ("label_map", "labelme")
    (tmp_path / "cvat").mkdir()
    lf.write_cvat_mask(tmp_path / "cvat" / "m.png", lf.LabelFile(labels, ["a", "b", "c"]),
                       [(0, 0, 0), (1, 1, 1), (2, 2, 2)], tmp_path / "cvat" / "labelmap.txt")
    assert kind(tmp_path / "cvat" / "m.png") == ("label_map", "cvat")
    save_label_map(tmp_path / "ours.png", labels.astype(np.uint8), model)
    assert kind(tmp_path / "ours.png") == ("label_map", "classes_json")
    write_label_map(tmp_path / "plain.png", labels, [(0, 0, 0)] * 3)
    assert kind(tmp_path / "plain.png") == ("label_map", "indexed")


def test_colour_coded_map_versus_photo(tmp_path, model, rng):
    labels = rng.integers(0, 6, size=(24, 32))
    write_picture(tmp_path / "coded.png", np.asarray(model.palette, np.uint8)[labels])
    assert kind(tmp_path / "coded.png", model) == ("label_map", "colour:model")
    assert kind(tmp_path / "coded.png", None)[0] == "photo"  # without a model there are no class colours
    write_picture(tmp_path / "photo.png", rng.integers(0, 256, size=(24, 32, 3), dtype=np.uint8))
    assert kind(tmp_path / "photo.png", model)[0] == "photo"
    write_picture(tmp_path / "photo.jpg", np.asarray(model.palette, np.uint8)[labels])
    assert kind(tmp_path / "photo.jpg", model)[0] == "photo"  # JPEG never holds exact class colours
