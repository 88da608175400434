"""File menu additions: import label maps in other tools' formats (with the mapping dialog) and export a
layered OpenRaster picture. Reading and matching are Qt-free (editor/document/label_import.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QDialog

from engine.errors import InputError

from . import label_fit
from .class_mapping_dialog import ClassMappingDialog
from .dialogs import save_file, show_error
from .document import label_import
from .document.commands import diff_edit
from .document.ora_export import export_ora

FORMAT_PATTERNS = {"indexed": "*.png *.npy", "labelme_json": "*.json"}  # others: pictures
IMPORT_FILTERS = {  # file-dialog filter -> format
    "Any label map, format detected (*.png *.npy *.json *.bmp *.tif *.tiff)": "auto",
    **{f"{text} ({FORMAT_PATTERNS.get(fmt, '*.png *.bmp *.tif *.tiff')})": fmt
       for fmt, text in label_import.FORMAT_LABELS.items()},
}
ORA_FILTER = "OpenRaster (*.ora)"


class LabelImports(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.review = self.review_with_dialog  # tests replace it: (mapping, file name) -> bool (accept)

    def review_with_dialog(self, mapping, file_name: str) -> bool:
        dlg = ClassMappingDialog(mapping, self.window.session.doc.model.palette, file_name, self.window)
        return dlg.exec() == QDialog.DialogCode.Accepted

    def choose_and_import(self):
        from PySide6.QtWidgets import QFileDialog

        from .dialogs import _last_dir, _remember

        path, chosen = QFileDialog.getOpenFileName(self.window, "Import label map", _last_dir("labels"),
                                                   ";;".join(IMPORT_FILTERS))
        if path:
            _remember("labels", path)
            self.import_file(Path(path), IMPORT_FILTERS.get(chosen, "auto"))

    def import_file(self, path: Path, fmt: str = "auto") -> bool:
        """Read, match classes (dialog when some do not match), replace the label map as one undo step."""
        session = self.window.session
        model = session.doc.model
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            label_file, mapping = label_import.prepare_import(Path(path), model, fmt)
        except InputError as e:
            show_error(self.window, "Cannot import label map", str(e))
            return False
        except OSError as e:
            show_error(self.window, "Cannot import label map", f"{path}: {e.strerror or e}")
            return False
        finally:
            QApplication.restoreOverrideCursor()
        if mapping.needs_review and not self.review(mapping, Path(path).name):
            return False
        fit = label_fit.choose(self.window, Path(path).name, label_file.labels.shape)
        if fit is None:
            return False
        try:
            labels = label_import.finish_import(label_file, mapping, model, path, fit[0])
        except InputError as e:
            show_error(self.window, "Cannot import label map", str(e))
            return False
        edit = diff_edit("labels", session.doc.labels, labels, f"import {Path(path).name}")
        if edit is not None:
            session.push(edit)
        self.window.statusBar().showMessage(f"Imported {path}{fit[1]}" + (f" ({mapping.summary()})" if
                                                                         mapping.needs_review else ""), 8000)
        return True

    def export_openraster(self, path: str | None = None) -> bool:
        path = path or save_file(self.window, "Export layered OpenRaster (Krita, GIMP)", ORA_FILTER, "export", ".ora")
        if not path:
            return False
        try:
            export_ora(Path(path), self.window.session.doc)
        except OSError as e:
            show_error(self.window, "Cannot export", f"{path}: {e.strerror or e}")
            return False
        self.window.statusBar().showMessage(f"Exported {path}", 5000)
        return True
