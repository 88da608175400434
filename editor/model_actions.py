"""The Model menu: open a model folder, import a public OASIS run (with progress), recent models."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QMenu, QProgressDialog

from engine import tasks
from engine import worker as w

from .dialogs import choose_dir, show_error
from .engine_client import EngineClient
from .import_run_dialog import ImportRunDialog

RECENT_KEY = "models/recent"
RECENT_COUNT = 8


class ModelActions(QObject):
    recentChanged = Signal()

    def __init__(self, engine: EngineClient, window, device: str = "cpu"):
        super().__init__(window)
        self.engine, self.window, self.device = engine, window, device
        self._import_id = 0
        self._import_fields: dict | None = None  # what the import dialog held, to reopen it on failure
        self._progress: QProgressDialog | None = None
        self.run_import_dialog = lambda dlg: dlg.exec() == QDialog.DialogCode.Accepted  # tests replace it
        engine.modelLoaded.connect(lambda m: self.remember(m.folder))

    def load(self, folder, on_message=None) -> int:
        """Submit the load itself; menus go through the window's load_model (it asks about unsaved work)."""
        return self.engine.submit(w.LoadModel(Path(folder), self.device), on_message=on_message)

    def open_model_folder(self):
        folder = choose_dir(self.window, "Open model folder (config.json + safetensors)", "models")
        if folder:
            self.window.load_model(folder)

    # -- recent ----------------------------------------------------------------------------------
    def recent(self) -> list[str]:
        value = QSettings().value(RECENT_KEY, [])
        return [str(v) for v in (value if isinstance(value, list) else [value]) if v]

    def remember(self, folder) -> None:
        folder = str(Path(folder).resolve())
        items = [folder] + [f for f in self.recent() if f != folder]
        QSettings().setValue(RECENT_KEY, items[:RECENT_COUNT])
        self.recentChanged.emit()

    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        recent = self.recent()
        for folder in recent:
            act = menu.addAction(folder)
            act.triggered.connect(lambda _=False, f=folder: self.window.load_model(f))
        if not recent:
            menu.addAction("(none yet)").setEnabled(False)

    # -- import ----------------------------------------------------------------------------------
    def import_run(self) -> int | None:  # the menu action (a QAction passes `checked`; nothing else)
        return self.ask_import()

    def ask_import(self, run_dir=None, fields: dict | None = None, problem: str = "") -> int | None:
        """The import dialog (run folder, or all fields, filled in); starts the import when accepted."""
        dlg = ImportRunDialog(self.window)
        if fields:
            dlg.set_arguments(fields)
        elif run_dir is not None:
            dlg.run_dir.setText(str(run_dir))
        if problem:
            dlg.show_problem(problem)
        if not self.run_import_dialog(dlg):
            return None
        fields = dlg.arguments()
        rid = self.start_import(**fields)
        self._import_fields = fields
        return rid

    def start_import(self, **kwargs) -> int:
        self._import_fields = None
        # its failures go back to the import dialog or its own error box, not the window's engine dialog
        self._import_id = self.engine.submit(tasks.ImportRun(**kwargs), on_message=self._on_import_message,
                                             owner="import", reports_failure=True)
        # None: no Cancel button (Qt's API; PySide6's stubs want a str)
        self._progress = QProgressDialog("Importing OASIS run…", None, 0, 100, self.window)  # type: ignore[call-overload]
        self._progress.setWindowTitle("Import")
        self._progress.setWindowModality(Qt.WindowModality.WindowModal)
        self._progress.setMinimumDuration(0)
        self._progress.setValue(0)
        return self._import_id

    def _on_import_message(self, msg: w.Message) -> None:
        if isinstance(msg, w.Progress):
            self._on_progress(msg)
        elif isinstance(msg, tasks.Imported):
            self._close_progress()
            self.window.load_model(msg.model_dir)
        elif isinstance(msg, w.Failed):
            self._on_failed(msg)

    def _on_progress(self, msg: w.Progress):
        if self._progress is not None:
            self._progress.setLabelText(msg.text)
            self._progress.setValue(int(msg.fraction * 100))

    def _close_progress(self):
        if self._progress is not None:
            self._progress.close()
            self._progress = None

    def _on_failed(self, msg: w.Failed):
        self._close_progress()
        if self._import_fields is not None and not msg.details:  # bad input: back to the dialog, as filled
            fields, self._import_fields = self._import_fields, None
            self.window.statusBar().showMessage(f"Import failed: {msg.text}", 8000)
            QTimer.singleShot(0, lambda: self.ask_import(fields=fields, problem=f"Import failed: {msg.text}"))
        else:
            self.window.statusBar().showMessage(msg.text, 8000)
            show_error(self.window, "Import failed", msg.text, msg.details)
