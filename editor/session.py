"""The open document with its undo stack: every change goes through `push` as one QUndoCommand.

Document commands (editor/document/commands.py) are plain objects; `DocumentCommand` adapts one to
QUndoStack. Listeners learn what changed through `changed(set_of_layer_names)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from .document import LabelDocument
from .document.commands import Compound, RegionEdit, SetImage, SetSeed
from .document.noise_ops import ReseedEdit

UNDO_LIMIT = 100  # steps; noise steps store changed rectangles, reseeds only local residuals
# ...and bytes: one noise edit over a whole 256 x 256 map with z = 64 holds 2 x 16 MB, so a count alone
# could pin gigabytes. Past the budget the oldest steps go, down to 3/4 of it (not one per push).
HISTORY_BUDGET_BYTES = 256 * 2**20


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
    def __init__(self, session: EditorSession, cmd, applied: bool = False):
        super().__init__(cmd.text)
        self.session = session
        self.cmd = cmd
        self.image_attached = False
        self._applied = applied  # already in the document: QUndoStack.push's redo() does nothing once

    def redo(self):
        if self._applied:
            self._applied = False
            return
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
        self.history_budget = HISTORY_BUDGET_BYTES

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
        self._trim_history(cmd.nbytes)
        qcmd = DocumentCommand(self, cmd)
        self.stack.push(qcmd)
        self.pushed.emit(qcmd)
        return qcmd

    def _command(self, i: int) -> DocumentCommand:
        return cast(DocumentCommand, self.stack.command(i))  # every command on the stack is one of ours

    def history_bytes(self) -> int:
        return sum(self._command(i).cmd.nbytes for i in range(self.stack.count()))

    def steps(self) -> list:
        """The document commands on the undo stack, oldest first (the first `stack.index()` are done)."""
        return [self._command(i).cmd for i in range(self.stack.count())]

    def _trim_history(self, incoming: int) -> int:
        """Drop the oldest undo steps when the history would pass its byte budget; returns how many."""
        done = self.stack.index()  # the redo steps go anyway: a push discards them
        sizes = [self._command(i).cmd.nbytes for i in range(done)]
        total = sum(sizes) + incoming
        if total <= self.history_budget:
            return 0
        drop = 0
        while drop < done and total > self.history_budget * 3 // 4:
            total -= sizes[drop]
            drop += 1
        clean = self.stack.cleanIndex()
        kept = self.steps()[drop:done]
        self.rebuild_history(kept, len(kept), clean - drop if drop <= clean <= done else -1)
        return drop

    def rebuild_history(self, steps: list, applied: int, clean_index: int = -1) -> None:
        """Make the undo stack hold `steps`, the document being the state after steps[:applied] (those are
        not applied again; the redo steps are applied and undone once, which is exact). QUndoStack can
        neither drop its oldest steps nor take steps without running them, hence the rebuild."""
        st = self.stack
        was_clean = st.isClean()
        st.blockSignals(True)
        try:
            st.clear()
            for i, cmd in enumerate(steps):
                if i == clean_index:
                    st.setClean()
                st.push(DocumentCommand(self, cmd, applied=i < applied))
            if clean_index == len(steps):
                st.setClean()
            elif not 0 <= clean_index <= len(steps):
                st.resetClean()
            st.setIndex(applied)
        finally:
            st.blockSignals(False)
        # what was blocked, once: the History view, the undo actions and the modified mark follow
        st.indexChanged.emit(st.index())
        st.canUndoChanged.emit(st.canUndo())
        st.canRedoChanged.emit(st.canRedo())
        st.undoTextChanged.emit(st.undoText())
        st.redoTextChanged.emit(st.redoText())
        if st.isClean() != was_clean:
            st.cleanChanged.emit(st.isClean())

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
