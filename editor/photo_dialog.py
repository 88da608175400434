"""Photo to layout (thesis ch. 4.3.4): segment a photo with the model's discriminator, edit the label map,
then recreate the scene in new styles, shown next to the original photo.
"""

from __future__ import annotations

import numpy as np
import qtawesome as qta
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from engine import worker as w
from engine.errors import InputError
from engine.imagefiles import image_to_uint8, picture_to_model_input, read_picture
from engine.jobs import Latest

from .canvas import rgb_qimage
from .document.export import colourise, fit_photo, resize_rgb
from .engine_client import EngineClient
from .generation import GenerationController

PREVIEW = 280
PHOTO_FILTER = "Pictures (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff)"


class PhotoToLayoutDialog(QDialog):
    def __init__(self, generation: GenerationController, engine: EngineClient, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Photo to layout")
        self.generation, self.engine = generation, engine
        self.session = generation.session
        self.photo: np.ndarray | None = None  # H x W x 3 uint8 at the model size (after crop/pad + resize)
        self._raw: np.ndarray | None = None
        self._segments = Latest()  # latest-wins: only the newest request's answer is shown
        self._recreations = Latest()
        self.recreated: list[tuple[int, np.ndarray]] = []

        open_btn = QPushButton(qta.icon("fa5s.folder-open"), "Open photo…")
        self.fit_mode = QComboBox()
        self.fit_mode.addItems(["crop", "pad"])
        self.fit_mode.setToolTip("Bring the photo to the model's aspect ratio by cropping its centre or padding")
        self.segment_btn = QPushButton(qta.icon("fa5s.magic"), "Segment into layout")
        self.segment_btn.setToolTip("Replace the label map with the discriminator's segmentation (undoable)")
        self.count = QSpinBox(minimum=1, maximum=16, value=4, suffix=" styles")
        self.recreate_btn = QPushButton(qta.icon("fa5s.palette"), "Recreate")
        self.recreate_btn.setToolTip("Generate the current label map in new styles")
        self.photo_label = QLabel("No photo")
        self.layout_label = QLabel("No layout yet")
        for lab in (self.photo_label, self.layout_label):
            lab.setFixedSize(PREVIEW, PREVIEW)
            lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
            lab.setStyleSheet("background:#2a2c30; color:#aab")
        self.results = QListWidget()
        self.results.setViewMode(QListWidget.ViewMode.IconMode)
        self.results.setIconSize(QSize(PREVIEW // 2 + 40, PREVIEW // 2 + 40))
        self.results.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.results.setMovement(QListWidget.Movement.Static)
        self.results.setMinimumHeight(PREVIEW // 2 + 70)
        self.results.setToolTip("Click a recreation to adopt it in the editor")
        self.status = QLabel()

        top = QHBoxLayout()
        for wdg in (open_btn, self.fit_mode, self.segment_btn, self.count, self.recreate_btn):
            top.addWidget(wdg)
        top.addStretch(1)
        previews = QHBoxLayout()
        previews.addWidget(self._titled("Original photo", self.photo_label))
        previews.addWidget(self._titled("Layout", self.layout_label))
        previews.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(previews)
        lay.addWidget(QLabel("Recreations"))
        lay.addWidget(self.results, 1)
        lay.addWidget(self.status)

        open_btn.clicked.connect(self.choose_photo)
        self.fit_mode.currentTextChanged.connect(lambda _: self._prepare())
        self.segment_btn.clicked.connect(self.segment)
        self.recreate_btn.clicked.connect(self.recreate)
        self.results.itemClicked.connect(self._adopt)
        self.session.changed.connect(lambda layers: "labels" in layers and self._show_layout())
        self.session.modelChanged.connect(self._on_model_changed)
        self.session.documentReplaced.connect(self._on_model_changed)  # recreations were of another layout
        self._update_enabled()
        self._show_layout()

    def _on_model_changed(self):
        """Everything here was made at the old model's size: the photo is fitted again, the
        recreations and any answer still on its way are dropped."""
        self._segments.forget()
        self._recreations.forget()
        self.recreated = []
        self.results.clear()
        self.status.setText("")
        self._prepare()
        self._show_layout()
        self._update_enabled()

    @staticmethod
    def _titled(title, widget):
        box = QVBoxLayout()
        box.addWidget(QLabel(title))
        box.addWidget(widget)
        holder = QLabel()
        holder.setLayout(box)
        holder.setMinimumSize(PREVIEW + 20, PREVIEW + 40)
        return holder

    def _update_enabled(self):
        can = self.engine.config is not None and self.engine.can_segment
        self.segment_btn.setEnabled(can and self.photo is not None)
        if not self.engine.can_segment:
            self.segment_btn.setToolTip("This model has no discriminator, so it cannot segment photos")
        self.recreate_btn.setEnabled(self.engine.config is not None)

    def choose_photo(self):
        path, _ = QFileDialog.getOpenFileName(self, "Open photo", "", PHOTO_FILTER)
        if path:
            self.open_photo(path)

    def open_photo(self, path):
        try:
            self._raw = read_picture(path)
        except InputError as e:
            QMessageBox.warning(self, "Cannot open photo", str(e))
            return
        self._prepare()

    def set_photo_array(self, rgb: np.ndarray):
        self._raw = np.ascontiguousarray(rgb)
        self._prepare()

    def _prepare(self):
        if self._raw is None:
            return
        m = self.session.doc.model
        fitted = fit_photo(self._raw, m.height, m.width, self.fit_mode.currentText())
        self.photo = resize_rgb(fitted, m.height, m.width)  # what the discriminator sees
        self._set_preview(self.photo_label, np.ascontiguousarray(fitted), smooth=True)  # the photo as it is
        self._update_enabled()

    def _set_preview(self, label: QLabel, rgb: np.ndarray, smooth: bool = False):
        pm = QPixmap.fromImage(rgb_qimage(rgb))
        mode = Qt.TransformationMode.SmoothTransformation if smooth else Qt.TransformationMode.FastTransformation
        label.setPixmap(pm.scaled(PREVIEW, PREVIEW, Qt.AspectRatioMode.KeepAspectRatio, mode))

    def _show_layout(self):
        doc = self.session.doc
        self._set_preview(self.layout_label, colourise(doc.labels, doc.model.palette))

    def segment(self):
        if self.photo is None:
            return
        m = self.session.doc.model
        image = picture_to_model_input(self.photo, m.height, m.width)
        self._segments.track(self.engine.submit(w.Segment(image, tag="photo"), on_message=self._on_segment_answer))
        self.status.setText("Segmenting…")

    def _on_segment_answer(self, msg: w.Message):
        if not self._segments.wants(msg):
            return  # a newer request, or the model changed
        if isinstance(msg, w.Failed):
            self.status.setText(msg.text)
        elif isinstance(msg, w.Segmented):
            self._on_segmented(msg)

    def _on_segmented(self, msg: w.Segmented):
        self.generation.replace_labels(msg.labels, "photo to layout")
        self.status.setText("Layout from the photo is in the editor: fix it there, then Recreate.")

    def recreate(self):
        doc = self.session.doc
        seeds = [int(s) for s in self.session.rng.integers(0, 2**31 - 1, size=self.count.value())]
        from .document.noise_ops import reseeded_noise

        noises = tuple(reseeded_noise(doc, s) for s in seeds)
        self._recreate_seeds = seeds
        request = w.GenerateBatch(w.snapshot(doc.labels), noises, channel="recreate", tag="recreate")
        self._recreations.track(self.engine.submit(request, on_message=self._on_recreate_answer))
        self.status.setText("Recreating…")

    def _on_recreate_answer(self, msg: w.Message):
        if not self._recreations.wants(msg):
            return
        if isinstance(msg, w.Failed):
            self.status.setText(msg.text)
        elif isinstance(msg, w.BatchGenerated):
            self._on_recreated(msg)

    def _on_recreated(self, msg: w.BatchGenerated):
        self.results.clear()
        self.recreated = []
        size = self.results.iconSize()
        for seed, im in zip(self._recreate_seeds, msg.images, strict=False):
            rgb = image_to_uint8(im)
            self.recreated.append((seed, rgb))
            pm = QPixmap.fromImage(rgb_qimage(rgb)).scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                                                           Qt.TransformationMode.SmoothTransformation)
            self.results.addItem(QListWidgetItem(QIcon(pm), f"seed {seed}"))
        self.status.setText(f"{len(msg.images)} recreations in {msg.seconds:.1f} s")

    def _adopt(self, item):
        seed, rgb = self.recreated[self.results.row(item)]
        self.generation.adopt_variation(seed, rgb)
