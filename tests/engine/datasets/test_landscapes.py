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
from engine.datasets.landscape_sources import (
    RESOURCES_DIR,
    build_photos,
    full_resolution_size,
    load_manifest,
    resized_size,
)
from engine.errors import InputError

CLASSES = annotations.load_classes()
MANIFEST = load_manifest()
ANNOTATED = [e for e in MANIFEST["photos"] if (RESOURCES_DIR / "annotations" / f"{e['id']}.json").is_file()]


def test_class_list_has_unknown_black_and_distinct_colours():
    assert CLASSES[0]["name"] == "unknown" and CLASSES[0]["color"] == [0, 0, 0]
    assert len({tuple(c["color"]) for c in CLASSES}) == len(CLASSES)
    assert len(CLASSES) >= 9  # unknown + at least 8 real classes


@pytest.mark.parametrize("entry", ANNOTATED, ids=lambda e: e["id"])
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


def test_manifest_records_source_licence_sizes_and_splits():
    ids = [e["id"] for e in MANIFEST["photos"]]
    assert len(ids) == len(set(ids))
    splits = [e["split"] for e in ANNOTATED]
    assert set(splits) == {"train", "heldout"}
    assert 0.08 <= splits.count("heldout") / len(splits) <= 0.2, "keep roughly a tenth of the photos held out"
    for entry in MANIFEST["photos"]:
        assert entry["license"] and entry["copyright"], entry["id"]
        assert entry["source"]["kind"] in ("deb", "wheel") and entry["source"]["package"]
        assert entry["source"]["version"] and entry["source"]["path"]
        assert len(entry["sha256_pixels"]) == 64 and len(entry["sha256_full_pixels"]) == 64
        width, height = entry["original_size"] if entry["crop"] is None else (
            entry["crop"][2] - entry["crop"][0], entry["crop"][3] - entry["crop"][1])
        assert tuple(entry["size"]) == resized_size(width, height, MANIFEST["short_side"])
        assert tuple(entry["full_size"]) == full_resolution_size(width, height, MANIFEST["full_short_side"])
        assert min(entry["full_size"]) <= MANIFEST["full_short_side"]


def test_every_annotation_source_belongs_to_a_manifest_photo_and_says_what_was_decided():
    by_id = {e["id"]: e for e in MANIFEST["photos"]}
    names = {c["name"] for c in CLASSES}
    for path in sorted((RESOURCES_DIR / "annotations").glob("*.json")):
        annotation = json.loads(path.read_text())
        assert annotation["photo"] == path.stem and path.stem in by_id, path.name
        assert annotation["size"] == by_id[path.stem]["size"], path.name
        assert len(annotation.get("notes", "")) > 20, f"{path.name}: say what was decided and left unknown"
        used = {s["class"] for s in annotation["shapes"]} | {r["class"] for r in annotation.get("recolor", [])}
        assert used <= names, path.name


@pytest.mark.parametrize("entry", ANNOTATED, ids=lambda e: e["id"])
def test_every_annotation_renders_at_working_and_double_resolution(entry):
    # The photos are not in the repository: paint a stand-in from the committed label map's colours,
    # which is enough to exercise every shape, rule and the scaling on the real annotation sources.
    annotation = json.loads((RESOURCES_DIR / "annotations" / f"{entry['id']}.json").read_text())
    with Image.open(RESOURCES_DIR / "labels" / f"{entry['id']}.png") as image:
        stand_in = np.asarray(image.convert("RGB"))
    labels = annotations.make_label_map(stand_in, annotation, CLASSES)
    assert labels.shape == stand_in.shape[:2] and labels.max() < len(CLASSES)
    width, height = entry["size"]
    big = np.asarray(Image.fromarray(stand_in).resize((2 * width, 2 * height), Image.Resampling.NEAREST))
    big_labels = annotations.make_label_map(big, annotations.scale_annotation(annotation, (2 * width, 2 * height)),
                                            CLASSES)
    assert big_labels.shape == (2 * height, 2 * width) and big_labels.max() < len(CLASSES)
    assert (big_labels[::2, ::2] == labels).mean() > 0.9


def test_enough_labelled_photos_mostly_from_several_packages():
    assert len(ANNOTATED) >= 60
    assert len({e["source"]["package"] for e in ANNOTATED}) >= 6


def test_heldout_classes_all_appear_in_training():
    def classes_of(entry):
        with Image.open(RESOURCES_DIR / "labels" / f"{entry['id']}.png") as image:
            return set(np.unique(np.asarray(image)).tolist()) - {0}

    train = set().union(*(classes_of(e) for e in ANNOTATED if e["split"] == "train"))
    for entry in ANNOTATED:
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


def test_scaled_annotation_rasterises_the_same_regions_at_four_times_the_resolution():
    photo = np.zeros((40, 60, 3), np.uint8)
    photo[:, :30] = (30, 60, 200)
    photo[:, 30:] = (220, 190, 110)
    annotation = {"photo": "synthetic", "size": [60, 40], "band": 3, "shapes": [
        {"class": "water", "polygon": [[0, 0], [33, 0], [33, 40], [0, 40]]},
        {"class": "sand", "polygon": [[33, 0], [60, 0], [60, 40], [33, 40]]},
        {"class": "unknown", "ellipse": [45, 20, 5, 4]}]}
    small = annotations.make_label_map(photo, annotation, CLASSES)
    big_photo = np.asarray(Image.fromarray(photo).resize((240, 160), Image.Resampling.NEAREST))
    scaled = annotations.scale_annotation(annotation, (240, 160))
    assert scaled["band"] == 12 and scaled["shapes"][2]["ellipse"] == [180, 80, 20, 16]
    big = annotations.make_label_map(big_photo, scaled, CLASSES)
    assert big.shape == (160, 240)
    # same classes in the same places (compared at the small scale), and the border still on the edge
    assert (big[2::4, 2::4] == small).mean() > 0.95
    names = {c["name"]: c["index"] for c in CLASSES}
    assert (big[:, :118] == names["water"]).all() and (big[:, 122:150] == names["sand"]).all()


def test_scaling_an_annotation_to_another_aspect_ratio_is_refused():
    annotation = {"photo": "a", "size": [60, 40], "shapes": []}
    with pytest.raises(InputError, match="aspect ratio"):
        annotations.scale_annotation(annotation, (240, 100))


def test_folder_writer_puts_labelled_photos_in_their_split_with_both_class_list_keys(tmp_path, monkeypatch):
    photo_id = ANNOTATED[0]["id"]
    entry = dict(ANNOTATED[0])
    full = tuple(entry["full_size"])
    rng = np.random.default_rng(0)
    image = Image.fromarray(rng.integers(0, 255, (full[1], full[0], 3), dtype=np.uint8))
    write = landscapes.FolderWriter(tmp_path, log=lambda *_: None)
    write(entry, image)
    write(dict(entry, id="not_annotated_yet"), image)
    split = tmp_path / entry["split"]
    with Image.open(split / "labels" / f"{photo_id}.png") as labels:
        assert labels.size == full and labels.mode == "P"
        assert np.asarray(labels).max() < len(CLASSES)
    with Image.open(split / "images" / f"{photo_id}.png") as written:
        assert written.size == full
    assert not (split / "images" / "not_annotated_yet.png").exists()
    class_file = json.loads((tmp_path / "heldout" / "classes.json").read_text())
    assert class_file["names"][0] == "unknown" and len(class_file["colors"]) == len(CLASSES)
    assert class_file["classes"] == CLASSES
    assert write.counts[entry["split"]] == 1
    (split / "images" / "dropped_photo.png").write_bytes(b"")
    other = "train" if entry["split"] == "heldout" else "heldout"
    (tmp_path / other / "labels" / f"{photo_id}.png").write_bytes(b"")  # as if it had changed split
    removed = write.prune(MANIFEST)
    assert sorted(p.name for p in removed) == sorted(["dropped_photo.png", f"{photo_id}.png"])
    assert (split / "images" / f"{photo_id}.png").exists() and (split / "labels" / f"{photo_id}.png").exists()


def test_pixels_the_watershed_leaves_undecided_keep_their_painted_class(monkeypatch):
    photo = np.full((12, 12, 3), 128, np.uint8)
    annotation = {"photo": "synthetic", "size": [12, 12], "band": 2, "shapes": [
        {"class": "water", "polygon": [[0, 0], [6, 0], [6, 12], [0, 12]]},
        {"class": "sand", "polygon": [[6, 0], [12, 0], [12, 12], [6, 12]]}]}
    real_watershed = annotations.cv2.watershed

    def leaves_one_pixel_undecided(image, markers):
        real_watershed(image, markers)
        markers[5, 9] = 0  # what OpenCV leaves where no basin reached

    monkeypatch.setattr(annotations.cv2, "watershed", leaves_one_pixel_undecided)
    labels = annotations.make_label_map(photo, annotation, CLASSES)
    names = {c["name"]: c["index"] for c in CLASSES}
    assert labels[5, 9] == names["sand"] and labels.max() < len(CLASSES)


def test_folder_writer_refuses_a_rasterised_value_that_is_not_a_class(tmp_path, monkeypatch):
    entry = ANNOTATED[0]
    image = Image.new("RGB", tuple(entry["full_size"]))
    monkeypatch.setattr(annotations, "make_label_map",
                        lambda photo, annotation, classes: np.full(photo.shape[:2], 255, np.uint8))
    write = landscapes.FolderWriter(tmp_path, log=lambda *_: None)
    with pytest.raises(InputError, match=f"{entry['id']}.json.*label value 255 is not a class"):
        write(entry, image)
    assert not (tmp_path / entry["split"] / "labels" / f"{entry['id']}.png").exists()


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
    received = []
    [path] = build_photos(tmp_path, manifest, log=lambda *_: None,
                          full_resolution=lambda e, photo: received.append(photo.size))
    assert Image.open(path).size == tuple(entry["size"])
    assert received == [tuple(entry["full_size"])]


@pytest.mark.skipif(os.environ.get("OASIS_NETWORK_TESTS") != "1", reason="network test (opt-in)")
def test_rebuild_a_photo_from_another_debian_release(tmp_path):
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        pytest.skip("apt-get/dpkg unavailable")
    entry = next(e for e in MANIFEST["photos"]
                 if e["source"].get("suite") and e["source"]["package"] == "budgie-backgrounds")
    [path] = build_photos(tmp_path, dict(MANIFEST, photos=[entry]), log=lambda *_: None)
    assert Image.open(path).size == tuple(entry["size"])


@pytest.mark.skipif(os.environ.get("OASIS_NETWORK_TESTS") != "1", reason="network test (opt-in)")
def test_rebuild_a_photo_stored_inside_a_qt_resource_archive(tmp_path):
    if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
        pytest.skip("apt-get/dpkg unavailable")
    entry = next(e for e in MANIFEST["photos"] if e["source"].get("member"))
    received = []
    [path] = build_photos(tmp_path, dict(MANIFEST, photos=[entry]), log=lambda *_: None,
                          full_resolution=lambda e, photo: received.append(photo.size))
    assert Image.open(path).size == tuple(entry["size"]) and received == [tuple(entry["full_size"])]
