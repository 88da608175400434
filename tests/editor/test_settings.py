"""QSettings round trip through editor.settings with an INI file in a temp folder."""

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMainWindow, QToolBar

from editor.settings import RECENT_COUNT, EditorSettings


def ini(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_values_survive_a_new_settings_object(tmp_path):
    s = EditorSettings(ini(tmp_path))
    assert s.brush_size is None and s.overlay_opacity is None and s.recent_projects() == []
    s.brush_size = 23
    s.overlay_opacity = 140  # clamped on read
    s.remember_project(tmp_path / "a.oasisproj")
    s.sync()
    t = EditorSettings(ini(tmp_path))
    assert t.brush_size == 23 and t.overlay_opacity == 100
    assert t.recent_projects() == [str((tmp_path / "a.oasisproj").resolve())]  # one entry: INI gives a str


def test_recent_projects_newest_first_deduplicated_capped(tmp_path):
    s = EditorSettings(ini(tmp_path))
    for i in range(RECENT_COUNT + 3):
        s.remember_project(tmp_path / f"p{i}.oasisproj")
    s.remember_project(tmp_path / "p5.oasisproj")
    recent = EditorSettings(ini(tmp_path)).recent_projects()
    assert len(recent) == RECENT_COUNT and recent[0].endswith("p5.oasisproj")
    assert len(set(recent)) == RECENT_COUNT and recent[1].endswith(f"p{RECENT_COUNT + 2}.oasisproj")


def test_garbage_values_fall_back(tmp_path):
    q = ini(tmp_path)
    q.setValue("editor/brush_size", "huge")
    assert EditorSettings(q).brush_size is None


def test_window_geometry_round_trip(qtbot, tmp_path):
    def make():
        w = QMainWindow()
        bar = QToolBar("t")
        bar.setObjectName("t")
        w.addToolBar(bar)
        qtbot.addWidget(w)
        return w

    w = make()
    w.setGeometry(40, 50, 640, 410)
    s = EditorSettings(ini(tmp_path))
    s.save_window(w)
    s.sync()
    w2 = make()
    assert EditorSettings(ini(tmp_path)).restore_window(w2)
    assert (w2.width(), w2.height()) == (640, 410)
