"""The open document with its undo history: every change goes through `push` as one step.

The history is plain data (editor/document/history.py); `undo` is its Qt face, a QUndoStack mirroring it
for the History panel plus the Edit > Undo / Redo actions (editor/undo_stack.py). Listeners learn what
changed through `changed(set_of_layer_names)`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from .document import LabelDocument
from .document.history import History, HistoryEvent, Step
from .undo_stack import UndoStackMirror


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
    pushed = Signal(object)  # the history Step just pushed
    cleanChanged = Signal(bool)  # whether the document equals its file (the history's saved point)

    def __init__(self, doc: LabelDocument, parent=None):
        super().__init__(parent)
        self.history = History(doc)
        self.undo = UndoStackMirror(self.history, self)  # subscribed first: the stack moves before listeners
        self.history.subscribe(self._on_history)
        self._clean = self.history.is_clean
        self.rng = np.random.default_rng()
        self._project_path: Path | None = None

    @property
    def doc(self) -> LabelDocument:
        return self.history.doc

    @property
    def stack(self):
        """The QUndoStack showing the history (the History panel's model; tests read it too)."""
        return self.undo.stack

    @property
    def project_path(self) -> Path | None:
        return self._project_path

    @project_path.setter
    def project_path(self, path) -> None:
        path = Path(path) if path else None
        if path != self._project_path:
            self._project_path = path
            self.pathChanged.emit(path)

    def _on_history(self, event: HistoryEvent) -> None:
        if event.kind in ("push", "undo", "redo", "amend"):
            self.changed.emit(set(event.layers))
        if event.kind == "push":
            self.pushed.emit(event.step)
        if self.history.is_clean != self._clean:
            self._clean = self.history.is_clean
            self.cleanChanged.emit(self._clean)

    def push(self, cmd) -> Step | None:
        """Apply a command of editor/document as one undo step (None: nothing to do)."""
        return self.history.push(cmd)

    @property
    def history_budget(self) -> int:
        return self.history.budget

    @history_budget.setter
    def history_budget(self, nbytes: int) -> None:
        self.history.budget = nbytes

    def history_bytes(self) -> int:
        return self.history.nbytes()

    def steps(self) -> list:
        """The document commands of the history, oldest first (the first `history.index` are done)."""
        return self.history.commands()

    @property
    def is_clean(self) -> bool:
        return self.history.is_clean

    def mark_saved(self) -> None:
        self.history.set_clean()

    def replace_document(self, doc: LabelDocument, path=None) -> None:
        """A different document (opened, new, restored, or made for another model): `path` is its file
        (None = untitled), its history starts empty. Callers ask the user first (MainWindow.confirm_discard)."""
        other_model = doc.model != self.doc.model
        self.project_path = path  # first: saying "clean" below names the new file (recent projects)
        self.history.reset(doc)
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
            self.history.reset_clean()
        self.modelChanged.emit()
