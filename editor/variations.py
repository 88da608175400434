"""The variations grid: N images of the same layout with fresh seeds; click one to adopt it."""

from __future__ import annotations

import numpy as np
import qtawesome as qta
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, QSpinBox, QVBoxLayout, QWidget

from .canvas import rgb_qimage
from .generation import GenerationController

THUMB = 120


class VariationsPanel(QWidget):
    exportRequested = Signal(list, list)  # seeds, images

    def __init__(self, generation: GenerationController, parent=None):
        super().__init__(parent)
        self.generation = generation
        self.count = QSpinBox(minimum=1, maximum=64, value=6, suffix=" variations")
        self.make = QPushButton(qta.icon("fa5s.th"), "Make")
        self.make.setToolTip("Generate images with fresh seeds (locked regions keep their noise)")
        self.export = QPushButton(qta.icon("fa5s.file-export"), "Export…")
        self.export.setEnabled(False)
        self.grid = QListWidget()
        self.grid.setViewMode(QListWidget.ViewMode.IconMode)
        self.grid.setIconSize(QSize(THUMB, THUMB))
        self.grid.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.grid.setMovement(QListWidget.Movement.Static)
        self.grid.setSpacing(4)
        self.grid.setToolTip("Click a variation to adopt its seed and image (undoable)")
        row = QHBoxLayout()
        row.addWidget(self.count, 1)
        row.addWidget(self.make)
        row.addWidget(self.export)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(row)
        lay.addWidget(self.grid, 1)
        self.seeds: list[int] = []
        self.images: list[np.ndarray] = []
        self.make.clicked.connect(lambda: generation.make_variations(self.count.value()))
        self.export.clicked.connect(lambda: self.exportRequested.emit(list(self.seeds), list(self.images)))
        self.grid.itemClicked.connect(self._adopt)
        generation.variationsReady.connect(self.show_variations)
        # variations belong to one document and one model: another of either makes them meaningless
        generation.session.documentReplaced.connect(self.clear)
        generation.session.modelChanged.connect(self.clear)

    def clear(self):
        self.show_variations([], [])

    def show_variations(self, seeds, images):
        self.seeds, self.images = list(seeds), list(images)
        self.grid.clear()
        for seed, image in zip(seeds, images, strict=False):
            pm = QPixmap.fromImage(rgb_qimage(image)).scaled(
                THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
            item = QListWidgetItem(QIcon(pm), f"seed {seed}")
            item.setData(Qt.ItemDataRole.UserRole, int(seed))
            self.grid.addItem(item)
        self.export.setEnabled(bool(images))

    def _adopt(self, item):
        row = self.grid.row(item)
        if 0 <= row < len(self.images):
            self.generation.adopt_variation(self.seeds[row], self.images[row])
