"""Train > "Train one-shot model…": the settings of a new SIV-GAN / OSMIS run, as a TrainingRequest.

The dialog only collects and checks paths; reading the inputs (a video can take seconds) and building
the engine configuration happen in the training job on the engine worker (engine/tasks.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine.tasks import TrainOneShot

from .dialogs import ok_cancel_buttons, pick_into

SIVGAN, OSMIS = "SIV-GAN (image / video only)", "OSMIS (image + masks)"
VIDEO_FILTER = "Videos (*.mp4 *.avi *.mov *.mkv *.webm *.m4v *.mpg *.mpeg)"
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff)"


# The request is the engine's own: the dialog builds it on the GUI thread, the engine runs it.
TrainingRequest = TrainOneShot


def _path_row(edit: QLineEdit, *buttons: QPushButton) -> QWidget:
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(edit, 1)
    for b in buttons:
        lay.addWidget(b)
    return row


class TrainDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Train one-shot model")
        self.mode = QComboBox()
        self.mode.addItems([SIVGAN, OSMIS])
        self.images = QLineEdit(placeholderText="image file, folder of images or video file")
        self.masks = QLineEdit(placeholderText="indexed PNG mask, or folder of masks (same names)")
        self.run_dir = QLineEdit(placeholderText="new or empty folder for checkpoints and samples")
        self.preset = QComboBox()
        self.preset.addItems(["cpu", "faithful"])
        self.preset.setToolTip("cpu: 112 px, narrow networks, ~20 min on 2 cores; faithful: the thesis settings")
        self.iterations = QSpinBox(minimum=1, maximum=1_000_000, value=1600, singleStep=100)
        self.max_size = QSpinBox(minimum=16, maximum=1024, value=112, suffix=" px")
        self.max_size.setToolTip("The longer image side is scaled down to this before training")
        self.preview_every = QSpinBox(minimum=1, maximum=100_000, value=250)
        self.preview_every.setToolTip("Show new preview samples every N iterations")
        self.preset.currentTextChanged.connect(self._apply_preset)
        self._apply_preset(self.preset.currentText())  # the boxes start at the engine's preset, not at copies of it

        image_btn, folder_btn, video_btn = QPushButton("Image…"), QPushButton("Folder…"), QPushButton("Video…")
        image_btn.clicked.connect(lambda: pick_into(self.images, "Training image", IMAGE_FILTER))
        folder_btn.clicked.connect(lambda: pick_into(self.images, "Folder of training images"))
        video_btn.clicked.connect(lambda: pick_into(self.images, "Training video", VIDEO_FILTER))
        mask_btn, mask_dir_btn = QPushButton("Mask…"), QPushButton("Folder…")
        mask_btn.clicked.connect(lambda: pick_into(self.masks, "Mask (indexed PNG)", "PNG masks (*.png)"))
        mask_dir_btn.clicked.connect(lambda: pick_into(self.masks, "Folder of masks"))
        out_btn = QPushButton("Choose…")
        out_btn.clicked.connect(lambda: pick_into(self.run_dir, "Run folder"))
        self._mask_row = _path_row(self.masks, mask_btn, mask_dir_btn)

        form = QFormLayout()
        form.addRow("Mode", self.mode)
        form.addRow("Training input", _path_row(self.images, image_btn, folder_btn, video_btn))
        form.addRow("Masks", self._mask_row)
        form.addRow("Preset", self.preset)
        form.addRow("Iterations", self.iterations)
        form.addRow("Max image size", self.max_size)
        form.addRow("Preview every", self.preview_every)
        form.addRow("Run folder", _path_row(self.run_dir, out_btn))
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b")
        self.error.setWordWrap(True)
        buttons = ok_cancel_buttons(self, "Start training")
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.mode.currentTextChanged.connect(lambda _: self._mask_row.setEnabled(self.osmis))
        self._mask_row.setEnabled(False)
        self._request: TrainingRequest | None = None
        self.overrides: dict = {}  # extra OneShotConfig settings not in the form (scripts, tests)

    @property
    def osmis(self) -> bool:
        return self.mode.currentText() == OSMIS

    def _apply_preset(self, name: str) -> None:
        from engine.oneshot.config import ONESHOT_PRESETS

        p = ONESHOT_PRESETS[name]
        self.iterations.setValue(p["iterations"])
        self.max_size.setValue(p["max_size"])
        self.preview_every.setValue(p["preview_every"])

    def problem(self) -> str:
        """The first reason the settings cannot start a run ('' when they can)."""
        images, masks, run = self.images.text().strip(), self.masks.text().strip(), self.run_dir.text().strip()
        if not images:
            return "Choose a training image, folder of images or video."
        if not os.path.exists(images):
            return f"{images}: does not exist"
        if self.osmis and not masks:
            return "OSMIS needs masks: choose an indexed PNG mask or a folder of masks."
        if self.osmis and not os.path.exists(masks):
            return f"{masks}: does not exist"
        if not run:
            return "Choose a run folder."
        if os.path.exists(os.path.join(run, "config.json")):
            return f"{run}: already holds a run (use Train > Resume run… or choose another folder)"
        if os.path.isfile(run):
            return f"{run}: is a file, not a folder"
        return ""

    def request(self) -> TrainingRequest:
        return TrainingRequest(
            run_dir=self.run_dir.text().strip(), images=self.images.text().strip(),
            masks=self.masks.text().strip() if self.osmis else None, preset=self.preset.currentText(),
            iterations=self.iterations.value(), max_size=self.max_size.value(),
            preview_every=self.preview_every.value(), overrides=dict(self.overrides))

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            return
        self._request = self.request()
        super().accept()

    @property
    def accepted_request(self) -> TrainingRequest | None:
        return self._request


def choose_run_folder(parent, title: str) -> str:
    """A folder holding a one-shot run (config.json), or '' (cancelled / not a run: the caller is told)."""
    path = QFileDialog.getExistingDirectory(parent, title)
    return path


def is_run_folder(path: str) -> bool:
    return bool(path) and (Path(path) / "config.json").is_file()
