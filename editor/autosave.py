"""Crash recovery: unsaved edits are written to a recovery project every few seconds.

The recovery file is an ordinary project plus the undo history (editor/document/recovery_file.py,
written atomically), so a hard kill at any moment leaves either the previous or the new recovery file,
never half of one. It is removed when the document is saved or the window closes normally; if it is
still there at the next start, the previous session ended without saving and the editor offers to
restore it: the document, its undo history and the file it belonged to.

    OASIS_STUDIO_RECOVERY_DIR   where the recovery file lives (default: the app data folder)
    OASIS_STUDIO_AUTOSAVE_MS    autosave interval (default 3000 ms)
    OASIS_STUDIO_TEST_PAINT     tests only: after the model loads, make known edits and write the
                                expected arrays to this .npz (the kill-and-recover test compares them)
"""

from __future__ import annotations

import logging
import os
import zipfile
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QStandardPaths, QTimer
from PySide6.QtWidgets import QLabel, QMessageBox

from engine.errors import InputError

from .dialogs import show_error
from .document.recovery_file import Recovery, load_recovery, save_recovery

log = logging.getLogger(__name__)
RECOVERY_NAME = "recovery.oasisproj"
DEFAULT_INTERVAL_MS = 3000


def recovery_path() -> Path:
    folder = os.environ.get("OASIS_STUDIO_RECOVERY_DIR") or os.path.join(
        QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation), "recovery")
    return Path(folder) / RECOVERY_NAME


class Autosaver(QObject):
    def __init__(self, window, interval_ms: int | None = None, path: Path | None = None):
        super().__init__(window)
        self.window, self.session = window, window.session
        self.path = Path(path) if path else recovery_path()
        self.saves = 0
        self.last_error: str | None = None
        self._dirty = False
        # A failed autosave means crash recovery is off: say so where it stays in sight until a save works
        self.warning = QLabel()
        self.warning.setObjectName("autosaveWarning")
        self.warning.setStyleSheet("QLabel#autosaveWarning { background: #b3261e; color: white; "
                                   "font-weight: bold; padding: 1px 8px; border-radius: 3px; }")
        self.warning.hide()
        window.statusBar().addPermanentWidget(self.warning)
        self.session.changed.connect(self._on_changed)
        self.session.cleanChanged.connect(self._on_clean_changed)
        window.closed.connect(self.discard)  # a normal close has asked about saving already
        interval = interval_ms or int(os.environ.get("OASIS_STUDIO_AUTOSAVE_MS", DEFAULT_INTERVAL_MS))
        self.timer = QTimer(self, interval=interval)
        self.timer.timeout.connect(self.autosave)
        self.timer.start()

    def _on_changed(self, _layers):
        if not self.session.is_clean:
            self._dirty = True

    def _on_clean_changed(self, clean: bool):
        if clean:
            self._dirty = False
            self._show_failure(None)  # saved: nothing is waiting to be recovered
            self.discard()
        else:
            self._dirty = True

    def autosave(self) -> bool:
        """Write the recovery file if there are edits since the last one. Errors go to the status bar:
        a full disk must not interrupt painting with a dialog every few seconds."""
        if not self._dirty or self.session.is_clean:
            return False
        try:
            history = self.session.history
            save_recovery(self.path, self.session.doc, history.commands(), history.index,
                          self.session.project_path)
        except (OSError, InputError) as e:
            message = f"Autosave failed: {getattr(e, 'strerror', None) or e}"
            if message != self.last_error:  # once per cause, not every few seconds
                log.warning("%s (%s)", message, self.path)
            self._show_failure(message)
            return False
        self._dirty = False
        if self.last_error and self.window.statusBar().currentMessage() == self.last_error:
            self.window.statusBar().clearMessage()  # take back its own failure message, not a newer one
        self._show_failure(None)
        self.saves += 1
        return True

    def _show_failure(self, text: str | None) -> None:
        """The warning stays visible (not a status message that times out) until autosave works again."""
        self.last_error = text
        if text is None:
            self.warning.hide()
            return
        self.window.statusBar().showMessage(text, 8000)
        self.warning.setText(f"⚠ {text} — crash recovery is off")
        self.warning.setToolTip(f"The recovery file {self.path} could not be written, so unsaved work would be "
                                f"lost in a crash. Your open document is unchanged: save it (Ctrl+S). This "
                                f"warning goes away when an autosave works again.\n\n{text}")
        self.warning.show()

    def discard(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as e:
            self.last_error = f"cannot remove the recovery file {self.path}: {e.strerror}"
            log.warning(self.last_error)

    def offer_restore(self) -> bool:
        """Ask to restore a recovery file left by a session that ended without saving; True if restored."""
        if not self.path.is_file():
            return False
        answer = QMessageBox.question(
            self.window, "Restore unsaved work?",
            "OASIS Studio did not close normally last time. Restore the unsaved work?\n\n"
            "No = discard it.")
        if answer != QMessageBox.StandardButton.Yes:
            self.discard()
            return False
        try:
            recovery = load_recovery(self.path)
        except (InputError, OSError, zipfile.BadZipFile) as e:
            show_error(self.window, "Cannot restore", f"{e} (kept, not deleted)")
            return False
        # The restored work is unsaved: it stays "modified" until the user saves it somewhere.
        self._restoring: Recovery | None = recovery
        self.session.documentReplaced.connect(self._restore_history)
        self.window.open_document(recovery.doc, recovery.project_path, confirmed=True)  # at start: nothing to lose
        return True

    def _restore_history(self):
        self.session.documentReplaced.disconnect(self._restore_history)
        recovery, self._restoring = self._restoring, None
        if recovery is None or self.session.doc.labels is not recovery.doc.labels:
            return  # another document came first (the recovered one's model did not load): not its history
        # never clean: the restored work is unsaved until the user saves it somewhere
        self.session.history.restore(recovery.steps, recovery.applied, clean_index=None)
        self._dirty = False  # identical to the recovery file: nothing new to write yet
        if recovery.note:
            self.window.statusBar().showMessage(f"Restored; {recovery.note}", 15000)


def install(window) -> tuple[Autosaver, bool]:
    """Start autosaving for the window and offer a pending recovery; (autosaver, restored)."""
    saver = Autosaver(window)
    window.autosaver = saver
    restored = saver.offer_restore()
    test_npz = os.environ.get("OASIS_STUDIO_TEST_PAINT")
    if test_npz:
        window.engine.modelLoaded.connect(
            lambda _m: QTimer.singleShot(0, window, lambda: _test_paint(window, test_npz)))
    return saver, restored


def _test_paint(window, npz: str) -> None:
    """Known edits for the kill-and-recover test: a label rectangle, a noise patch, a new seed."""
    from .document.commands import SetSeed, diff_edit

    session = window.session
    doc = session.doc
    h, w = doc.shape
    labels = doc.labels.copy()
    labels[h // 4: h // 2, w // 3: w - 2] = min(2, doc.model.num_classes - 1)
    session.push(diff_edit("labels", doc.labels, labels, "test paint"))
    noise = doc.noise.copy()
    noise[:, : h // 3, : w // 3] = np.random.default_rng(7).standard_normal((noise.shape[0], h // 3, w // 3))
    session.push(diff_edit("noise", doc.noise, noise.astype(np.float32), "test noise"))
    session.push(SetSeed(doc.seed, 1234, "test seed"))
    tmp = npz + ".tmp.npz"
    np.savez(tmp, labels=doc.labels, noise=doc.noise, seed=np.int64(doc.seed))
    os.replace(tmp, npz)
