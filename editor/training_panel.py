"""Training in the editor: a controller that submits one-shot (SIV-GAN / OSMIS) and OASIS runs as typed
engine requests (engine.tasks.TrainOneShot / TrainOasis) and follows their job, and the "Training" dock
that shows it.

Why the engine worker and not a thread of its own: the worker owns every torch object and runs
interactive requests first. Between two training iterations the trainer calls
`TaskContext.between_steps()`, so a Generate queued while training waits at most one training step
instead of sharing the two cores with it for seconds. Pause (`EngineClient.pause`) blocks the trainer
there, but that wait keeps running interactive requests, so generation still works while training is
paused. The run is submitted with busy=False: the client's busy indicator ("Generating…") stays about
interactive work.

The job's messages (progress, previews, paused, the outcome) come to `_on_message` on the GUI thread.
"""

from __future__ import annotations

import logging
import time
from typing import ClassVar

import numpy as np
from PySide6.QtCore import QObject, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from engine import tasks
from engine import worker as w
from engine.tasks import TrainingOutcome
from engine.trainloop import TrainingProgress

from .canvas import rgb_qimage
from .oasis_train_dialog import OasisTrainingRequest
from .train_dialog import TrainingRequest

log = logging.getLogger(__name__)


class TrainingController(QObject):
    """Starts, pauses, resumes and cancels one training run at a time."""

    started = Signal(object)  # TrainingRequest or OasisTrainingRequest
    progressed = Signal(object)  # engine.trainloop.TrainingProgress
    previewed = Signal(object)  # engine.tasks.TrainingPreview: one-shot images (+ masks), or an OASIS sheet
    finished = Signal(object)  # TrainingOutcome (also when cancelled or failed)
    pausedChanged = Signal(bool)  # the button state: asked to pause / to run
    pauseReached = Signal()  # the trainer is blocked between two iterations

    def __init__(self, engine, parent=None):
        super().__init__(parent)
        self.engine = engine
        self.request_id = 0
        self.paused = False  # asked to pause (the job's state says when the trainer really is)
        self.request: TrainingRequest | OasisTrainingRequest | None = None
        self.last_progress: TrainingProgress | None = None

    @property
    def running(self) -> bool:
        return self.request_id != 0

    def start(self, req: TrainingRequest | OasisTrainingRequest) -> int:
        if self.running:
            raise RuntimeError("a training run is already going")
        self.request, self.last_progress, self.paused = req, None, False
        self.request_id = self.engine.submit(req, on_message=self._on_message, owner="training", busy=False)
        self.started.emit(req)
        return self.request_id

    def pause(self) -> None:
        if self.running and not self.paused:
            self.engine.pause(self.request_id)
            self.paused = True
            self.pausedChanged.emit(True)

    def resume(self) -> None:
        if self.paused:
            self.engine.resume(self.request_id)
            self.paused = False
            self.pausedChanged.emit(False)

    def cancel(self) -> None:
        """The trainer stops after its current iteration and writes a checkpoint (resumable); the job still
        reports its outcome (the iteration of the saved checkpoint), which the panel shows."""
        if self.running:
            self.engine.cancel(self.request_id)

    # -- GUI thread ----------------------------------------------------------------------------
    def _on_message(self, msg: w.Message) -> None:
        if isinstance(msg, tasks.TrainingProgressed):
            self.last_progress = msg.progress
            self.progressed.emit(msg.progress)
        elif isinstance(msg, tasks.TrainingPreview):
            self.previewed.emit(msg)
        elif isinstance(msg, tasks.TrainingPaused):
            if self.paused:
                self.pauseReached.emit()
        elif isinstance(msg, tasks.TrainingFinished):
            self._done(msg.outcome)
        elif isinstance(msg, w.Superseded):  # cancelled before it started
            self._done(TrainingOutcome(self._run_dir(), stopped=True))
        elif isinstance(msg, w.Failed):  # the task catches its own errors; this is a safety net
            self._done(TrainingOutcome(self._run_dir(), error=msg.text, details=msg.details))

    def _run_dir(self) -> str:
        return self.request.run_dir if self.request is not None else ""

    def _done(self, outcome: TrainingOutcome) -> None:
        self.request_id = 0
        if self.paused:
            self.paused = False
            self.pausedChanged.emit(False)
        self.finished.emit(outcome)


class LossPlot(QWidget):
    """Loss curves as QPainter polylines, each scaled to the common min..max of everything shown."""

    COLOURS: ClassVar[dict[str, str]] = {"d_real": "#2e86de", "d_fake": "#10ac84", "g_adv": "#ee5253",
                                         "g_div": "#ff9f43"}
    MAX_POINTS = 400

    def __init__(self, parent=None):
        super().__init__(parent)
        self.history: dict[str, list[tuple[int, float]]] = {k: [] for k in self.COLOURS}
        self.setMinimumHeight(90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def clear(self) -> None:
        for v in self.history.values():
            v.clear()
        self.update()

    def add(self, iteration: int, losses: dict) -> None:
        for key, series in self.history.items():
            if key in losses and np.isfinite(losses[key]):
                series.append((iteration, float(losses[key])))
                if len(series) > self.MAX_POINTS:  # keep every other old point: the curve's shape stays
                    series[:] = series[:-self.MAX_POINTS // 2:2] + series[-self.MAX_POINTS // 2:]
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#1e1e1e"))
        points = [pt for s in self.history.values() for pt in s]
        if len(points) < 2:
            p.setPen(QColor("#888"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "losses appear here")
            return
        x0, x1 = min(x for x, _ in points), max(x for x, _ in points)
        y0, y1 = min(y for _, y in points), max(y for _, y in points)
        x1, y1 = max(x1, x0 + 1), max(y1, y0 + 1e-6)
        m, wd, ht = 16, self.width() - 20, self.height() - 34  # room for the range above, legend below
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        legend_x = m
        for key, series in self.history.items():
            colour = QColor(self.COLOURS[key])
            p.setPen(QPen(colour, 1.5))
            poly = QPolygonF([QPointF(m + (x - x0) / (x1 - x0) * wd, m + (1 - (y - y0) / (y1 - y0)) * ht)
                              for x, y in series])
            p.drawPolyline(poly)
            p.drawText(legend_x, self.height() - 3, key)
            legend_x += 60
        p.setPen(QColor("#aaa"))
        p.drawText(self.rect().adjusted(0, 2, -4, 0), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                   f"{y0:.2f} … {y1:.2f}")


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


class TrainingPanel(QWidget):
    """Progress, speed, ETA, preview samples, loss plot, and Pause / Resume / Cancel for one controller."""

    samplesRequested = Signal(str)  # run folder

    def __init__(self, controller: TrainingController, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.title = QLabel("No training run")
        self.title.setWordWrap(True)
        self.bar = QProgressBar(minimum=0, maximum=1, value=0)
        self.stats = QLabel("")
        self.preview = QLabel("preview samples appear here")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(200, 120)
        self.preview_iteration = 0
        self.plot = LossPlot()
        self.pause_btn = QPushButton("Pause")
        self.cancel_btn = QPushButton("Cancel")
        self.samples_btn = QPushButton("Samples…")
        self.samples_btn.setToolTip("Sample the run's latest checkpoint")
        buttons = QHBoxLayout()
        for b in (self.pause_btn, self.cancel_btn, self.samples_btn):
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        for wdg in (self.title, self.bar, self.stats, self.preview, self.plot):
            lay.addWidget(wdg)
        lay.addLayout(buttons)
        lay.addStretch(1)
        self.pause_btn.clicked.connect(self._toggle_pause)
        self.cancel_btn.clicked.connect(controller.cancel)
        self._run_dir, self._oasis = "", False
        self.samples_btn.clicked.connect(lambda: self.samplesRequested.emit(self._run_dir))
        controller.started.connect(self._on_started)
        controller.progressed.connect(self._on_progress)
        controller.previewed.connect(self._on_preview)
        controller.finished.connect(self._on_finished)
        controller.pausedChanged.connect(lambda p: self.pause_btn.setText("Resume" if p else "Pause"))
        controller.pauseReached.connect(lambda: self.stats.setText(self.stats.text() + "  ·  paused"))
        self._started_at = 0.0
        self._set_running(False)

    def _set_running(self, running: bool) -> None:
        self.pause_btn.setEnabled(running)
        self.cancel_btn.setEnabled(running)
        # the sampler window reads one-shot runs; an OASIS run becomes a model to open instead
        self.samples_btn.setEnabled(bool(self._run_dir) and not self._oasis)

    def _toggle_pause(self) -> None:
        (self.controller.resume if self.controller.paused else self.controller.pause)()

    def _on_started(self, req: TrainingRequest | OasisTrainingRequest) -> None:
        self._run_dir, self._started_at = req.run_dir, time.monotonic()
        self._oasis = isinstance(req, OasisTrainingRequest)
        self.title.setText(("Resuming " if req.resume else "Training ") + req.run_dir)
        self.stats.setText("reading the training data…" if not req.resume else "loading the checkpoint…")
        self.bar.setRange(0, 0)  # busy until the first progress report
        self.plot.clear()
        self._set_running(True)

    def _on_progress(self, p: TrainingProgress) -> None:
        self.bar.setRange(0, p.total)
        self.bar.setValue(p.iteration)
        self.stats.setText(f"iteration {p.iteration} / {p.total}  ·  {p.it_per_s:.2f} it/s  ·  "
                           f"ETA {_clock(p.eta_s)}")
        self.plot.add(p.iteration, p.losses)

    def _on_preview(self, preview: tasks.TrainingPreview) -> None:
        from engine.oneshot.sample import grid

        sheet = preview.sheet if preview.sheet is not None else grid(
            preview.images, min(4, len(preview.images)), preview.masks)
        pix = QPixmap.fromImage(rgb_qimage(sheet))
        side = max(self.preview.width(), 200)
        self.preview.setPixmap(pix.scaledToWidth(side, Qt.TransformationMode.FastTransformation))
        self.preview.setToolTip(f"EMA generator at iteration {preview.iteration} (fixed noise)")
        self.preview_iteration = preview.iteration

    def _on_finished(self, outcome: TrainingOutcome) -> None:
        self._set_running(False)
        if self.bar.maximum() == 0:
            self.bar.setRange(0, 1)
        if outcome.error:
            from .dialogs import show_error

            self.stats.setText(f"failed: {outcome.error}")
            show_error(self.window(), "Training", outcome.error, outcome.details)
        elif outcome.stopped:
            self.stats.setText(f"stopped at iteration {outcome.iteration} / {outcome.total} "
                               "(checkpoint saved: Train > Resume run… continues)")
        else:
            self.stats.setText(f"finished {outcome.total} iterations in "
                               f"{_clock(time.monotonic() - self._started_at)}")
        if outcome.model_dir and not outcome.error:
            self.stats.setText(self.stats.text() + f"  ·  model exported to {outcome.model_dir}")


class TrainingMenu(QObject):
    """The Train menu of a main window, and the Training dock it creates on first use."""

    def __init__(self, window):
        super().__init__(window)
        from PySide6.QtGui import QAction

        self.window = window
        self.controller = TrainingController(window.engine, self)
        self.panel = TrainingPanel(self.controller)
        self.panel.samplesRequested.connect(self.open_samples)
        self.dock = self._make_dock()  # hidden until a run starts or View ▸ Training opens it
        self.samplers: list = []
        menu = window.menuBar().addMenu("T&rain")
        self.train_action = QAction("Train one-shot model…", window)
        self.resume_action = QAction("Resume run…", window)
        self.samples_action = QAction("Open samples of run…", window)
        self.oasis_action = QAction("OASIS on a dataset…", window)
        self.oasis_action.triggered.connect(self.show_oasis_dialog)
        self.train_action.triggered.connect(self.show_dialog)
        self.resume_action.triggered.connect(lambda: self.resume_run())
        self.samples_action.triggered.connect(lambda: self.open_samples())
        menu.addActions([self.train_action, self.resume_action, self.samples_action])
        menu.addSeparator()
        menu.addAction(self.oasis_action)
        self.controller.started.connect(lambda _: self._set_running(True))
        self.controller.finished.connect(lambda _: self._set_running(False))
        self.controller.finished.connect(self._open_exported_model)

    def _set_running(self, running: bool) -> None:
        self.train_action.setEnabled(not running)
        self.resume_action.setEnabled(not running)
        self.oasis_action.setEnabled(not running)
        if running:
            self.show_panel()

    def _make_dock(self):
        from PySide6.QtWidgets import QDockWidget

        dock = QDockWidget("Training", self.window)
        dock.setObjectName("Training")
        dock.setWidget(self.panel)
        self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        # a tab beside Noise / Variations / History: a dock of its own below them took the class
        # list's height (three rows were left)
        anchor = getattr(self.window, "history_dock", None)
        if anchor is not None:
            self.window.tabifyDockWidget(anchor, dock)
        dock.hide()
        return dock

    def show_panel(self):
        self.dock.show()
        self.dock.raise_()
        return self.dock

    def show_dialog(self):
        from .train_dialog import TrainDialog

        return self._open_train_dialog(TrainDialog(self.window))

    def show_oasis_dialog(self):
        from .oasis_train_dialog import OasisTrainDialog

        return self._open_train_dialog(OasisTrainDialog(self.window))

    def _open_train_dialog(self, dlg):
        """Shows a training dialog whose accept() sets `accepted_request`, and starts that request."""
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def start() -> None:
            req = dlg.accepted_request
            if req is not None:  # accept() always sets it
                self.controller.start(req)

        dlg.accepted.connect(start)
        dlg.open()  # window-modal without a nested event loop: the engine keeps reporting
        return dlg

    def _open_exported_model(self, outcome: TrainingOutcome) -> None:
        req = self.controller.request
        if outcome.model_dir and not outcome.error and isinstance(req, OasisTrainingRequest) and req.open_model:
            self.window.load_model(outcome.model_dir)

    def _run_folder(self, title: str, run_dir: str | None) -> str:
        from .dialogs import show_error
        from .train_dialog import choose_run_folder, is_run_folder

        run_dir = run_dir if run_dir is not None else choose_run_folder(self.window, title)
        if run_dir and not is_run_folder(run_dir):
            show_error(self.window, title, f"{run_dir}: not a one-shot run folder (no config.json)")
            return ""
        return run_dir

    def resume_run(self, run_dir: str | None = None, iterations: int | None = None) -> int:
        asked = run_dir is None
        run_dir = self._run_folder("Resume run", run_dir)
        if not run_dir:
            return 0
        if asked and iterations is None:  # from the menu: a finished run can be trained longer
            iterations = self._ask_total_iterations(run_dir)
            if iterations is None:
                return 0
        return self.controller.start(TrainingRequest(run_dir=run_dir, resume=True, iterations=iterations))

    def _ask_total_iterations(self, run_dir: str) -> int | None:
        from PySide6.QtWidgets import QInputDialog

        from engine.oneshot.config import OneShotConfig
        from engine.oneshot.errors import OneShotInputError

        from .dialogs import show_error

        try:
            saved = OneShotConfig.load(run_dir).iterations
        except OneShotInputError as e:
            show_error(self.window, "Resume run", str(e))
            return None
        value, ok = QInputDialog.getInt(self.window, "Resume run", "Train until iteration:", saved, 1, 10_000_000)
        return value if ok else None

    def open_samples(self, run_dir: str | None = None):
        from .sampler_window import SamplerWindow

        run_dir = self._run_folder("Open samples of run", run_dir)
        if not run_dir:
            return None
        win = SamplerWindow(self.window.engine, run_dir, self.window)
        win.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        win.destroyed.connect(lambda: self.samplers.remove(win) if win in self.samplers else None)
        self.samplers.append(win)
        win.show()
        win.new_batch()
        return win
