"""Generate, live mode and variations: snapshots of the document go to the engine, images come back.

How results enter the undo history:
- live mode: the image made after a stroke is attached to that stroke's undo step (one Ctrl+Z undoes
  both), as long as that step is still the newest one;
- Generate (Ctrl+G), or a live result whose step is no longer the newest: its own "generate" step;
- adopting a variation: one step that sets the seed, the noise and the image.
Requests on the "generate" channel are latest-wins: the worker supersedes a queued older one, and the
answer of an older one that was already running is dropped here (engine.jobs.Latest). Each request's
messages come to its own handler (EngineClient.submit(on_message=...)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal

from engine import worker as w
from engine.imagefiles import image_to_uint8
from engine.jobs import Latest

from .document import noise_ops
from .document.commands import Compound, SetImage, diff_edit
from .document.history import Step, layers_of
from .document.locked_look import LockedLook, LookRequest
from .engine_client import EngineClient
from .session import EditorSession

NOISE_AFFECTS_IMAGE = {"labels", "noise", "locked"}  # live mode regenerates after these (unlocking frees a look)


@dataclass(frozen=True)
class GenerateTag:
    step: Step | None  # the undo step this image belongs to (live mode), else None
    preview: bool = False  # a preview (blend slider drag): shown, but not an undo step
    look: LookRequest | None = None  # what the result is composed with (locked regions keep their look)
    document: int = 0  # GenerationController.document_epoch when asked: a result for another document is dropped
    opening: bool = False  # the image of a document just opened: no undo step while nothing was edited


@dataclass(frozen=True)
class VariationsTag:
    seeds: tuple
    look: LookRequest | None = None
    document: int = 0


class GenerationController(QObject):
    imageAdopted = Signal(float)  # seconds the generation took
    variationsReady = Signal(object, object)  # seeds, images (H x W x 3 uint8 each)
    liveChanged = Signal(bool)
    message = Signal(str)  # status-bar text (a refused adoption)

    def __init__(self, session: EditorSession, engine: EngineClient, parent=None):
        super().__init__(parent)
        self.session = session
        self.engine = engine
        self.live = False
        self.precision = "auto"  # the fast path; Generate > Exact mode switches to "fp32"
        self._generates = Latest()
        self._variations = Latest()
        self._variation_locks = None  # the lock mask the variations were made with
        # Counts document replacements and model changes: requests carry it, and a result made for an
        # earlier document or model (a request still queued when the model switched) is never adopted.
        self.document_epoch = 0
        self._lent: dict[int, np.ndarray] = {}  # request id -> the noise map it reads (see LabelDocument)
        self.look = LockedLook()  # every image shown is composed here: locked pixels keep their look
        session.doc.noise_lent = self._is_lent
        session.documentReplaced.connect(self._on_document_replaced)
        session.modelChanged.connect(self._forget_results_in_flight)
        session.pushed.connect(self._on_pushed)

    @property
    def ready(self) -> bool:
        return self.engine.config is not None

    def set_live(self, on: bool) -> None:
        if on != self.live:
            self.live = on
            self.liveChanged.emit(on)
            if on:
                self.generate()

    def _forget_results_in_flight(self) -> None:
        self.document_epoch += 1
        self._variation_locks = None

    def _fits(self, image: np.ndarray) -> bool:
        return image.shape == (*self.session.doc.shape, 3)

    def _on_document_replaced(self) -> None:
        self._forget_results_in_flight()
        doc = self.session.doc
        doc.noise_lent = self._is_lent
        self.look.clear()
        if doc.image is not None:  # a loaded project's image shows its label map
            self.look.remember(doc.image, doc.labels.copy())

    def _look_request(self, labels: np.ndarray) -> LookRequest:
        doc = self.session.doc
        return self.look.request(labels, doc.locked, doc.image, doc.labels)

    def _is_lent(self, array: np.ndarray) -> bool:
        return any(a is array for a in self._lent.values())

    def preview(self) -> int | None:
        """Regenerate for a transient state (slider drag): the image is shown without an undo step."""
        return self.generate(preview=True)

    def generate(self, step: Step | None = None, preview: bool = False,
                 opening: bool = False) -> int | None:
        """Queue a generation of the current document. The label map is copied (a byte per pixel); the
        noise map is lent copy-on-write: the document copies it only if it is edited while lent.
        `opening`: the first image of a document just opened (start-up) -- if nothing has been edited
        when it arrives it is part of the opened state, not an undo step, and nothing counts as unsaved."""
        if not self.ready:
            return None
        doc = self.session.doc
        labels = w.snapshot(doc.labels)
        tag = GenerateTag(step, preview, self._look_request(labels), self.document_epoch, opening)
        rid = self._generates.track(self.engine.submit(w.Generate(labels, doc.noise, self.precision, tag=tag),
                                                       on_message=self._on_generate_answer))
        if not self.engine.worker.synchronous:
            self._lent[rid] = doc.noise
        return rid

    def _on_generate_answer(self, msg: w.Message) -> None:
        self._lent.pop(msg.request_id, None)  # its only message is its last: Generated, Superseded or Failed
        if isinstance(msg, w.Generated) and self._generates.wants(msg):
            self._on_generated(msg)

    def _on_pushed(self, step: Step) -> None:
        if self.live and layers_of(step.command) & NOISE_AFFECTS_IMAGE:
            self.generate(step)

    def _on_generated(self, msg: w.Generated) -> None:
        if not isinstance(msg.tag, GenerateTag) or msg.tag.document != self.document_epoch:
            return
        image = image_to_uint8(msg.image)
        if not self._fits(image):  # cannot happen for a request of this epoch; never let it in regardless
            return
        if msg.tag.look is not None:
            image = self.look.compose(image, msg.tag.look)
        step = msg.tag.step
        history = self.session.history
        if msg.tag.preview or (msg.tag.opening and history.count == 0):
            self.session.doc.image = image
            self.session.changed.emit({"image"})
        elif step is None or not history.attach_image(step, image):  # attached: still the newest step
            if self.session.doc.image is None or not np.array_equal(self.session.doc.image, image):
                self.session.push(SetImage(self.session.doc.image, image, "generate"))
        self.imageAdopted.emit(msg.seconds)

    # -- variations ------------------------------------------------------------------------------
    def make_variations(self, count: int) -> int | None:
        """Generate `count` images with fresh seeds (locked pixels keep their noise)."""
        if not self.ready:
            return None
        doc = self.session.doc
        seeds = tuple(int(s) for s in self.session.rng.integers(0, 2**31 - 1, size=count))
        noises = tuple(noise_ops.reseeded_noise(doc, s) for s in seeds)
        self._variation_locks = doc.locked.copy()  # adopting reproduces exactly these noise maps
        labels = w.snapshot(doc.labels)
        request = w.GenerateBatch(labels, noises, self.precision,
                                  tag=VariationsTag(seeds, self._look_request(labels), self.document_epoch))
        return self._variations.track(self.engine.submit(request, on_message=self._on_batch))

    def _on_batch(self, msg: w.Message) -> None:
        if not isinstance(msg, w.BatchGenerated) or not self._variations.wants(msg) or \
                not isinstance(msg.tag, VariationsTag) or msg.tag.document != self.document_epoch:
            return
        images = [image_to_uint8(im) for im in msg.images]
        if msg.tag.look is not None:
            images = [self.look.compose(im, msg.tag.look) for im in images]
        self.variationsReady.emit(msg.tag.seeds[:len(images)], images)

    def adopt_variation(self, seed: int, image: np.ndarray) -> bool:
        """One undo step: the variation's seed and noise (locks respected) and its image. An image of
        another size than the document is refused (False): it was made for another model."""
        doc = self.session.doc
        if not self._fits(image):
            self.message.emit(f"Not adopted: the image is {image.shape[1]}×{image.shape[0]}, the document "
                              f"{doc.shape[1]}×{doc.shape[0]} (made for another model)")
            return False
        locks = self._variation_locks if self._variation_locks is not None else doc.locked
        parts = [noise_ops.reseed(doc, seed, locks), SetImage(doc.image, image, "adopt")]
        self.session.push(Compound(parts, f"adopt variation (seed {seed})"))
        return True

    # -- layout replacement (photo to layout) ------------------------------------------------------
    def replace_labels(self, labels: np.ndarray, text: str) -> None:
        edit = diff_edit("labels", self.session.doc.labels, labels.astype(np.uint8), text)
        self.session.push(edit)
