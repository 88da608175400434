"""The dataset check names every bad file of every kind in one report, per layout; training refuses to start."""

import json

import numpy as np
import pytest
from PIL import Image

from engine.cli import main
from engine.datasets.check import PROBLEM_KINDS, check_dataset, check_with_cache
from engine.datasets.readers import open_dataset

from . import layouts


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _rgb(path):
    Image.open(path).convert("RGB").save(path)


def _resize(path, size=(20, 20)):
    Image.open(path).resize(size, Image.NEAREST).save(path)


def _put(path, value):
    im = Image.open(path)
    a = np.asarray(im).copy()
    a[0, 0] = value
    out = Image.fromarray(a, mode=im.mode)
    if im.mode == "P":  # a full palette, or PIL stores fewer bits per pixel than the value needs
        pal = im.getpalette()
        out.putpalette(pal + [0] * (768 - len(pal)))
    out.save(path)


def _bad_folder(root):
    root = layouts.folder(root, 7)
    lab, img = root / "labels", root / "images"
    (img / "p0.jpg").rename(img / "orphan.jpg")  # p0.png without image, orphan.jpg without labels
    _resize(lab / "p1.png")
    _put(lab / "p2.png", 9)
    _rgb(lab / "p3.png")
    # colour label with a colour outside the class list (with colors given, RGB is decoded by colour)
    rgb = np.array([c for _, c in layouts.FOLDER_CLASSES], np.uint8)[np.asarray(Image.open(lab / "p4.png"))]
    rgb[0, 0] = (1, 2, 3)
    Image.fromarray(rgb).save(lab / "p4.png")
    _truncate(img / "p5.jpg")
    (lab / "p6.png").write_bytes(b"not a png")
    return root, {"unmatched": ["p0.png", "orphan.jpg"], "size": ["p1.png"], "out_of_range": ["p2.png"],
                  "unknown_colour": ["p4.png"], "unreadable": ["p5.jpg", "p6.png"]}


def _bad_ade(root):
    layouts.ade20k(root, 6)
    base = root / "ADEChallengeData2016"
    ann, img = base / "annotations" / "training", base / "images" / "training"
    (ann / "ADE_train_00000001.png").unlink()
    _put(ann / "ADE_train_00000002.png", 151)
    _rgb(ann / "ADE_train_00000003.png")
    _resize(ann / "ADE_train_00000004.png")
    _truncate(img / "ADE_train_00000005.jpg")
    return root, {"unmatched": ["ADE_train_00000001.jpg"], "out_of_range": ["ADE_train_00000002.png"],
                  "rgb_as_ids": ["ADE_train_00000003.png"], "size": ["ADE_train_00000004.png"],
                  "unreadable": ["ADE_train_00000005.jpg"]}


def _bad_cityscapes(root):
    layouts.cityscapes(root, 2)
    lab = root / "gtFine" / "train"
    _put(lab / "aachen" / "aachen_000000_000019_gtFine_labelIds.png", 40)
    _rgb(lab / "bremen" / "bremen_000001_000019_gtFine_labelIds.png")
    return root, {"out_of_range": ["aachen_000000_000019_gtFine_labelIds.png"],
                  "rgb_as_ids": ["bremen_000001_000019_gtFine_labelIds.png"]}


def _bad_coco(root):
    layouts.coco_stuff(root, 2)
    _put(root / "train_label" / "000000000000.png", 200)  # 182..254 are no COCO-Stuff ids
    (root / "train_label" / "000000000002.png").write_bytes((root / "train_label" / "000000000001.png").read_bytes())
    return root, {"out_of_range": ["000000000000.png"], "unmatched": ["000000000002.png"]}


def _bad_cvat(root):
    layouts.cvat(root, 2)
    rgb = np.asarray(Image.open(root / "SegmentationClass" / "frame_000001.png")).copy()
    rgb[5:7, 5:7] = (250, 50, 84)  # one value off: an anti-aliased edge
    Image.fromarray(rgb).save(root / "SegmentationClass" / "frame_000001.png")
    return root, {"unknown_colour": ["frame_000001.png"]}


def _bad_ids_folder(root):
    """A folder without colours (classes.txt) given colour masks: RGB masks as ids."""
    root = layouts.folder(root, 2, colour_labels=True)
    (root / "classes.json").unlink()
    (root / "classes.txt").write_text("unknown\nsky\nwater\ngrass\n")
    return root, {"rgb_as_ids": ["p0.png", "p1.png"]}


LAYOUTS = {"folder": ("folder", _bad_folder), "ade20k": ("ade20k", _bad_ade),
           "cityscapes": ("cityscapes", _bad_cityscapes), "coco-stuff": ("coco-stuff", _bad_coco),
           "cvat": ("folder", _bad_cvat), "ids-folder": ("folder", _bad_ids_folder)}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_bad_file_is_named_with_its_kind(tmp_path, layout):
    kind, make = LAYOUTS[layout]
    root, expected = make(tmp_path)
    report = check_dataset(open_dataset(kind, root))
    found = {}
    for k, _, path in report.problems:
        found.setdefault(k, set()).add(path.rsplit("/", 1)[-1])
    assert found == {k: set(v) for k, v in expected.items()}
    text = report.text()
    for k, files in expected.items():
        assert f"[{k}]" in text and PROBLEM_KINDS[k][1] in text
        assert all(f in text for f in files)


def test_parallel_check_finds_the_same(tmp_path):
    root, _ = _bad_folder(tmp_path)
    src = open_dataset("folder", root)
    src.samples = src.samples * 30  # more than one chunk of work
    assert sorted(check_dataset(src, workers=2).problems) == sorted(check_dataset(src).problems)


def test_clean_dataset_and_the_cache(tmp_path):
    src = open_dataset("ade20k", layouts.ade20k(tmp_path / "d", 2))
    cache = tmp_path / "run" / "dataset_check.json"
    assert check_with_cache(src, cache).ok and json.loads(cache.read_text())["ok"]
    _put(src.samples[0].label, 200)  # the file changes: the cache no longer applies
    assert not check_with_cache(open_dataset("ade20k", tmp_path / "d"), cache).ok


def test_check_flag_and_training_refusal(tmp_path, capsys):
    root, expected = _bad_ade(tmp_path / "data")
    assert main(["train-oasis", "--dataset", "ade20k", "--data", str(root), "--check"]) == 2
    err = capsys.readouterr().err
    assert all(f in err for files in expected.values() for f in files)
    assert err.strip().splitlines()[-1].startswith("error: ")
    run = tmp_path / "run"
    assert main(["train-oasis", "--dataset", "ade20k", "--data", str(root), "--out", str(run), "--config", "tiny",
                 "--iterations", "1", "--threads", "1", "--workers", "0"]) == 2
    assert not (run / "checkpoint.safetensors").exists()
    good = layouts.ade20k(tmp_path / "good", 2)
    assert main(["train-oasis", "--dataset", "ade20k", "--data", str(good), "--check"]) == 0
    assert "2 image/label pairs, no problems" in capsys.readouterr().out


GENERATORS = {"folder": ("folder", lambda r: layouts.folder(r, 5)),
              "folder-colour": ("folder", lambda r: layouts.folder(r, 5, colour_labels=True)),
              "labelme": ("folder", lambda r: layouts.labelme(r, 5)), "cvat": ("folder", lambda r: layouts.cvat(r, 5)),
              "ade20k": ("ade20k", lambda r: layouts.ade20k(r, 5)),
              "cityscapes": ("cityscapes", lambda r: layouts.cityscapes(r, 5)),
              "coco-stuff": ("coco-stuff", lambda r: layouts.coco_stuff(r, 5))}


@pytest.mark.parametrize("layout", sorted(GENERATORS))
def test_every_kind_in_every_layout(tmp_path, layout):
    """The same five damages through each reader's own file list: a label removed, a label of another size,
    a truncated image, a label value / colour that is no class, and an RGB label where ids are expected."""
    kind, make = GENERATORS[layout]
    root = make(tmp_path)
    src = open_dataset(kind, root)
    s = src.samples
    colour_coded = src.coding.colours is not None and Image.open(s[0].label).mode == "RGB"
    s[0].label.unlink()
    _resize(s[1].label)
    _truncate(s[2].image)
    expected = {"unmatched": {s[0].image.name}, "size": {s[1].label.name}, "unreadable": {s[2].image.name}}
    if colour_coded:  # colour labels: a colour off the table
        rgb = np.asarray(Image.open(s[3].label)).copy()
        rgb[0, 0] = (1, 2, 3)
        Image.fromarray(rgb).save(s[3].label)
        expected["unknown_colour"] = {s[3].label.name}
    else:
        _put(s[3].label, 200)
        expected["out_of_range"] = {s[3].label.name}
        if src.coding.colours is None:  # ids only: an RGB label is a mask given as ids
            _rgb(s[4].label)
            Image.fromarray(np.asarray(Image.open(s[4].label)) // 2 * np.array([1, 0, 1], np.uint8)).save(s[4].label)
            expected["rgb_as_ids"] = {s[4].label.name}
    report = check_dataset(open_dataset(kind, root))
    found = {}
    for k, _, path in report.problems:
        found.setdefault(k, set()).add(path.rsplit("/", 1)[-1])
    assert found == expected
