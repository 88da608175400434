"""Noise editing: the seed, the noise brush's action, resampling a class, blending a region, locks.

`NoiseController` holds the logic (document commands on the session); `NoisePanel` is its widgets.
"""

from __future__ import annotations

import numpy as np
import qtawesome as qta
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from .document import noise_ops, painting
from .document.commands import Compound, RegionEdit, SetImage
from .session import EditorSession
from .tool_state import ToolState

RESAMPLE_ONE, RESAMPLE_PIXEL, LOCK, UNLOCK, BLEND = (
    "Resample (one vector)", "Resample (per pixel)", "Lock region", "Unlock region", "Select for blending")
BRUSH_ACTIONS = (RESAMPLE_ONE, RESAMPLE_PIXEL, BLEND, LOCK, UNLOCK)
ACTION_TIPS = {
    RESAMPLE_ONE: "The brushed region gets one fresh noise vector: it restyles as one object",
    RESAMPLE_PIXEL: "Every brushed pixel gets its own fresh noise vector: a more textured change",
    BLEND: "The brushed region becomes the blend region (slider below)",
    LOCK: "Locked pixels keep their noise and their look: a new seed, variations or edits elsewhere leave "
          "them as they are (blended over a few pixels outside the lock). Repainting a locked pixel's "
          "class regenerates it",
    UNLOCK: "Brushed pixels are generated freely again",
}
MAX_SEED = 2**31 - 1


class NoiseController(QObject):
    blendChanged = Signal(bool)  # a blend region exists
    previewRequested = Signal()  # the noise changed without an undo step yet (slider drag): regenerate

    def __init__(self, session: EditorSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.brush_action = RESAMPLE_ONE
        self.respect_locks = True
        self.blend: noise_ops.RegionBlend | None = None
        self._image_before_blend: np.ndarray | None = None
        self._blend_preview: RegionEdit | None = None
        session.documentReplaced.connect(self._drop_blend)

    @property
    def rng(self) -> np.random.Generator:
        return self.session.rng

    def set_seed(self, seed: int) -> None:
        doc = self.session.doc
        if seed != doc.seed or not np.array_equal(doc.noise, noise_ops.reseeded_noise(doc, seed)):
            self.session.push(noise_ops.reseed(doc, seed))  # same seed again: resets unlocked local edits

    def new_seed(self) -> int:
        seed = int(self.rng.integers(0, MAX_SEED))
        self.set_seed(seed)
        return seed

    def resample_class(self, class_index: int, per_pixel: bool = False) -> None:
        mode = noise_ops.PER_PIXEL if per_pixel else noise_ops.ONE_VECTOR
        self.session.push(noise_ops.resample_class(self.session.doc, class_index, self.rng, mode,
                                                   self.respect_locks))

    def apply_brush(self, patch: painting.Patch) -> None:
        doc = self.session.doc
        if patch.empty:
            return
        if self.brush_action in (RESAMPLE_ONE, RESAMPLE_PIXEL):
            mode = noise_ops.ONE_VECTOR if self.brush_action == RESAMPLE_ONE else noise_ops.PER_PIXEL
            self.session.push(noise_ops.resample_region(doc, patch, self.rng, mode, self.respect_locks))
        elif self.brush_action in (LOCK, UNLOCK):
            self.session.push(noise_ops.set_lock(doc, patch, self.brush_action == LOCK))
        elif self.brush_action == BLEND:
            self.start_blend(patch)

    # -- blend: a region, a fresh target, a slider t -----------------------------------------------
    def start_blend(self, patch: painting.Patch) -> None:
        self.finish_blend()
        blend = noise_ops.RegionBlend(self.session.doc, patch, self.rng, noise_ops.ONE_VECTOR, self.respect_locks)
        self.blend = None if blend.empty else blend
        self._image_before_blend = self.session.doc.image
        self.blendChanged.emit(self.blend is not None)

    def preview_blend(self, t: float) -> None:
        """Slider drag: write the blended noise without an undo step, and ask for a regeneration."""
        if self.blend is None:
            return
        edit = self.blend.edit(self.session.doc, t)
        if edit is None:  # an empty region (start_blend keeps none)
            return
        edit.apply(self.session.doc)
        self._blend_preview = edit
        self.session.changed.emit({"noise"})
        self.previewRequested.emit()

    def commit_blend(self) -> None:
        """Slider released: the current blend position becomes one undo step."""
        if self.blend is None or self._blend_preview is None:
            return
        edit, self._blend_preview = self._blend_preview, None
        if not np.array_equal(edit.old, edit.new):
            # Redo writes the noise the preview already wrote; undo also restores the image from before
            # the drag (previews replaced it without undo steps).
            parts: list[RegionEdit | SetImage] = [edit]
            if self.session.doc.image is not self._image_before_blend:
                parts.append(SetImage(self._image_before_blend, self.session.doc.image, "blend preview"))
            self.session.push(Compound(parts, edit.text))
            self._image_before_blend = self.session.doc.image

    def finish_blend(self) -> None:
        """Done: keep the current position (one undo step) and forget the region."""
        self.commit_blend()
        self._drop_blend()

    def _drop_blend(self) -> None:
        self._blend_preview = None  # a new document: the preview belonged to the old one
        self.blend = None
        self.blendChanged.emit(False)


class NoisePanel(QWidget):
    def __init__(self, noise: NoiseController, state: ToolState, parent=None):
        super().__init__(parent)
        self.noise, self.state = noise, state
        session = noise.session
        self.seed = QSpinBox(maximum=MAX_SEED, keyboardTracking=False)  # type: ignore[call-arg]  # a Qt property as keyword (PySide6 takes it; its stubs omit it)
        self.seed.setToolTip("The global noise seed: the same seed gives the same image (locked regions keep theirs)")
        new_seed = QPushButton(qta.icon("fa5s.dice"), "New seed")
        new_seed.setToolTip("Draw a random seed: restyles everything that is not locked; locked regions keep "
                            "their look (Ctrl+R)")
        self.action = QComboBox()
        self.action.addItems(BRUSH_ACTIONS)
        for i, name in enumerate(BRUSH_ACTIONS):
            self.action.setItemData(i, ACTION_TIPS[name], Qt.ItemDataRole.ToolTipRole)
        self.action.setToolTip("What the noise brush (N) does to the region you brush over")
        self.class_button = QPushButton(qta.icon("fa5s.random"), "Resample current class")
        self.class_button.setToolTip("New noise for every pixel of the current class (Shift: per pixel)")
        self.blend_label = QLabel("Brush a region with 'Select for blending' first")
        self.blend_label.setWordWrap(True)
        self.blend_slider = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100,
                                    enabled=False)  # type: ignore[call-overload]  # Qt properties as keywords (PySide6 takes them; its stubs omit them)
        self.blend_slider.setToolTip("0 = the region's current noise, 100 = a fresh noise vector")
        done = QPushButton("Done")
        done.clicked.connect(noise.finish_blend)
        clear_locks = QPushButton(qta.icon("fa5s.lock-open"), "Unlock all")

        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(new_seed)
        form = QFormLayout()
        form.addRow("Seed", seed_row)
        form.addRow("Noise brush", self.action)
        blend_box = QGroupBox("Blend region")
        bl = QVBoxLayout(blend_box)
        bl.addWidget(self.blend_label)
        row = QHBoxLayout()
        row.addWidget(self.blend_slider, 1)
        row.addWidget(done)
        bl.addLayout(row)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(form)
        lay.addWidget(self.class_button)
        lay.addWidget(blend_box)
        lay.addWidget(clear_locks)
        lay.addStretch(1)

        self.seed.valueChanged.connect(self._seed_edited)
        new_seed.clicked.connect(noise.new_seed)
        self.action.currentTextChanged.connect(lambda t: setattr(noise, "brush_action", t))
        self.class_button.clicked.connect(self._resample_class)
        self.blend_slider.valueChanged.connect(lambda v: noise.preview_blend(v / 100))
        self.blend_slider.sliderReleased.connect(noise.commit_blend)
        noise.blendChanged.connect(self._blend_state)
        clear_locks.clicked.connect(self._unlock_all)
        session.changed.connect(self._doc_changed)
        self._doc_changed({"seed"})

    def _seed_edited(self, value: int):
        if value != self.noise.session.doc.seed:
            self.noise.set_seed(value)

    def _doc_changed(self, layers):
        if "seed" in layers:
            self.seed.blockSignals(True)
            self.seed.setValue(self.noise.session.doc.seed)
            self.seed.blockSignals(False)

    def _resample_class(self):
        from PySide6.QtWidgets import QApplication

        shift = bool(QApplication.keyboardModifiers() & Qt.KeyboardModifier.ShiftModifier)
        self.noise.resample_class(self.state.current_class, per_pixel=shift)

    def _blend_state(self, active: bool):
        self.blend_slider.blockSignals(True)
        self.blend_slider.setValue(0)
        self.blend_slider.blockSignals(False)
        self.blend_slider.setEnabled(active)
        self.blend_label.setText("Drag to morph the region towards fresh noise; release keeps it" if active
                                 else "Brush a region with 'Select for blending' first")

    def _unlock_all(self):
        doc = self.noise.session.doc
        if doc.locked.any():
            self.noise.session.push(noise_ops.set_lock(doc, painting.patch_from_full(doc.locked), False))
