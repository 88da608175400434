"""Desktop integration of the main window, installed by the app (not by MainWindow itself, so tests that
build bare windows are not affected by a user's stored settings): window icon, extra File-menu items
(label-map import with class mapping, OpenRaster export, recent projects), Help menu with the shortcuts
sheet, shortcut tooltips, drag and drop, remembered settings."""

from __future__ import annotations

from pathlib import Path

import qtawesome as qta
import shiboken6
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu

from engine.resources import resources_dir

from .dragdrop import make_drop_handler
from .import_formats import LabelImports
from .settings import EditorSettings, attach
from .shortcuts_sheet import ShortcutsSheet, add_shortcut_tooltips


def app_icon() -> QIcon:
    icon = QIcon()
    for png in sorted((resources_dir() / "icons").glob("oasis-studio-*.png")):
        icon.addFile(str(png))
    return icon


def _menu(window, title: str) -> QMenu:
    for act in window.menuBar().actions():
        if act.menu() is not None and act.text().replace("&", "") == title:
            return act.menu()
    return window.menuBar().addMenu(f"&{title}")


def _insert_after(menu: QMenu, anchor_text: str, actions) -> None:
    """Insert after the action whose text starts with `anchor_text` (end of the menu if it is gone)."""
    items = menu.actions()
    for i, act in enumerate(items):
        if act.text().startswith(anchor_text):
            before = items[i + 1] if i + 1 < len(items) else None
            for new in actions:
                menu.insertAction(before, new) if before is not None else menu.addAction(new)
            return
    menu.addActions(actions)


def _action(window, text, slot, icon=None, shortcut=None, tip=None) -> QAction:
    act = QAction(qta.icon(icon) if icon else QIcon(), text, window)
    if shortcut:
        act.setShortcut(QKeySequence(shortcut))
    if tip:
        act.setToolTip(tip)
        act.setStatusTip(tip)
    act.triggered.connect(slot)
    return act


def fill_recent_projects(window, menu: QMenu, settings: EditorSettings) -> None:
    menu.clear()
    for path in settings.recent_projects():
        act = menu.addAction(path)
        act.setEnabled(Path(path).is_file())
        act.triggered.connect(lambda _=False, p=path: window.files.open_project(p))
    if menu.isEmpty():
        menu.addAction("(none yet)").setEnabled(False)


def install(window, settings: EditorSettings | None = None, restore_geometry: bool = True,
            remember: bool = True) -> EditorSettings:
    """`remember=False` (screenshots): read nothing into the window and store nothing."""
    window.setWindowIcon(app_icon())
    window.label_imports = LabelImports(window)
    file_menu = _menu(window, "File")
    import_act = _action(window, "Import label map (labelme, CVAT, palettes)…", window.label_imports.choose_and_import,
                         "fa5s.file-import", "Ctrl+I",
                         "Import a labelme, CVAT, ADE20K/COCO-Stuff/Cityscapes colour-coded or indexed label map")
    ora_act = _action(window, "Export layered OpenRaster (.ora)…", lambda: window.label_imports.export_openraster(),
                      "fa5s.layer-group", "Ctrl+Shift+E",
                      "Image, label map, edited-noise and locked regions as layers for Krita or GIMP")
    _insert_after(file_menu, "Import colour-coded", [import_act])
    _insert_after(file_menu, "Export colourised", [ora_act])
    recent = QMenu("Recent projects", window)
    recent.setIcon(qta.icon("fa5s.history"))
    _insert_after(file_menu, "Save project as", [recent.menuAction()])

    help_menu = _menu(window, "Help")
    window.shortcuts_action = _action(window, "Keyboard shortcuts", lambda: show_shortcuts(window), "fa5s.keyboard",
                                      "Ctrl+/", "All keyboard shortcuts")
    help_menu.addAction(window.shortcuts_action)

    add_shortcut_tooltips(window)
    history = window.session.history  # undo/redo tooltips follow the step they would undo

    def follow_history():
        _set_tip(window.undo_action, f"Undo {history.undo_text} (Ctrl+Z)")
        _set_tip(window.redo_action, f"Redo {history.redo_text} (Ctrl+Shift+Z)")

    window.session.undo.changed.connect(follow_history)
    window.drop_handler = make_drop_handler(window)
    window.settings = attach(window, settings, restore_geometry) if remember else (settings or EditorSettings())
    recent.aboutToShow.connect(lambda: fill_recent_projects(window, recent, window.settings))
    return window.settings


def _set_tip(action: QAction, text: str) -> None:
    if shiboken6.isValid(action):  # the stack can still report while the window is being destroyed
        action.setToolTip(text)


def show_shortcuts(window) -> ShortcutsSheet:
    sheet = ShortcutsSheet(window)
    sheet.show()
    return sheet
