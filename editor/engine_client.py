"""The editor's side of the engine worker: Qt signals for its messages, busy state, nothing blocking.

The worker calls back on its own thread; `_relay` is a signal emitted there and connected with a
QueuedConnection, so every handler below runs on the GUI thread. It is the one bridge from the engine
to Qt: the worker's messages and the changes of its job registry (engine/jobs.py, as `jobChanged`)
both cross here.

`submit(request, on_message=handler)` gives a request's messages to `handler` (on the GUI thread) until
its last one: panels, windows and controllers follow their own requests without filtering the global
signals by id (interactive ones keep the newest through engine.jobs.Latest). The global signals are for
observers of everything (the main window's error dialog, scripts waiting for a model).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

from engine import worker as w
from engine.jobs import Job

if TYPE_CHECKING:
    from engine.config import ModelConfig

SWITCH_INTERVAL_S = 0.0002


class EngineClient(QObject):
    _relay = Signal(object)

    modelLoaded = Signal(object)  # w.ModelLoaded
    generated = Signal(object)  # w.Generated
    batchGenerated = Signal(object)  # w.BatchGenerated
    segmented = Signal(object)  # w.Segmented
    taskFinished = Signal(object)  # w.TaskFinished
    progress = Signal(object)  # w.Progress
    failed = Signal(object)  # w.Failed
    superseded = Signal(object)  # w.Superseded
    busyChanged = Signal(bool)
    jobChanged = Signal(object)  # engine.jobs.Job, after every change of a job's state or progress

    def __init__(self, parent=None, synchronous: bool = False, torch_threads: int | None = None):
        super().__init__(parent)
        # The GUI thread shares the GIL with the worker; a 0.2 ms switch interval (default 5 ms) bounds
        # how long an input event can wait for the worker's Python code between torch calls.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
        self._relay.connect(self.deliver, Qt.ConnectionType.QueuedConnection)
        self._outstanding: set[int] = set()
        self._handlers: dict[int, Callable[[w.Message], None]] = {}
        self._reports_failure: set[int] = set()
        self.worker = w.EngineWorker(self._relay.emit, synchronous=synchronous, torch_threads=torch_threads)
        self.worker.jobs.subscribe(self._relay.emit)
        self.config: ModelConfig | None = None  # of the loaded model (set when ModelLoaded arrives)
        self.device = ""
        self.can_segment = False
        self.folder: Path | None = None

    @property
    def busy(self) -> bool:
        return bool(self._outstanding)

    def submit(self, request, on_message: Callable[[w.Message], None] | None = None, owner: str = "",
               busy: bool = True, reports_failure: bool = False) -> int:
        """Queue a request. `busy=False`: not part of the busy indicator ("Generating…"), which is
        about work the user waits for -- a training run is not. `reports_failure`: `on_message` tells
        the user about a failure itself, so it is not emitted as `failed` (the main window's dialog)."""
        was_busy = self.busy
        rid = self.worker.submit(request, owner=owner)
        if on_message is not None:
            self._handlers[rid] = on_message
            if reports_failure:
                self._reports_failure.add(rid)
        if busy and not self.worker.synchronous:
            self._outstanding.add(rid)
        if self.busy != was_busy:
            self.busyChanged.emit(self.busy)
        return rid

    def cancel(self, request_id: int) -> None:
        self.worker.cancel(request_id)

    def pause(self, request_id: int) -> None:
        self.worker.pause(request_id)

    def resume(self, request_id: int) -> None:
        self.worker.resume(request_id)

    def shutdown(self, timeout: float = 2.0) -> None:
        """Stop after the running request; the thread is a daemon, so quitting never waits longer."""
        self.worker.shutdown(timeout)

    def deliver(self, message) -> None:
        """On the GUI thread: a worker message to its request's handler, then to its global signal
        (tests script the engine by delivering messages here)."""
        if isinstance(message, Job):
            self.jobChanged.emit(message)
            return
        done = message.final
        if isinstance(message, w.ModelLoaded):
            self.config, self.device, self.can_segment, self.folder = (
                message.config, message.device, message.can_segment, message.folder)
        signal = {w.ModelLoaded: self.modelLoaded, w.Generated: self.generated,
                  w.BatchGenerated: self.batchGenerated, w.Segmented: self.segmented,
                  w.TaskFinished: self.taskFinished, w.Progress: self.progress, w.Failed: self.failed,
                  w.Superseded: self.superseded}.get(type(message))
        if done:
            was_busy = self.busy
            self._outstanding.discard(message.request_id)
            if was_busy != self.busy:
                self.busyChanged.emit(self.busy)
        handler = self._handlers.pop(message.request_id, None) if done else self._handlers.get(message.request_id)
        if handler is not None and not isinstance(message, w.Idle):
            handler(message)
        if done and message.request_id in self._reports_failure:
            self._reports_failure.discard(message.request_id)
            if isinstance(message, w.Failed):
                return  # its handler has told the user
        if signal is not None:
            signal.emit(message)
