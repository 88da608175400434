"""A label map of another shape is never squashed without a word: same aspect ratio is scaled and the
status bar says so; another aspect ratio asks crop / pad / stretch (issue 15 item 11)."""

from __future__ import annotations

import numpy as np

from engine.imagefiles import write_label_map


def wide_map(tmp_path, name="wide.png"):
    labels = np.full((32, 64), 2, np.uint8)  # 64 wide, 32 high; the model is 64 x 64
    labels[:, :8] = 5
    path = tmp_path / name
    return path, labels


def ask_recorder(win, answer):
    asked = []
    win.ask_label_fit = lambda name, shape, model_shape: (asked.append((name, shape, model_shape)), answer)[1]
    return asked


def test_open_label_map_of_another_aspect_asks_and_pads(window, tmp_path):
    path, labels = wide_map(tmp_path)
    write_label_map(path, labels, window.session.doc.model.palette)
    asked = ask_recorder(window, "pad")
    window.files.open_label_map(str(path))
    assert asked == [("wide.png", (32, 64), (64, 64))]
    doc = window.session.doc
    assert (doc.labels[:16] == doc.model.unknown_index).all() and (doc.labels[-16:] == doc.model.unknown_index).all()
    assert (doc.labels[16:48, :8] == 5).all() and (doc.labels[16:48, 8:] == 2).all()  # all of it, not squashed
    assert "padded to 64×64" in window.statusBar().currentMessage()


def test_cancelling_the_fit_question_changes_nothing(window, tmp_path):
    path, labels = wide_map(tmp_path)
    write_label_map(path, labels, window.session.doc.model.palette)
    before = window.session.doc.labels.copy()
    asked = ask_recorder(window, None)
    window.files.open_label_map(str(path))
    assert asked and window.session.stack.count() == 0
    np.testing.assert_array_equal(window.session.doc.labels, before)


def test_same_aspect_is_scaled_with_a_word(window, tmp_path):
    labels = np.full((128, 128), 4, np.uint8)
    path = tmp_path / "big.png"
    write_label_map(path, labels, window.session.doc.model.palette)
    asked = ask_recorder(window, "crop")
    window.files.open_label_map(str(path))
    assert asked == [] and (window.session.doc.labels == 4).all()
    assert "scaled from 128×128 to 64×64" in window.statusBar().currentMessage()


def test_import_with_format_detection_asks_too(window, tmp_path):
    from editor.import_formats import LabelImports

    path, labels = wide_map(tmp_path, "imported.png")
    write_label_map(path, labels, window.session.doc.model.palette)
    window.label_imports = LabelImports(window)
    asked = ask_recorder(window, "crop")
    assert window.label_imports.import_file(path)
    assert asked and asked[0][1] == (32, 64)
    doc = window.session.doc
    assert (doc.labels == 2).mean() > 0.95  # the centre 32 x 32 has no class-5 column left of x = 16
    assert "cropped to 64×64" in window.statusBar().currentMessage()
