"""Smaller things of issue 15 item 11: the first start generates once, the Training dock leaves the class
list its room and can be opened from View."""

from __future__ import annotations

from tests.editor.test_document_safety import tmp_settings  # noqa: F401 (fixture)

MIN_CLASS_ROWS = 8


def test_training_dock_keeps_the_class_list_readable_and_is_in_the_view_menu(window, qtbot):
    view = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "View")
    toggles = {a.text(): a for a in view.actions()}
    dock = window.training.show_panel()
    qtbot.wait(50)
    lst = window.palette_panel.list
    row = lst.sizeHintForRow(0)
    print("class list", lst.height(), "row", row)
    assert "Training" in toggles, sorted(toggles)
    assert lst.height() >= MIN_CLASS_ROWS * row, f"class list {lst.height()} px for rows of {row} px"
    dock.close()
    assert not dock.isVisible()
    toggles["Training"].trigger()
    assert dock.isVisible()


def test_first_start_generates_once_and_nothing_counts_as_unsaved(qapp, tiny_model_dir, tmp_settings,  # noqa: F811
                                                                  tmp_path, monkeypatch):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from editor.app import main
    from editor.main_window import MainWindow

    monkeypatch.setenv("OASIS_STUDIO_RECOVERY_DIR", str(tmp_path / "recovery"))
    seen = {}

    def windows():
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]

    def watch():
        for w in windows():
            if w.session.doc.image is not None and w.engine.folder is not None:
                seen.update(shape=w.session.doc.image.shape, steps=w.session.stack.count(),
                            modified=w.isWindowModified(), clean=w.session.stack.isClean())
                w.close()

    def give_up():
        for w in windows():
            w.ask_to_save = False
            w.close()

    timer = QTimer(interval=100)
    timer.timeout.connect(watch)
    timer.start()
    QTimer.singleShot(60_000, give_up)
    try:
        assert main(["--model", str(tiny_model_dir), "--threads", "1", "--size", "900x600"]) == 0
    finally:
        timer.stop()
    assert seen.get("shape") == (64, 64, 3), "no image was generated at start"
    assert seen["steps"] == 0 and seen["clean"] and not seen["modified"]


def test_starter_layout_is_the_opened_document_not_an_unsaved_edit(window, tmp_path):
    import numpy as np

    from engine.imagefiles import write_label_map

    labels = np.zeros((64, 64), np.uint8)
    labels[20:40] = 3
    write_label_map(tmp_path / "start.png", labels, window.session.doc.model.palette)
    window.files.open_label_map(str(tmp_path / "start.png"), as_opened=True)
    assert (window.session.doc.labels == labels).all()
    assert window.session.stack.count() == 0 and window.session.stack.isClean()
