"""The Model menu: open a model folder, import a public OASIS run (with progress), recent models."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMenu,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QWidget,
)

from engine import worker as w

from .dialogs import choose_dir, ok_cancel_buttons, show_error
from .engine_client import EngineClient

RECENT_KEY = "models/recent"
RECENT_COUNT = 8


def _dir_row(parent, key: str, title: str) -> tuple[QWidget, QLineEdit]:
    edit = QLineEdit()
    btn = QPushButton("Browse…")
    btn.clicked.connect(lambda: (d := choose_dir(parent, title, key)) and edit.setText(d))
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(edit, 1)
    lay.addWidget(btn)
    return row, edit


class ImportRunDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Import a public OASIS run")
        run_row, self.run_dir = _dir_row(self, "oasis-run", "Run folder (with opt.txt and models/)")
        out_row, self.out_dir = _dir_row(self, "models", "Folder for the converted model")
        self.tag = QLineEdit("best")
        self.generator = QComboBox()
        self.generator.addItems(["ema", "g"])
        self.height_px = QSpinBox(minimum=0, maximum=4096, singleStep=32, specialValueText="from preset")
        self.width_px = QSpinBox(minimum=0, maximum=4096, singleStep=32, specialValueText="from preset")
        form = QFormLayout(self)
        form.addRow("Run folder", run_row)
        form.addRow("Save model to", out_row)
        form.addRow("Checkpoint tag", self.tag)
        form.addRow("Generator weights", self.generator)
        form.addRow("Height (custom datasets)", self.height_px)
        form.addRow("Width (custom datasets)", self.width_px)
        buttons = ok_cancel_buttons(self)
        form.addRow(buttons)
        self.resize(560, self.sizeHint().height())

    def arguments(self) -> dict:
        return dict(run_dir=Path(self.run_dir.text()), out_dir=Path(self.out_dir.text()), tag=self.tag.text() or "best",
                    generator=self.generator.currentText(), height=self.height_px.value() or None,
                    width=self.width_px.value() or None)


class ModelActions(QObject):
    recentChanged = Signal()

    def __init__(self, engine: EngineClient, window, device: str = "cpu"):
        super().__init__(window)
        self.engine, self.window, self.device = engine, window, device
        self._import_id = 0
        self._progress: QProgressDialog | None = None
        engine.progress.connect(self._on_progress)
        engine.taskFinished.connect(self._on_task_finished)
        engine.failed.connect(self._on_failed)
        engine.modelLoaded.connect(lambda m: self.remember(m.folder))

    def load(self, folder) -> int:
        return self.engine.submit(w.LoadModel(Path(folder), self.device))

    def open_model_folder(self):
        folder = choose_dir(self.window, "Open model folder (config.json + safetensors)", "models")
        if folder:
            self.load(folder)

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
            act.triggered.connect(lambda _=False, f=folder: self.load(f))
        if not recent:
            menu.addAction("(none yet)").setEnabled(False)

    # -- import ----------------------------------------------------------------------------------
    def import_run(self):
        dlg = ImportRunDialog(self.window)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        self.start_import(**dlg.arguments())

    def start_import(self, **kwargs) -> int:
        from engine.importer import import_oasis_run

        def task(ctx):
            return import_oasis_run(progress=ctx.progress, **kwargs)

        self._import_id = self.engine.submit(w.RunTask(task, name="import", tag="import"))
        self._progress = QProgressDialog("Importing OASIS run…", None, 0, 100, self.window)
        self._progress.setWindowTitle("Import")
        self._progress.setWindowModality(Qt.WindowModality.WindowModal)
        self._progress.setMinimumDuration(0)
        self._progress.setValue(0)
        return self._import_id

    def _on_progress(self, msg: w.Progress):
        if msg.request_id == self._import_id and self._progress is not None:
            self._progress.setLabelText(msg.text)
            self._progress.setValue(int(msg.fraction * 100))

    def _close_progress(self):
        if self._progress is not None:
            self._progress.close()
            self._progress = None

    def _on_task_finished(self, msg: w.TaskFinished):
        if msg.request_id == self._import_id:
            self._close_progress()
            self.load(msg.result)

    def _on_failed(self, msg: w.Failed):
        if msg.request_id == self._import_id:
            self._close_progress()
            show_error(self.window, "Import failed", msg.text, msg.details)
