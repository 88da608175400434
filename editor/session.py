"""The open document with its undo stack: every change goes through `push` as one QUndoCommand.

Document commands (editor/document/commands.py) are plain objects; `DocumentCommand` adapts one to
QUndoStack. Listeners learn what changed through `changed(set_of_layer_names)`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from .document import LabelDocument
from .document.commands import Compound, RegionEdit, SetImage, SetSeed
from .document.noise_ops import ReseedEdit

UNDO_LIMIT = 100  # steps; noise steps store changed rectangles, reseeds only local residuals


def layers_of(cmd) -> set:
    if isinstance(cmd, Compound):
        out = set()
        for p in cmd.parts:
            out |= layers_of(p)
        return out
    if isinstance(cmd, RegionEdit):
        return {cmd.layer}
    if isinstance(cmd, SetImage):
        return {"image"}
    if isinstance(cmd, SetSeed):
        return {"seed"}
    if isinstance(cmd, ReseedEdit):
        return {"seed", "noise"}
    return set()


class DocumentCommand(QUndoCommand):
    def __init__(self, session: EditorSession, cmd):
        super().__init__(cmd.text)
        self.session = session
        self.cmd = cmd
        self.image_attached = False

    def redo(self):
        self.cmd.apply(self.session.doc)
        self.session.changed.emit(layers_of(self.cmd))

    def undo(self):
        self.cmd.revert(self.session.doc)
        self.session.changed.emit(layers_of(self.cmd))

    def attach_image(self, image: np.ndarray) -> None:
        """Make a generated image part of this step (live mode: one stroke + its image = one undo)."""
        part = SetImage(self.session.doc.image, image, "generate")
        self.cmd = Compound([self.cmd, part], self.cmd.text)
        self.image_attached = True
        part.apply(self.session.doc)
        self.session.changed.emit({"image"})


class EditorSession(QObject):
    """The open document, its undo history and the file it belongs to.

    `project_path` is the one record of which file the document is (None: untitled). Only two things
    change it: replacing the document (which names the new document's file, None for a new one) and
    saving under a name; the window title follows `pathChanged`.
    """

    changed = Signal(object)  # set of layer names: labels, noise, locked, image, seed
    documentReplaced = Signal()
    pathChanged = Signal(object)  # Path | None: the file the document is saved to
    modelChanged = Signal()  # doc.model is another model (set_model, or a replacement with another model)
    pushed = Signal(object)  # the DocumentCommand just pushed

    def __init__(self, doc: LabelDocument, parent=None):
        super().__init__(parent)
        self.doc = doc
        self.stack = QUndoStack(self)
        self.stack.setUndoLimit(UNDO_LIMIT)
        self.rng = np.random.default_rng()
        self._project_path: Path | None = None

    @property
    def project_path(self) -> Path | None:
        return self._project_path

    @project_path.setter
    def project_path(self, path) -> None:
        path = Path(path) if path else None
        if path != self._project_path:
            self._project_path = path
            self.pathChanged.emit(path)

    def push(self, cmd) -> DocumentCommand | None:
        if cmd is None:
            return None
        qcmd = DocumentCommand(self, cmd)
        self.stack.push(qcmd)
        self.pushed.emit(qcmd)
        return qcmd

    def top_command(self) -> DocumentCommand | None:
        i = self.stack.index()
        cmd = self.stack.command(i - 1) if i > 0 else None
        return cmd if isinstance(cmd, DocumentCommand) else None  # push() is the only way in

    def replace_document(self, doc: LabelDocument, path=None) -> None:
        """A different document (opened, new, restored, or made for another model): `path` is its file
        (None = untitled), its history starts empty. Callers ask the user first (MainWindow.confirm_discard)."""
        other_model = doc.model != self.doc.model
        self.doc = doc
        self.project_path = path
        self.stack.clear()
        self.stack.setClean()
        self.documentReplaced.emit()
        if other_model:
            self.modelChanged.emit()
        self.changed.emit({"labels", "noise", "locked", "image", "seed"})

    def set_model(self, ref) -> None:
        """The same document with a compatible model (same classes, noise size and size): the layout,
        noise and history stay. A saved project now names another model folder, so it counts as changed."""
        if ref == self.doc.model:
            return
        moved = ref.folder != self.doc.model.folder
        self.doc.model = ref
        if moved and self.project_path is not None:
            self.stack.resetClean()
        self.modelChanged.emit()
