"""Samples of a one-shot run: a grid of new samples from the run's latest checkpoint (EMA generator),
"New batch", and "Save selected" (images + OSMIS masks as indexed PNGs).

Sampling is an interactive engine request (engine.tasks.SampleOneShot) on the engine worker (the
thread that owns torch objects); while a run trains, the trainer lets it run between two of its
iterations. The checkpoint is re-read for every batch, so a window opened during training shows the
newest weights.
"""

from __future__ import annotations

import os
import random

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine import tasks
from engine import worker as w

from .canvas import rgb_qimage

OVERLAY_ALPHA = 0.5
TILE_HEIGHT = 96  # tiny samples are enlarged by a whole factor up to about this height


def tile(image: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """The sample, and for OSMIS its mask blended over it, side by side."""
    if mask is None:
        return image
    from engine.oneshot.sample import PALETTE

    colours = PALETTE.reshape(-1, 3)[mask]
    overlay = (image * (1 - OVERLAY_ALPHA) + colours * OVERLAY_ALPHA).round().astype(np.uint8)
    gap = np.full((image.shape[0], 2, 3), 255, np.uint8)
    return np.concatenate([image, gap, overlay], axis=1)


class SamplerWindow(QWidget):
    batchShown = Signal(int)  # number of samples in the new grid
    failed = Signal(str)

    def __init__(self, engine, run_dir: str, parent=None, count: int = 12):
        super().__init__(parent, Qt.WindowType.Window)
        self.engine, self.run_dir = engine, run_dir
        self.setWindowTitle(f"Samples — {os.path.basename(os.path.normpath(run_dir))}")
        self.grid = QListWidget()
        self.grid.setViewMode(QListWidget.ViewMode.IconMode)
        self.grid.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.grid.setMovement(QListWidget.Movement.Static)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.grid.setSpacing(6)
        self.count = QSpinBox(minimum=1, maximum=64, value=count)
        self.new_btn = QPushButton("New batch")
        self.save_btn = QPushButton("Save selected…")
        self.status = QLabel("")
        row = QHBoxLayout()
        row.addWidget(QLabel("Samples"))
        row.addWidget(self.count)
        row.addWidget(self.new_btn)
        row.addWidget(self.save_btn)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.grid, 1)
        lay.addWidget(self.status)
        self.new_btn.clicked.connect(self.new_batch)
        self.save_btn.clicked.connect(self._choose_and_save)
        self.grid.itemSelectionChanged.connect(self._update_buttons)
        self.batch: dict | None = None
        self._request = 0
        self._update_buttons()
        self.resize(900, 620)

    def new_batch(self, seed: int | None = None) -> int:
        seed = random.randrange(2 ** 31) if seed is None else seed
        run, n = self.run_dir, self.count.value()
        self.new_btn.setEnabled(False)
        self.status.setText("sampling…")
        # Interactive lane: runs before (or, during training, between steps of) background work; a newer
        # batch of this window supersedes an older one still queued or running (its channel).
        owner = f"sample-oneshot:{id(self)}"
        self._request = self.engine.submit(tasks.SampleOneShot(run, n, seed, channel=owner),
                                           on_message=self._on_message, owner=owner)
        return self._request

    def _on_message(self, msg: w.Message) -> None:
        if isinstance(msg, tasks.Sampled):
            self._show(msg.batch)
        elif isinstance(msg, w.Failed):
            self._on_failed(msg)

    def _show(self, batch: dict) -> None:
        self.batch = batch
        self.grid.clear()
        masks = self.batch.get("masks")
        first = None
        for i, image in enumerate(self.batch["images"]):
            pix = QPixmap.fromImage(rgb_qimage(tile(image, None if masks is None else masks[i])))
            scale = max(1, TILE_HEIGHT // pix.height())
            pix = pix.scaled(pix.width() * scale, pix.height() * scale)  # nearest: small samples stay crisp
            item = QListWidgetItem(QIcon(pix), f"#{i}")
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.grid.addItem(item)
            first = first or pix.size()
        if first is not None:
            self.grid.setIconSize(first)
            self.grid.setGridSize(QSize(first.width() + 12, first.height() + 28))
        self.status.setText(f"iteration {self.batch['iteration']}  ·  seed {self.batch['seed']}"
                            + ("  ·  mask overlay on the right" if masks is not None else ""))
        self._update_buttons()
        self.batchShown.emit(len(self.batch["images"]))

    def _on_failed(self, msg: w.Failed) -> None:
        self.status.setText(f"failed: {msg.text}")  # the main window shows engine errors as a dialog
        self._update_buttons()
        self.failed.emit(msg.text)

    def _update_buttons(self) -> None:
        self.new_btn.setEnabled(True)
        self.save_btn.setEnabled(bool(self.grid.selectedItems()))

    def selected_indices(self) -> list[int]:
        return sorted(it.data(Qt.ItemDataRole.UserRole) for it in self.grid.selectedItems())

    def _choose_and_save(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Save selected samples to")
        if folder:
            paths = self.save_selected(folder)
            self.status.setText(f"saved {len(paths)} sample(s) to {folder}")

    def save_selected(self, folder: str) -> list[str]:
        """sample_<seed>_<i>.png, and masks/sample_<seed>_<i>.png (indexed PNG) for OSMIS runs."""
        from PIL import Image

        from engine.oneshot.sample import mask_to_png

        if self.batch is None:
            return []
        masks = self.batch.get("masks")
        os.makedirs(folder, exist_ok=True)
        if masks is not None:
            os.makedirs(os.path.join(folder, "masks"), exist_ok=True)
        paths = []
        for i in self.selected_indices():
            name = f"sample_{self.batch['seed']}_{i:02d}.png"
            path = os.path.join(folder, name)
            Image.fromarray(self.batch["images"][i]).save(path)
            if masks is not None:
                mask_to_png(masks[i]).save(os.path.join(folder, "masks", name))
            paths.append(path)
        return paths
