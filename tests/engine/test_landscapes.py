"""Checks of the committed landscape dataset files and of the label/loader code on tiny inputs.

The photos themselves are rebuilt from packages (network); that check is opt-in with
OASIS_NETWORK_TESTS=1 because it downloads ~10 MB.
"""

import json
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from engine.datasets import landscape_annotations as annotations
from engine.datasets import landscapes
from engine.datasets.landscape_sources import MANIFEST_PATH, RESOURCES_DIR, build_photos, load_manifest
from engine.errors import InputError

CLASSES = annotations.load_classes()
MANIFEST = load_manifest()


def test_class_list_has_unknown_black_and_distinct_colours():
    assert CLASSES[0]["name"] == "unknown" and CLASSES[0]["color"] == [0, 0, 0]
    assert len({tuple(c["color"]) for c in CLASSES}) == len(CLASSES)
    assert len(CLASSES) >= 9  # unknown + at least 8 real classes


@pytest.mark.parametrize("entry", MANIFEST["photos"], ids=lambda e: e["id"])
def test_label_png_matches_manifest_and_palette(entry):
    path = RESOURCES_DIR / "labels" / f"{entry['id']}.png"
    with Image.open(path) as image:
        assert image.mode == "P"
        palette = image.getpalette()[: 3 * len(CLASSES)]
        labels = np.asarray(image)
    assert palette == [v for c in CLASSES for v in c["color"]]
    assert [labels.shape[1], labels.shape[0]] == entry["size"]
    assert labels.max() < len(CLASSES)
    assert (labels > 0).mean() > 0.15, "a label map that is mostly unknown teaches nothing"
    assert (RESOURCES_DIR / "annotations" / f"{entry['id']}.json").is_file()


def test_manifest_records_source_licence_and_splits():
    splits = [e["split"] for e in MANIFEST["photos"]]
    assert splits.count("heldout") == 3 and set(splits) == {"train", "heldout"}
    for entry in MANIFEST["photos"]:
        assert entry["license"] and entry["source"]["package"] and entry["source"]["version"]
        assert len(entry["sha256_pixels"]) == 64


def test_heldout_classes_all_appear_in_training():
    def classes_of(entry):
        with Image.open(RESOURCES_DIR / "labels" / f"{entry['id']}.png") as image:
            return set(np.unique(np.asarray(image)).tolist()) - {0}

    train = set().union(*(classes_of(e) for e in MANIFEST["photos"] if e["split"] == "train"))
    for entry in MANIFEST["photos"]:
        if entry["split"] == "heldout":
            assert classes_of(entry) <= train, entry["id"]


def test_watershed_moves_a_misplaced_polygon_border_onto_the_real_edge():
    photo = np.zeros((40, 60, 3), np.uint8)
    photo[:, :30] = (30, 60, 200)   # "water" left of x=30
    photo[:, 30:] = (220, 190, 110)  # "sand" right of it
    annotation = {"photo": "synthetic", "size": [60, 40], "band": 6, "shapes": [
        {"class": "water", "polygon": [[0, 0], [35, 0], [35, 40], [0, 40]]},  # border 5 px off
        {"class": "sand", "polygon": [[35, 0], [60, 0], [60, 40], [35, 40]]}]}
    labels = annotations.make_label_map(photo, annotation, CLASSES)
    names = {c["name"]: c["index"] for c in CLASSES}
    assert (labels[:, :29] == names["water"]).all()
    assert (labels[:, 31:] == names["sand"]).all()


def test_unpainted_pixels_stay_unknown_and_colour_rules_apply():
    photo = np.full((20, 20, 3), (40, 120, 40), np.uint8)
    photo[5:8, 5:8] = (70, 130, 230)  # a blue "sky" hole in green foliage
    annotation = {"photo": "synthetic", "size": [20, 20], "band": 2,
                  "shapes": [{"class": "tree", "polygon": [[0, 0], [14, 0], [14, 20], [0, 20]]}],
                  "recolor": [{"class": "sky", "from": "tree", "hsv_min": [95, 80, 90],
                               "hsv_max": [130, 255, 255]}]}
    labels = annotations.make_label_map(photo, annotation, CLASSES)
    assert labels[6, 6] == 1 and labels[15, 3] == 6
    assert (labels[:, 16:] == 0).all()


def _tiny_dataset(tmp_path, label_size):
    manifest = {"short_side": 4, "photos": [{"id": "a", "split": "train", "size": [6, 4]}]}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "photos").mkdir()
    (tmp_path / "labels").mkdir()
    Image.fromarray(np.zeros((4, 6, 3), np.uint8)).save(tmp_path / "photos" / "a.png")
    annotations.save_label_png(np.ones(label_size[::-1], np.uint8), CLASSES, tmp_path / "labels" / "a.png")
    return tmp_path


def test_load_dataset_returns_rgb_and_labels(tmp_path):
    root = _tiny_dataset(tmp_path, (6, 4))
    [(photo, labels)] = landscapes.load_dataset(root / "photos", root / "labels", "train",
                                                root / "manifest.json")
    assert photo.shape == (4, 6, 3) and photo.dtype == np.uint8
    assert labels.shape == (4, 6) and labels.dtype == np.uint8


def test_load_dataset_rejects_size_mismatch_naming_the_file(tmp_path):
    root = _tiny_dataset(tmp_path, (5, 4))
    with pytest.raises(InputError, match="a.png.*label map is 5x4"):
        landscapes.load_dataset(root / "photos", root / "labels", "train", root / "manifest.json")


@pytest.mark.skipif(os.environ.get("OASIS_NETWORK_TESTS") != "1", reason="network test (opt-in)")
def test_rebuild_one_photo_reproduces_the_manifest_hash(tmp_path):
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        pytest.skip("apt-get/dpkg unavailable")
    entry = next(e for e in MANIFEST["photos"] if e["id"] == "green_meadow")
    manifest = dict(MANIFEST, photos=[entry])
    [path] = build_photos(tmp_path, manifest, log=lambda *_: None)
    assert Image.open(path).size == tuple(entry["size"])
