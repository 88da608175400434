"""Nothing replaces the open document without asking, and saving always writes the document's own file
(issue 15, items 2 and 3). The unsaved-work question is answered through `MainWindow.ask_unsaved`."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QMenu

from editor.document.commands import diff_edit
from editor.document.project_file import load_project, save_project


@pytest.fixture
def tmp_settings(tmp_path):
    """QSettings (recent models, last folders) in a temporary INI file, never the user's."""
    from PySide6.QtCore import QSettings, QStandardPaths

    fmt, scope = QSettings.Format.IniFormat, QSettings.Scope.UserScope
    old_format = QSettings.defaultFormat()
    QSettings.setDefaultFormat(fmt)
    QSettings.setPath(fmt, scope, str(tmp_path / "settings"))
    yield tmp_path / "settings"
    config_home = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericConfigLocation)
    QSettings.setPath(fmt, scope, config_home)
    QSettings.setDefaultFormat(old_format)


@pytest.fixture(scope="module")
def small_model_dir(tmp_path_factory):
    """The fixture run imported at 32x32: same classes as the 64x64 tiny model, another size."""
    from engine.importer import import_oasis_run
    from tests.conftest import FIXTURE_RUN

    out = tmp_path_factory.mktemp("models") / "tiny32"
    import_oasis_run(FIXTURE_RUN, out, height=32, width=32)
    return out


@pytest.fixture
def win(make_window, tiny_model_dir, tmp_settings, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    # a modal question would block an offscreen test: every question goes through ask_unsaved
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: pytest.fail(f"modal question {a[1:3]}"))
    w = make_window(tiny_model_dir)
    w.ask_to_save = True  # the fixture turns the question off; these tests answer it
    w.asked = []
    w.answer = "cancel"
    w.ask_unsaved = lambda action: (w.asked.append(action), w.answer)[1]
    yield w
    w.ask_to_save = False  # teardown closes the window


def paint(win, value=3, rect=(slice(2, 12), slice(4, 20))):
    doc = win.session.doc
    labels = doc.labels.copy()
    labels[rect] = value
    win.session.push(diff_edit("labels", doc.labels, labels, "paint"))
    return labels


def a_project(win, tmp_path, name="other.oasisproj", value=7):
    """A saved project for the open model whose label map differs from the open document's."""
    from dataclasses import replace

    doc = win.session.doc
    other = replace(doc, labels=np.full_like(doc.labels, value), noise=doc.noise.copy(), locked=doc.locked.copy())
    path = tmp_path / name
    save_project(path, other)
    return path


def test_open_project_asks_and_cancel_keeps_the_work(win, tmp_path):
    painted = paint(win)
    path = a_project(win, tmp_path)
    win.files.open_project(str(path))
    assert win.asked and "other.oasisproj" in win.asked[0]
    np.testing.assert_array_equal(win.session.doc.labels, painted)
    assert win.session.stack.count() == 1 and not win.session.stack.isClean()
    assert win.session.project_path is None


def test_open_project_discard_replaces_and_save_saves_first(win, tmp_path, monkeypatch):
    paint(win)
    path = a_project(win, tmp_path)
    win.answer = "discard"
    win.files.open_project(str(path))
    assert (win.session.doc.labels == 7).all() and win.session.project_path == path
    assert "other.oasisproj" in win.windowTitle()

    painted = paint(win, value=2)  # now edit the opened project and open another one, answering Save
    second = a_project(win, tmp_path, "second.oasisproj", value=5)
    win.answer = "save"
    win.files.open_project(str(second))
    np.testing.assert_array_equal(load_project(path).labels, painted)  # saved into its own file first
    assert (win.session.doc.labels == 5).all() and win.session.project_path == second


def test_dropping_a_project_asks_first(win, tmp_path):
    painted = paint(win)
    path = a_project(win, tmp_path)
    from editor.dragdrop import perform_drop

    assert perform_drop(win, path).kind == "project"
    assert win.asked, "a dropped project replaced the document without asking"
    np.testing.assert_array_equal(win.session.doc.labels, painted)


def test_switching_to_a_model_of_another_size_asks_and_cancel_keeps_model_and_work(win, small_model_dir, qtbot):
    painted = paint(win)
    engine_folder = win.engine.folder
    assert win.load_model(small_model_dir) is None  # cancelled: the engine was not even asked
    assert win.asked and small_model_dir.name in win.asked[0]
    qtbot.wait(50)
    assert win.engine.folder == engine_folder
    np.testing.assert_array_equal(win.session.doc.labels, painted)
    assert win.session.stack.count() == 1 and not win.session.stack.isClean()


def test_reopening_the_open_model_from_recent_models_keeps_history_and_unsaved_mark(win, qtbot):
    paint(win)
    assert win.isWindowModified()
    menu = QMenu()
    win.models.fill_recent_menu(menu)
    current = [a for a in menu.actions() if a.text() == str(win.engine.folder.resolve())]
    assert current, [a.text() for a in menu.actions()]
    current[0].trigger()
    qtbot.waitUntil(lambda: not win.engine.busy, timeout=60_000)  # a reload, if one was started, has ended
    qtbot.wait(50)
    assert win.session.stack.count() == 1 and not win.session.stack.isClean() and win.isWindowModified()
    assert not win.asked  # nothing was going to be lost, so nothing was asked
    assert "already" in win.statusBar().currentMessage()


def test_model_switch_makes_an_untitled_document_and_save_never_overwrites_the_old_project(
        win, small_model_dir, tmp_path, qtbot, monkeypatch):
    project = tmp_path / "scene.oasisproj"
    paint(win)
    win.session.project_path = project
    assert win.files.save_project()
    on_disk = project.read_bytes()
    assert "scene.oasisproj" in win.windowTitle()
    paint(win, value=9)
    win.answer = "discard"
    with qtbot.waitSignal(win.engine.modelLoaded, timeout=60_000):
        assert win.load_model(small_model_dir) is not None
    assert win.session.doc.shape == (32, 32)
    assert win.session.project_path is None and "untitled" in win.windowTitle()
    paint(win, value=4, rect=(slice(0, 4), slice(0, 4)))
    chosen = tmp_path / "new.oasisproj"
    monkeypatch.setattr("editor.file_actions.save_file", lambda *a, **k: str(chosen))
    assert win.files.save_project()  # Ctrl+S on the untitled document asks for a name
    assert project.read_bytes() == on_disk
    assert load_project(chosen).shape == (32, 32)


def test_save_as_names_the_new_file_in_the_title(win, tmp_path, monkeypatch):
    paint(win)
    assert "untitled" in win.windowTitle()
    chosen = tmp_path / "renamed.oasisproj"
    monkeypatch.setattr("editor.file_actions.save_file", lambda *a, **k: str(chosen))
    assert win.files.save_project(save_as=True)
    assert "renamed.oasisproj" in win.windowTitle() and "untitled" not in win.windowTitle()
    assert not win.isWindowModified()


def test_file_new_asks_then_gives_an_empty_untitled_document(win, tmp_path):
    paint(win)
    win.session.project_path = tmp_path / "kept.oasisproj"
    win.answer = "cancel"
    assert not win.new_action.isEnabled() or not win.new_document()
    assert win.session.stack.count() == 1
    win.answer = "discard"
    win.new_action.trigger()
    doc = win.session.doc
    assert win.session.stack.count() == 0 and win.session.project_path is None
    assert doc.shape == (64, 64) and (doc.labels == doc.model.unknown_index).all()


def test_quit_uses_the_same_question(win):
    paint(win)
    win.answer = "cancel"
    assert not win.close()
    assert win.asked and win.isVisible()
