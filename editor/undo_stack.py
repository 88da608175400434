"""The Qt face of the plain undo history (editor/document/history.py): a QUndoStack that mirrors it for
the History panel (QUndoView), and the Edit > Undo / Redo actions.

The `History` is the truth. The stack holds one QUndoCommand per step and never changes the document
itself: when the history moves, the stack is moved to match with its commands switched off
(`_syncing`); when the user moves the stack (a click in the History panel), its commands drive the
history (`_driving`). The undo / redo actions call the history directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QUndoCommand, QUndoStack

from .document.history import History, HistoryEvent, Step


class _StepCommand(QUndoCommand):
    def __init__(self, mirror: UndoStackMirror, step: Step):
        super().__init__(step.text)
        self.mirror = mirror
        self.step = step

    def redo(self):
        self.mirror._drive(self.mirror.history.redo)

    def undo(self):
        self.mirror._drive(self.mirror.history.undo)


class UndoStackMirror(QObject):
    changed = Signal()  # after every change of the history (the actions follow it)

    def __init__(self, history: History, parent=None):
        super().__init__(parent)
        self.history = history
        self.stack = QUndoStack(self)
        self._syncing = False
        self._driving = False
        self._stale = False
        history.subscribe(self._follow)
        self.stack.cleanChanged.connect(self._clean_set_on_stack)

    @contextmanager
    def _synced(self) -> Iterator[None]:
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    def _drive(self, move) -> None:
        if self._syncing:
            return
        self._driving = True
        try:
            move()
        finally:
            self._driving = False
        if self._stale:  # the history did more than this one move: match it once the stack is done
            QTimer.singleShot(0, self, self._rebuild)

    def _follow(self, event: HistoryEvent) -> None:
        if self._driving:
            if event.kind not in ("undo", "redo", "amend"):
                self._stale = True  # e.g. a stroke still open was committed before the undo
        elif event.kind == "push" and not event.dropped and event.step is not None:
            with self._synced():
                self.stack.push(_StepCommand(self, event.step))  # drops the redo commands, as the history did
        elif event.kind in ("undo", "redo"):
            with self._synced():
                self.stack.setIndex(self.history.index)
        elif event.kind == "clean" and (self.history.is_clean or self.history.clean_index is None):
            with self._synced():
                self.stack.setClean() if self.history.is_clean else self.stack.resetClean()
        elif event.kind != "amend":  # the oldest steps went, a recovered history, another document
            self._rebuild()
        self.changed.emit()

    def _clean_set_on_stack(self, clean: bool) -> None:
        """Someone marked the stack itself clean (stack.setClean()): the history takes it over."""
        if not self._syncing and clean and self.stack.index() == self.history.index:
            self.history.set_clean()

    def _rebuild(self) -> None:
        """Make the stack hold the history's steps (QUndoStack can neither drop its oldest commands nor
        take commands without running them, hence a rebuild with the commands switched off)."""
        self._stale = False
        st, h = self.stack, self.history
        was_clean = st.isClean()
        st.blockSignals(True)
        try:
            with self._synced():
                st.clear()
                for i, step in enumerate(h.steps):
                    if i == h.clean_index:
                        st.setClean()
                    st.push(_StepCommand(self, step))
                if h.clean_index == h.count:
                    st.setClean()
                elif h.clean_index is None:
                    st.resetClean()
                st.setIndex(h.index)
        finally:
            st.blockSignals(False)
        # what was blocked, once: the History view and the tooltips follow
        st.indexChanged.emit(st.index())
        st.canUndoChanged.emit(st.canUndo())
        st.canRedoChanged.emit(st.canRedo())
        st.undoTextChanged.emit(st.undoText())
        st.redoTextChanged.emit(st.redoText())
        if st.isClean() != was_clean:
            with self._synced():
                st.cleanChanged.emit(st.isClean())

    def action(self, redo: bool, parent=None) -> QAction:
        """Edit > Undo or Redo: its text names the step, it is enabled while there is one."""
        return HistoryAction(self, redo, parent)


class HistoryAction(QAction):
    def __init__(self, mirror: UndoStackMirror, redo: bool, parent=None):
        super().__init__("Redo" if redo else "Undo", parent)
        self._history = mirror.history
        self._redo = redo
        self.triggered.connect(self._run)
        mirror.changed.connect(self._follow)  # a method slot: disconnected when the action is deleted
        self._follow()

    def _run(self) -> None:
        if self._redo:
            self._history.redo()
        else:
            self._history.undo()

    def _follow(self) -> None:
        h = self._history
        prefix, text, enabled = ("Redo", h.redo_text, h.can_redo) if self._redo else ("Undo", h.undo_text, h.can_undo)
        self.setText(f"{prefix} {text}" if text else prefix)
        self.setEnabled(enabled)
