"""What the editor remembers between runs (QSettings): window geometry, brush size, overlay opacity,
recent projects. Recent models live under models/recent (ModelActions) and last folders under dirs/<key>
(editor.dialogs); this module reads them too so everything stored is listed in one place.

`EditorSettings(qsettings)` takes any QSettings, so tests use an INI file in a temp folder.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

GEOMETRY, WINDOW_STATE = "window/geometry", "window/state"
BRUSH_SIZE, OVERLAY_OPACITY = "editor/brush_size", "editor/overlay_opacity"
RECENT_PROJECTS, RECENT_MODELS = "projects/recent", "models/recent"
RECENT_COUNT = 8


class EditorSettings:
    def __init__(self, qsettings: QSettings | None = None):
        self.qs = qsettings if qsettings is not None else QSettings()

    # -- plain values ----------------------------------------------------------------------------
    def _int(self, key: str, default: int | None) -> int | None:
        value = self.qs.value(key)
        try:
            return int(value) if value is not None else default
        except (TypeError, ValueError):  # a hand-edited or foreign settings file
            return default

    def _list(self, key: str) -> list[str]:
        value = self.qs.value(key, [])
        # INI files give a single-element list back as a plain string
        return [str(v) for v in (value if isinstance(value, list) else [value]) if v]

    @property
    def brush_size(self) -> int | None:
        return self._int(BRUSH_SIZE, None)

    @brush_size.setter
    def brush_size(self, size: int) -> None:
        self.qs.setValue(BRUSH_SIZE, int(size))

    @property
    def overlay_opacity(self) -> int | None:
        """Percent (0..100) of the label map over the image."""
        value = self._int(OVERLAY_OPACITY, None)
        return None if value is None else max(0, min(100, value))

    @overlay_opacity.setter
    def overlay_opacity(self, percent: int) -> None:
        self.qs.setValue(OVERLAY_OPACITY, int(percent))

    def last_dir(self, key: str) -> str:
        return str(self.qs.value(f"dirs/{key}", ""))

    # -- recent lists ----------------------------------------------------------------------------
    def recent_projects(self) -> list[str]:
        return self._list(RECENT_PROJECTS)

    def recent_models(self) -> list[str]:
        return self._list(RECENT_MODELS)

    def remember_project(self, path) -> None:
        path = str(Path(path).resolve())
        items = [path] + [p for p in self.recent_projects() if p != path]
        self.qs.setValue(RECENT_PROJECTS, items[:RECENT_COUNT])

    # -- window ----------------------------------------------------------------------------------
    def save_window(self, window) -> None:
        self.qs.setValue(GEOMETRY, window.saveGeometry())
        self.qs.setValue(WINDOW_STATE, window.saveState())

    def restore_window(self, window) -> bool:
        geometry, state = self.qs.value(GEOMETRY), self.qs.value(WINDOW_STATE)
        ok = isinstance(geometry, QByteArray) and window.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            window.restoreState(state)
        return bool(ok)

    def sync(self) -> None:
        self.qs.sync()


def attach(window, settings: EditorSettings | None = None, restore_geometry: bool = True) -> EditorSettings:
    """Restore the remembered state into a MainWindow and keep it up to date while the window lives."""
    settings = settings or EditorSettings()
    if restore_geometry:
        settings.restore_window(window)
    if settings.brush_size is not None:
        window.state.set_brush_size(settings.brush_size)
    if settings.overlay_opacity is not None:
        window.opacity.setValue(settings.overlay_opacity)
    window.state.brushSizeChanged.connect(lambda size: setattr(settings, "brush_size", size))
    window.opacity.valueChanged.connect(lambda v: setattr(settings, "overlay_opacity", v))

    def note_project(*_):
        if window.session.project_path is not None:
            settings.remember_project(window.session.project_path)

    window.session.pathChanged.connect(note_project)  # opened (and its model loaded) or saved as
    window.session.cleanChanged.connect(lambda clean: clean and note_project())  # saving sets clean
    def save_on_close():
        settings.save_window(window)
        settings.sync()

    window.closed.connect(save_on_close)
    return settings
