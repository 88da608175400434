"""Desktop integration on a real window: import with the mapping dialog, drops, shortcuts sheet, theme."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction, QPalette

from editor import desktop, theme
from editor.class_mapping_dialog import ClassMappingDialog
from editor.document.label_import import prepare_import
from editor.dragdrop import perform_drop
from editor.settings import EditorSettings
from editor.shortcuts_sheet import collect_shortcuts
from engine import labelformats as lf


@pytest.fixture
def desk(window, tmp_path):
    desktop.install(window, EditorSettings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)))
    return window


def write_labelme(folder, names):
    labels = np.zeros((64, 64), np.int64)
    labels[32:] = 1
    lf.write_labelme(folder / "label.png", lf.LabelFile(labels, names), [(0, 0, 0), (9, 9, 9)])
    return folder / "label.png"


def test_import_with_review_and_undo(desk, tmp_path):
    png = write_labelme(tmp_path, ["CLASS 3", "forest"])  # the tiny model has 'class 1'..'class 11'
    seen = []

    def review(mapping, name):
        seen.append([r.file_name for r in mapping.unmatched_rows])
        mapping.assign(1, 7)
        return True

    desk.label_imports.review = review
    before = desk.session.doc.labels.copy()
    assert desk.label_imports.import_file(png)
    assert seen == [["forest"]]
    labels = desk.session.doc.labels
    assert (labels[:32] == 3).all() and (labels[32:] == 7).all()
    desk.session.stack.undo()
    assert np.array_equal(desk.session.doc.labels, before)


def test_cancelled_review_changes_nothing(desk, tmp_path):
    png = write_labelme(tmp_path, ["sky", "forest"])
    desk.label_imports.review = lambda mapping, name: False
    before = desk.session.doc.labels.copy()
    assert not desk.label_imports.import_file(png)
    assert np.array_equal(desk.session.doc.labels, before) and desk.session.stack.count() == 0


def test_mapping_dialog_combos_edit_the_mapping(desk, tmp_path):
    png = write_labelme(tmp_path, ["class 2", "forest"])
    _, mapping = prepare_import(png, desk.session.doc.model)
    dlg = ClassMappingDialog(mapping, desk.session.doc.model.palette, "label.png", desk)
    assert dlg.table.rowCount() == 2 and dlg.combos[1].currentIndex() == 0  # unmatched -> unknown
    assert dlg.combos[0].currentIndex() == 2
    dlg.combos[1].setCurrentIndex(9)
    assert mapping.assignment == {0: 2, 1: 9}


def test_drop_label_map_and_bad_folder(desk, tmp_path):
    png = write_labelme(tmp_path, ["class 5", "unknown"])
    assert perform_drop(desk, png).kind == "label_map"
    assert (desk.session.doc.labels[:32] == 5).all() and (desk.session.doc.labels[32:] == 0).all()
    (tmp_path / "empty").mkdir()
    assert perform_drop(desk, tmp_path / "empty").kind == "none"


def test_shortcuts_sheet_lists_every_bound_action(desk):
    rows = collect_shortcuts(desk)
    listed = {(text, keys) for _menu, text, keys in rows}
    assert ("Generate", "Ctrl+G") in listed and ("Brush", "B") in listed
    assert ("Keyboard shortcuts", "Ctrl+/") in listed
    bound = {a.text().replace("&", "") for a in desk.findChildren(QAction) if not a.shortcut().isEmpty()}
    assert bound <= {text for _m, text, _k in rows}
    sheet = desktop.show_shortcuts(desk)
    assert sheet.rows == rows and sheet.isVisible()
    sheet.close()


def test_tooltips_show_shortcuts_and_tools_have_icons(desk):
    for name, act in desk.tool_actions.items():
        assert not act.icon().isNull(), name
        assert f"({act.shortcut().toString()})" in act.toolTip(), name
    assert "(Ctrl+0)" in desk.fit_action.toolTip()
    assert not desk.windowIcon().isNull()


def test_settings_follow_the_window(desk, tmp_path):
    desk.brush_spin.setValue(41)
    desk.opacity.setValue(33)
    s = EditorSettings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert s.brush_size == 41 and s.overlay_opacity == 33


def test_canvas_colours_follow_the_palette():
    light, dark = QPalette(), theme.dark_palette()
    light.setColor(QPalette.ColorRole.Window, theme.QColor(239, 239, 239))
    assert theme.is_dark(dark) and not theme.is_dark(light)
    assert theme.canvas_colours(dark).background.lightness() < 60
    assert theme.canvas_colours(light).background.lightness() > 150
    assert theme.canvas_colours(dark).text.lightness() > 150


def test_drop_photo_opens_photo_to_layout_and_project_opens(desk, tmp_path):
    from engine.imagefiles import write_picture

    rng = np.random.default_rng(3)
    write_picture(tmp_path / "photo.jpg", rng.integers(0, 256, size=(50, 80, 3), dtype=np.uint8))
    assert perform_drop(desk, tmp_path / "photo.jpg").kind == "photo"
    dlg = desk._photo_dialog
    assert dlg.isVisible() and dlg.photo.shape == (64, 64, 3)
    dlg.close()

    from editor.document.project_file import save_project

    desk.session.doc.labels[:10] = 4

    save_project(tmp_path / "p.oasisproj", desk.session.doc)
    desk.session.doc.labels[:] = 0
    assert perform_drop(desk, tmp_path / "p.oasisproj").kind == "project"
    assert (desk.session.doc.labels[:10] == 4).all()
    assert desk.settings.recent_projects()[0] == str((tmp_path / "p.oasisproj").resolve())


def test_labelme_json_goes_through_the_mapping_dialog(desk, tmp_path):
    from editor.dialogs import ERRORS_SHOWN
    from tests.editor.document.test_labelme_json import shape, write_labelme_json

    path = write_labelme_json(tmp_path / "street.json", [
        shape("Class 4", [(0, 0), (63, 31)], "rectangle"),
        shape("lamp post", [(32, 36), (32, 60)], "line"),
    ], height=64, width=64)
    dialogs = []

    def review(mapping, name):  # what the dialog's combo box does, in the real dialog
        dlg = ClassMappingDialog(mapping, desk.session.doc.model.palette, name, desk)
        dialogs.append((name, sorted(dlg.table.item(r, 0).text() for r in range(dlg.table.rowCount()))))
        lamp = next(r.file_index for r in mapping.rows if r.file_name == "lamp post")
        dlg.combos[lamp].setCurrentIndex(9)
        return True

    desk.label_imports.review = review
    assert desk.label_imports.import_file(path)
    assert dialogs == [("street.json", ["Class 4", "_background_", "lamp post  (no match)"])]
    labels = desk.session.doc.labels
    assert (labels[:31] == 4).all() and labels[50, 32] == 9 and labels[50, 10] == 0
    # a broken one is refused with its name, and the document stays
    (tmp_path / "broken.json").write_text("{\"shapes\": [")
    assert not desk.label_imports.import_file(tmp_path / "broken.json")
    assert "broken.json" in ERRORS_SHOWN[-1] and "not valid JSON" in ERRORS_SHOWN[-1]
    assert (desk.session.doc.labels[:31] == 4).all()
