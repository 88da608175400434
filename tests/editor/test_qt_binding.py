"""PySide6 6.12.0 on Python < 3.12 over-releases True/None on every Signal.emit and processEvents, which
kills the editor after a few hundred signals ("bool_dealloc: deallocating True or False"). This guards
the installed binding: it fails on such a build instead of letting the app crash in people's hands.
"""

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication


class _Emitter(QObject):
    fired = Signal(object)


def test_signals_and_event_processing_keep_refcounts_of_singletons(qapp):
    emitter = _Emitter()
    emitter.fired.connect(lambda _m: None)
    before = sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)
    for _ in range(50):
        emitter.fired.emit(object())
        QApplication.processEvents()
    after = sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)
    assert all(abs(a - b) <= 5 for a, b in zip(after, before, strict=True)), (
        f"refcount drift True/False/None {[a - b for a, b in zip(after, before, strict=True)]}: broken PySide6 build "
        f"(use PySide6-Essentials != 6.12.0 on Python {sys.version_info.major}.{sys.version_info.minor})")
