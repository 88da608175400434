"""Train > "OASIS on a dataset…": a run of the engine's OASIS trainer (the same as `train-oasis`) on a
dataset folder, in the background on the engine worker with the Training dock's progress, pause and
cancel; when it finishes, the run is exported to a model folder that the editor opens.

The dialog only collects settings; the dataset check, the training and the export run in the engine's
job (engine.tasks.TrainOasis, on the worker thread). The request becomes a `train-oasis` argument list,
so the editor trains exactly what the command line would.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from engine.tasks import TrainOasis

from .dialogs import ok_cancel_buttons, pick_into
from .train_dialog import _path_row

DATASETS = ("folder", "ade20k", "cityscapes", "coco-stuff")
CONFIGS = ("light", "tiny", "public")


# The request is the engine's own: the dialog builds it on the GUI thread, the engine runs it.
OasisTrainingRequest = TrainOasis


def has_checkpoint(run_dir: str) -> bool:
    return bool(run_dir) and (Path(run_dir) / "checkpoint.safetensors").is_file()


class OasisTrainDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Train OASIS on a dataset")
        self.dataset = QComboBox()
        self.dataset.addItems(DATASETS)
        self.dataset.setToolTip("folder: images/ + labels/ + classes.json; the others: the public layouts "
                                "(docs/training.md)")
        self.data = QLineEdit(placeholderText="dataset root folder")
        self.run_dir = QLineEdit(placeholderText="new folder for checkpoints and samples (or a run to continue)")
        self.export_to = QLineEdit(placeholderText="model folder written when training ends (optional)")
        self.config = QComboBox()
        self.config.addItems(CONFIGS)
        self.config.setToolTip("light: the CPU size of the bundled model; tiny: a test size; public: the original "
                               "OASIS size (GPU)")
        self.iterations = QSpinBox(minimum=1, maximum=10_000_000, value=5000, singleStep=100)
        self.batch = QSpinBox(minimum=1, maximum=512, value=4)
        self.augment = QComboBox()
        self.augment.addItems(["dataset default", "ours", "public"])
        self.augment.setToolTip("ours: multi-scale crops, flip, copy-paste, colour; public: the public code's "
                                "resize / crop / flip")
        self.max_zoom = QDoubleSpinBox(minimum=1.0, maximum=8.0, value=3.0, singleStep=0.5)
        self.max_zoom.setToolTip("ours: crops from the whole scene (1) to this many times closer")
        self.workers = QSpinBox(minimum=0, maximum=32, value=0)
        self.workers.setToolTip("processes that read and crop pictures ahead of the networks (0: read in the "
                                "training task; large datasets train faster with 2-4)")
        self.open_model = QCheckBox("Open the model in the editor when training ends")
        self.open_model.setChecked(True)
        buttons = []
        pickers = ((self.data, "Dataset root"), (self.run_dir, "Run folder"), (self.export_to, "Model folder"))
        for edit, title in pickers:
            b = QPushButton("Choose…")
            b.clicked.connect(lambda _=False, e=edit, t=title: pick_into(e, t))
            buttons.append(b)
        form = QFormLayout()
        form.addRow("Dataset layout", self.dataset)
        form.addRow("Dataset", _path_row(self.data, buttons[0]))
        form.addRow("Run folder", _path_row(self.run_dir, buttons[1]))
        form.addRow("Export model to", _path_row(self.export_to, buttons[2]))
        form.addRow("Networks", self.config)
        form.addRow("Iterations", self.iterations)
        form.addRow("Batch size", self.batch)
        form.addRow("Augmentation", self.augment)
        form.addRow("Max zoom", self.max_zoom)
        form.addRow("Loader workers", self.workers)
        form.addRow("", self.open_model)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b")
        self.error.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(ok_cancel_buttons(self, "Start training"))
        self.extra: tuple = ()
        self._request: OasisTrainingRequest | None = None

    def problem(self) -> str:
        data, run, out = self.data.text().strip(), self.run_dir.text().strip(), self.export_to.text().strip()
        if not data:
            return "Choose the dataset's root folder."
        if not os.path.isdir(data):
            return f"{data}: is not a folder"
        if not run:
            return "Choose a run folder."
        if os.path.isfile(run):
            return f"{run}: is a file, not a folder"
        if out and os.path.isfile(out):
            return f"{out}: is a file, not a folder"
        if out and os.path.abspath(out) == os.path.abspath(run):
            return "The model folder must differ from the run folder."
        return ""

    def request(self) -> OasisTrainingRequest:
        augment = {"ours": "ours", "public": "public"}.get(self.augment.currentText(), "")
        ours = augment == "ours" or (not augment and self.dataset.currentText() == "folder")
        run = self.run_dir.text().strip()
        return OasisTrainingRequest(
            run_dir=run, data=self.data.text().strip(), dataset=self.dataset.currentText(),
            config=self.config.currentText(), iterations=self.iterations.value(), batch_size=self.batch.value(),
            augment=augment, max_zoom=self.max_zoom.value() if ours else None, workers=self.workers.value(),
            export_to=self.export_to.text().strip(), open_model=self.open_model.isChecked(), extra=tuple(self.extra),
            resume=has_checkpoint(run))

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            return
        self._request = self.request()
        super().accept()

    @property
    def accepted_request(self) -> OasisTrainingRequest | None:
        return self._request
