import json

import numpy as np
import pytest
from PIL import Image

from editor.document import label_io, noise_ops, painting
from editor.document.export import colourise, export_variations, fit_photo
from editor.document.project_file import load_project, save_project
from engine.errors import InputError


def test_project_round_trip_is_exact(doc, rng, tmp_path):
    painting.paint(doc.labels, painting.stroke(doc.shape, [(3, 3), (50, 40)], 7), 4)
    noise_ops.resample_region(doc, painting.rectangle(doc.shape, (0, 0), (30, 20)), rng,
                              noise_ops.PER_PIXEL).apply(doc)
    noise_ops.set_lock(doc, painting.rectangle(doc.shape, (1, 1), (5, 5)), True).apply(doc)
    doc.image = rng.integers(0, 256, (64, 96, 3), dtype=np.uint8)
    doc.seed = 123456789
    path = tmp_path / "p.oasisproj"
    save_project(path, doc)
    back = load_project(path)
    for name in ("labels", "noise", "locked", "image"):
        a, b = getattr(doc, name), getattr(back, name)
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    assert back.seed == doc.seed and back.model == doc.model


def test_project_without_image_and_bad_files(doc, tmp_path):
    save_project(tmp_path / "a.oasisproj", doc)
    assert load_project(tmp_path / "a.oasisproj").image is None
    (tmp_path / "bad.oasisproj").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a zip"):
        load_project(tmp_path / "bad.oasisproj")


def test_label_map_png_round_trip_with_class_json(doc, model_ref, tmp_path):
    doc.labels[3:9, 5:20] = 11
    sidecar = label_io.save_label_map(tmp_path / "m.png", doc.labels, model_ref)
    im = Image.open(tmp_path / "m.png")
    assert im.mode == "P" and im.getpalette()[:6] == [*model_ref.palette[0], *model_ref.palette[1]]
    meta = json.loads(sidecar.read_text())
    assert meta["classes"][11]["name"] == "c11"
    np.testing.assert_array_equal(label_io.open_label_map(tmp_path / "m.png", model_ref), doc.labels)


def test_colour_coded_import_exact_and_unknown_colours_listed(doc, model_ref, tmp_path):
    rgb = colourise(doc.labels, model_ref.palette)
    Image.fromarray(rgb).save(tmp_path / "c.png")
    np.testing.assert_array_equal(label_io.import_colour_coded(tmp_path / "c.png", model_ref), doc.labels)
    rgb[0, 0] = (1, 2, 3)
    rgb[5:7, 5:7] = (250, 0, 250)
    Image.fromarray(rgb).save(tmp_path / "bad.png")
    with pytest.raises(InputError, match=r"2 colour\(s\).*#fa00fa \(4 px\).*#010203 \(1 px\)"):
        label_io.import_colour_coded(tmp_path / "bad.png", model_ref)


def test_colour_table_json(model_ref, tmp_path):
    (tmp_path / "t.json").write_text(json.dumps({"#ff0000": "c3", "#00ff00": 5}))
    table = label_io.read_colour_table(tmp_path / "t.json", model_ref)
    assert table == {(255, 0, 0): 3, (0, 255, 0): 5}
    (tmp_path / "u.json").write_text(json.dumps({"#ff0000": "nope"}))
    with pytest.raises(InputError, match="unknown class 'nope'"):
        label_io.read_colour_table(tmp_path / "u.json", model_ref)


def test_out_of_range_label_map_is_refused(model_ref, tmp_path):
    np.save(tmp_path / "x.npy", np.full((64, 96), 12, dtype=np.int64))
    with pytest.raises(InputError, match="class index 12 out of range"):
        label_io.open_label_map(tmp_path / "x.npy", model_ref)


def test_fit_photo_crop_and_pad_reach_the_aspect():
    rgb = np.zeros((100, 300, 3), np.uint8)
    assert fit_photo(rgb, 64, 96, "crop").shape == (100, 150, 3)
    assert fit_photo(rgb, 64, 96, "pad").shape == (200, 300, 3)


def test_export_variations(tmp_path):
    imgs = [np.full((4, 4, 3), i, np.uint8) for i in range(3)]
    paths = export_variations(tmp_path / "v", imgs, seeds=[5, 6, 7])
    assert [p.name for p in paths] == ["variation_seed5.png", "variation_seed6.png", "variation_seed7.png"]
    assert np.asarray(Image.open(paths[2]))[0, 0, 0] == 2
