"""The File menu's work: projects, label maps (indexed, colour-coded), exports. Errors go to dialogs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from engine.errors import InputError

from . import label_fit
from .dialogs import choose_dir, open_file, save_file, show_error
from .document import export, label_io
from .document.commands import diff_edit
from .document.project_file import SUFFIX, load_project, save_project
from .session import EditorSession

PROJECT_FILTER = f"OASIS Studio project (*{SUFFIX})"
LABEL_FILTER = "Label maps (*.png *.npy)"
PNG_FILTER = "PNG image (*.png)"
FAILED = object()  # what _guard returns when the action failed (and the error dialog was shown)


class FileActions(QObject):
    projectOpened = Signal(object, object)  # LabelDocument read from disk, its Path (the window checks its model)
    message = Signal(str)  # status bar text

    def __init__(self, session: EditorSession, parent_widget):
        super().__init__(parent_widget)
        self.session = session
        self.window = parent_widget

    def _guard(self, title, fn, *args):
        try:
            return fn(*args)
        except InputError as e:
            show_error(self.window, title, str(e))
        except OSError as e:
            show_error(self.window, title, f"{getattr(e, 'filename', '') or ''}: {e.strerror or e}")
        return FAILED

    # -- projects --------------------------------------------------------------------------------
    def open_project(self, path: str | None = None):
        path = path or open_file(self.window, "Open project", PROJECT_FILTER, "project")
        if path:
            doc = self._guard("Cannot open project", load_project, Path(path))
            if doc is not FAILED:  # the path becomes the session's only when the document replaces the open one
                self.projectOpened.emit(doc, Path(path))

    def save_project(self, save_as: bool = False) -> bool:
        path = self.session.project_path
        if path is None or save_as:
            chosen = save_file(self.window, "Save project", PROJECT_FILTER, "project", SUFFIX)
            if not chosen:
                return False
            path = Path(chosen)
        if self._guard("Cannot save project", save_project, Path(path), self.session.doc) is FAILED:
            return False
        self.session.project_path = Path(path)
        self.session.mark_saved()
        self.message.emit(f"Saved {path}")
        return True

    # -- label maps ------------------------------------------------------------------------------
    def _replace_labels(self, labels, text):
        edit = diff_edit("labels", self.session.doc.labels, labels.astype("uint8"), text)
        if edit is not None:
            self.session.push(edit)

    def _fitted(self, title: str, labels, path: Path):
        """Classes checked, then brought to the model's size as the user chooses (None: cancelled or bad)."""
        model = self.session.doc.model
        if self._guard(title, label_io.check_classes, labels, model, path) is FAILED:
            return None
        fit = label_fit.choose(self.window, path.name, labels.shape)
        if fit is None:
            return None
        fitted = self._guard(title, label_io.fit_labels, labels, model, path, fit[0])
        return None if fitted is FAILED else (fitted, fit[1])

    def open_label_map(self, path: str | None = None, as_opened: bool = False):
        """Replace the label map (one undo step); `as_opened`: the map is the start of a new untitled
        document instead (a first start), with no history and nothing unsaved."""
        path = path or open_file(self.window, "Open label map", LABEL_FILTER, "labels")
        if not path:
            return
        raw = self._guard("Cannot open label map", label_io.read_label_map, Path(path))
        fitted = None if raw is FAILED else self._fitted("Cannot open label map", raw, Path(path))
        if fitted is None:
            return
        labels, note = fitted
        if as_opened:
            self.session.replace_document(replace(self.session.doc, labels=labels, image=None), None)
        else:
            self._replace_labels(labels, f"open {Path(path).name}")
        self.message.emit(f"Opened label map {path}{note}")

    def save_label_map(self):
        path = save_file(self.window, "Save label map", PNG_FILTER, "labels", ".png")
        if path:
            doc = self.session.doc
            sidecar = self._guard("Cannot save label map", label_io.save_label_map, Path(path), doc.labels, doc.model)
            if sidecar is not FAILED:
                self.message.emit(f"Saved {path} and {sidecar.name}")

    def import_colour_coded(self, path: str | None = None, table_path: str | None = None, ask_table: bool = True):
        path = path or open_file(self.window, "Import colour-coded label map", "Pictures (*.png *.bmp *.tif *.tiff)",
                                 "labels")
        if not path:
            return
        model = self.session.doc.model
        table = None
        if table_path is None and ask_table:
            answer = QMessageBox.question(
                self.window, "Colour table",
                "Use a colour table file (JSON: {\"#rrggbb\": class name or index})?\n\n"
                "No = decode with the model's own class colours.")
            if answer == QMessageBox.StandardButton.Yes:
                table_path = open_file(self.window, "Colour table", "JSON (*.json)", "labels")
                if not table_path:
                    return
        if table_path:
            table = self._guard("Cannot read colour table", label_io.read_colour_table, Path(table_path), model)
            if table is FAILED:
                return
        raw = self._guard("Cannot import label map", label_io.read_colour_coded, Path(path), model, table)
        fitted = None if raw is FAILED else self._fitted("Cannot import label map", raw, Path(path))
        if fitted is not None:
            self._replace_labels(fitted[0], f"import {Path(path).name}")
            self.message.emit(f"Imported colour-coded map {path}{fitted[1]}")

    # -- exports ---------------------------------------------------------------------------------
    def export_image(self):
        doc = self.session.doc
        if doc.image is None:
            show_error(self.window, "Nothing to export", "Generate an image first (Ctrl+G).")
            return
        path = save_file(self.window, "Export image", PNG_FILTER, "export", ".png")
        if path and self._guard("Cannot export", export.export_image, Path(path), doc.image) is not FAILED:
            self.message.emit(f"Exported {path}")

    def export_colourised(self):
        path = save_file(self.window, "Export colourised label map", PNG_FILTER, "export", ".png")
        doc = self.session.doc
        if path and self._guard("Cannot export", export.export_colourised, Path(path), doc.labels,
                                doc.model.palette) is not FAILED:
            self.message.emit(f"Exported {path}")

    def export_variations(self, seeds, images):
        if not images:
            show_error(self.window, "Nothing to export", "Make variations first (Variations panel).")
            return
        folder = choose_dir(self.window, "Export variations to folder", "export")
        if folder:
            from .progress import export_variations_with_progress

            paths = self._guard("Cannot export", export_variations_with_progress, self.window, folder, images, seeds)
            if paths is None:
                self.message.emit("Export cancelled")
            elif paths is not FAILED:
                self.message.emit(f"Exported {len(paths)} variations to {folder}")
