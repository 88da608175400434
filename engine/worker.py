"""One engine worker thread that owns every torch object; the editor talks to it with snapshots.

Requests are frozen dataclasses whose arrays the caller copies on its own thread (`snapshot`), so the
worker never sees an array the GUI is still painting into. (A caller may instead lend a large array it
promises not to write while the request is pending -- the editor does this for the noise map with
copy-on-write, see editor/document/label_document.py.) Results, progress and errors come back as
typed messages through one callback, called on the worker thread (the editor re-emits them as Qt
signals with a queued connection). Qt is never imported here.

Scheduling:
- two lanes: interactive requests (load, generate, segment, variations) always run before background
  ones (import, later training); a background task is never pre-empted mid-step, but it polls
  `should_stop` and lets queued interactive work run between its own steps with
  `TaskContext.yield_to_interactive()` (on the worker thread, so torch objects stay single-owner).
- latest-wins per channel: a new request on a channel (e.g. "generate") drops a queued, not yet
  started request on the same channel (it is answered with `Superseded`), and a result whose request
  was superseded while it ran is dropped instead of delivered.
- `synchronous=True` runs each request inside `submit`, on the caller's thread: deterministic tests.

Jobs: the long requests (engine/tasks.py: import, training, sampling; and RunTask) are jobs of
`EngineWorker.jobs` (engine/jobs.py), which moves them through queued / running / paused / done /
failed / cancelled as their messages go out; the editor observes that registry. Training jobs are
paused, resumed and cancelled with `pause`, `resume` and `cancel` and block in
`TaskContext.between_steps` while paused.
"""

from __future__ import annotations

import itertools
import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .errors import InputError
from .jobs import JobRegistry, JobState

if TYPE_CHECKING:  # imported where first used: `import engine.worker` stays free of torch
    from .api import OasisModel
    from .fast.session import GenerationSession

log = logging.getLogger(__name__)

INTERACTIVE = 0
BACKGROUND = 1
PAUSE_POLL_S = 0.05  # how often a paused job looks for interactive requests, Resume and Cancel


def snapshot(array) -> np.ndarray:
    """A private copy of an array for a request, made on the submitting thread.

    Not flagged read-only: torch.from_numpy warns on read-only arrays, and nobody else holds a reference.
    """
    return np.array(array, copy=True)


# -- requests ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoadModel:
    folder: Path
    device: str = "cpu"
    channel: str = "model"
    priority: int = INTERACTIVE


@dataclass(frozen=True)
class Generate:
    """Generate one image. `noise` is (z,) or (z, H, W); `tag` is echoed back (the caller's context)."""

    labels: np.ndarray
    noise: np.ndarray
    precision: str = "fp32"
    tag: Any = None
    channel: str = "generate"
    priority: int = INTERACTIVE


@dataclass(frozen=True)
class GenerateBatch:
    """Several images from one label map and several noise maps (variations)."""

    labels: np.ndarray
    noises: tuple
    precision: str = "fp32"
    tag: Any = None
    channel: str = "variations"
    priority: int = INTERACTIVE


@dataclass(frozen=True)
class Segment:
    """Photo (3 x H x W float32 in [-1, 1]) -> label map with the model's discriminator."""

    image: np.ndarray
    tag: Any = None
    channel: str = "segment"
    priority: int = INTERACTIVE


@dataclass(frozen=True)
class RunTask:
    """A background job: `task(ctx)` gets a TaskContext (model, should_stop, progress) and returns a value."""

    task: Callable[[TaskContext], Any]
    name: str = "task"
    tag: Any = None
    channel: str | None = None
    priority: int = BACKGROUND


# -- messages ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    request_id: int
    final: ClassVar[bool] = True  # the last message of its request (a result, Failed or Superseded)


@dataclass(frozen=True)
class Started(Message):
    kind: str
    final: ClassVar[bool] = False


@dataclass(frozen=True)
class ModelLoaded(Message):
    config: Any  # engine.config.ModelConfig
    folder: Path
    device: str
    can_segment: bool


@dataclass(frozen=True)
class Generated(Message):
    image: np.ndarray  # 3 x H x W float32 in [-1, 1]
    tag: Any
    seconds: float


@dataclass(frozen=True)
class BatchGenerated(Message):
    images: tuple
    tag: Any
    seconds: float


@dataclass(frozen=True)
class Segmented(Message):
    labels: np.ndarray
    tag: Any


@dataclass(frozen=True)
class TaskFinished(Message):
    result: Any
    tag: Any


@dataclass(frozen=True)
class Progress(Message):
    fraction: float
    text: str
    final: ClassVar[bool] = False


@dataclass(frozen=True)
class Failed(Message):
    """`text` is a one-line message for people; `details` the traceback when it was a bug."""

    text: str
    details: str = ""


@dataclass(frozen=True)
class Superseded(Message):
    """The request was dropped (a newer one on its channel arrived, or it was cancelled)."""


@dataclass(frozen=True)
class Idle(Message):
    """The queue is empty: nothing runs (request_id is the last finished one)."""

    final: ClassVar[bool] = False


class TaskContext:
    def __init__(self, worker: EngineWorker, request_id: int):
        self._worker = worker
        self.request_id = request_id

    @property
    def model(self):
        return self._worker.model

    def should_stop(self) -> bool:
        return self._worker._is_cancelled(self.request_id) or self._worker._stopping

    def progress(self, fraction: float, text: str = "") -> None:
        self._worker._emit(Progress(self.request_id, float(fraction), text))

    def yield_to_interactive(self) -> int:
        """Run every queued interactive request now, between two steps of this task; returns how many."""
        return self._worker._drain_interactive()

    def emit(self, message: Message) -> None:
        """A typed message of this job (training progress, previews) to the worker's listener."""
        self._worker._emit(message)

    def between_steps(self) -> None:
        """Called by a trainer between two iterations: runs queued interactive requests, and while the job
        is paused blocks here (still running them) until it is resumed or cancelled."""
        from .tasks import TrainingPaused

        self.yield_to_interactive()
        if not self._worker._pause_asked(self.request_id):
            return
        self._worker.jobs.update(self.request_id, state=JobState.PAUSED)
        self.emit(TrainingPaused(self.request_id))
        while self._worker._pause_asked(self.request_id) and not self.should_stop():
            self.yield_to_interactive()
            self._worker._wait_while_paused(self.request_id)
        self._worker.jobs.update(self.request_id, state=JobState.RUNNING)


@dataclass
class _Entry:
    request_id: int
    request: Any


class EngineWorker:
    """Owns the loaded model; runs requests one at a time on its own thread (or inline if synchronous)."""

    def __init__(self, on_message: Callable[[Message], None], synchronous: bool = False,
                 torch_threads: int | None = None):
        self._on_message = on_message
        self.synchronous = synchronous
        self.model: OasisModel | None = None
        # precision -> GenerationSession of the current model (incremental regenerate)
        self._sessions: dict[str, GenerationSession] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Condition()
        self._queues: dict[int, list[_Entry]] = {INTERACTIVE: [], BACKGROUND: []}
        self._latest_on_channel: dict[str, int] = {}
        self._running: _Entry | None = None
        self._cancelled: set[int] = set()
        self._paused: set[int] = set()
        self.jobs = JobRegistry()
        self._stopping = False
        self._torch_threads = torch_threads
        self._thread = None
        if not synchronous:
            self._thread = threading.Thread(target=self._loop, name="oasis-engine", daemon=True)
            self._thread.start()

    # -- public --------------------------------------------------------------------------------
    def submit(self, request, owner: str = "") -> int:
        """Queue a request; returns its id. Superseded queued requests on the same channel are dropped.
        A long request (see `job_kind`) becomes a job of `jobs`, with `owner` saying who submitted it."""
        rid = next(self._ids)
        entry = _Entry(rid, request)
        kind = job_kind(request)
        if kind is not None:
            self.jobs.add(rid, kind, owner)
        dropped = []
        with self._lock:
            if self._stopping:
                raise RuntimeError("engine worker is shut down")
            channel = getattr(request, "channel", None)
            if channel is not None:
                self._latest_on_channel[channel] = rid
                for q in self._queues.values():
                    keep = [e for e in q if getattr(e.request, "channel", None) != channel]
                    dropped += [e for e in q if getattr(e.request, "channel", None) == channel]
                    q[:] = keep
            if not self.synchronous:
                self._queues[request.priority].append(entry)
                self._lock.notify_all()  # the loop, or a paused job waiting for interactive work
        for e in dropped:
            self._emit(Superseded(e.request_id))
        if self.synchronous:
            self._run(entry)
            self._emit(Idle(rid))
        return rid

    def cancel(self, request_id: int) -> None:
        """Cooperative: a queued request is dropped, a running task sees should_stop() become True (a paused
        one wakes up to see it). A training job then still delivers its outcome (TrainingFinished)."""
        dropped = None
        with self._lock:
            self._cancelled.add(request_id)
            self._paused.discard(request_id)
            self._lock.notify_all()
            for q in self._queues.values():
                for e in q:
                    if e.request_id == request_id:
                        q.remove(e)
                        dropped = e
                        break
        if dropped is not None:
            self._emit(Superseded(request_id))

    def pause(self, request_id: int) -> None:
        """A training job stops stepping at its next `between_steps` (TrainingPaused says when)."""
        with self._lock:
            job = self.jobs.get(request_id)
            if job is not None and not job.state.finished:
                self._paused.add(request_id)

    def resume(self, request_id: int) -> None:
        with self._lock:
            self._paused.discard(request_id)
            self._lock.notify_all()

    def pending(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._queues.values()) + (self._running is not None)

    def shutdown(self, timeout: float = 10.0) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """For tests and scripts: block until the queue is empty and nothing runs."""
        with self._lock:
            return self._lock.wait_for(lambda: self._running is None and not any(self._queues.values()), timeout)

    # -- worker thread ---------------------------------------------------------------------------
    def _loop(self) -> None:
        if self._torch_threads:
            import torch

            torch.set_num_threads(self._torch_threads)
        while True:
            with self._lock:
                while not self._stopping and not any(self._queues.values()):
                    self._lock.wait()
                if self._stopping:
                    return
                queue = self._queues[INTERACTIVE] or self._queues[BACKGROUND]
                entry = queue.pop(0)
                self._running = entry
            try:
                self._run(entry)
            finally:
                with self._lock:
                    self._running = None
                    idle = not any(self._queues.values())
                    self._lock.notify_all()
                if idle:
                    self._emit(Idle(entry.request_id))

    def _drain_interactive(self) -> int:
        done = 0
        while True:
            with self._lock:
                if self.synchronous or not self._queues[INTERACTIVE]:
                    return done
                entry = self._queues[INTERACTIVE].pop(0)
            self._run(entry)
            done += 1

    def _pause_asked(self, request_id: int) -> bool:
        with self._lock:
            return request_id in self._paused

    def _wait_while_paused(self, request_id: int) -> None:
        with self._lock:
            self._lock.wait_for(lambda: request_id not in self._paused or self._stopping
                                or bool(self._queues[INTERACTIVE]), PAUSE_POLL_S)

    def _is_cancelled(self, request_id: int) -> bool:
        with self._lock:
            return request_id in self._cancelled

    def _is_stale(self, entry: _Entry) -> bool:
        channel = getattr(entry.request, "channel", None)
        with self._lock:
            newer = channel is not None and self._latest_on_channel.get(channel, entry.request_id) > entry.request_id
            keeps = getattr(entry.request, "keeps_result_when_cancelled", False)
            cancelled = entry.request_id in self._cancelled and not keeps
            return newer or cancelled

    def _emit(self, message: Message) -> None:
        try:
            self._track(message)
            self._on_message(message)
        except Exception:  # a broken listener must not kill the worker thread
            log.exception("a listener of the engine worker failed on %s", type(message).__name__)

    def _track(self, message: Message) -> None:
        """The job registry follows the messages of its jobs."""
        from .tasks import TrainingProgressed

        rid = message.request_id
        if isinstance(message, Idle) or self.jobs.get(rid) is None:
            return
        if isinstance(message, Started):
            self.jobs.update(rid, state=JobState.RUNNING)
        elif isinstance(message, Progress):
            self.jobs.update(rid, progress=message.fraction, text=message.text)
        elif isinstance(message, TrainingProgressed):
            p = message.progress
            self.jobs.update(rid, progress=p.iteration / max(1, p.total), text=f"iteration {p.iteration} / {p.total}")
        elif isinstance(message, Failed):
            self.jobs.update(rid, state=JobState.FAILED, error=message.text)
        elif isinstance(message, Superseded):
            self.jobs.update(rid, state=JobState.CANCELLED)
        elif message.final:
            with self._lock:
                cancelled = rid in self._cancelled
                self._paused.discard(rid)
            self.jobs.update(rid, state=JobState.CANCELLED if cancelled else JobState.DONE)

    def _run(self, entry: _Entry) -> None:
        request, rid = entry.request, entry.request_id
        self._emit(Started(rid, type(request).__name__))
        try:
            result = self._execute(request, rid)
        except InputError as e:
            log.info("%s %d refused: %s", type(request).__name__, rid, e)
            self._emit(Failed(rid, str(e)))
            return
        except MemoryError:
            log.error("%s %d ran out of memory", type(request).__name__, rid)
            self._emit(Failed(rid, "out of memory: try a smaller image or close other programs"))
            return
        except Exception as e:  # a bug: still a message, with the traceback for the details box
            log.exception("%s %d failed", type(request).__name__, rid)
            self._emit(Failed(rid, f"internal error: {e.__class__.__name__}: {e}", traceback.format_exc()))
            return
        if self._is_stale(entry):
            self._emit(Superseded(rid))
        else:
            self._emit(result)

    def _require_model(self):
        if self.model is None:
            raise InputError("no model is loaded (open a model folder first)")
        return self.model

    def _session(self, model, precision: str):
        """Interactive generation goes through a GenerationSession: after a stroke it recomputes only
        what the change can reach (exact in fp32), instead of the whole generator."""
        from .fast.session import GenerationSession

        if precision not in self._sessions:
            self._sessions[precision] = GenerationSession(model, precision)
        return self._sessions[precision]

    def _execute(self, request, rid: int) -> Message:
        import time

        if isinstance(request, LoadModel):
            from .api import load_model

            model = load_model(request.folder, device=request.device)
            log.info("model %s loaded on %s", request.folder, model.device)
            self.model = model
            self._sessions = {}
            return ModelLoaded(rid, model.config, Path(request.folder), str(model.device), model.can_segment)
        if isinstance(request, Generate):
            model = self._require_model()
            t0 = time.perf_counter()
            image = self._session(model, request.precision).generate(request.labels, request.noise)
            return Generated(rid, image, request.tag, time.perf_counter() - t0)
        if isinstance(request, GenerateBatch):
            from .fast import inference

            model = self._require_model()
            t0 = time.perf_counter()
            images = []
            for i, noise in enumerate(request.noises):
                if self._is_stale(_Entry(rid, request)):
                    break  # superseded: stop early, the result would be dropped anyway
                images.append(inference.generate(model, request.labels, noise, request.precision))
                self._emit(Progress(rid, (i + 1) / len(request.noises), f"variation {i + 1}/{len(request.noises)}"))
            return BatchGenerated(rid, tuple(images), request.tag, time.perf_counter() - t0)
        if isinstance(request, Segment):
            model = self._require_model()
            labels, _ = model.segment(request.image)
            return Segmented(rid, labels, request.tag)
        if isinstance(request, RunTask):
            result = request.task(TaskContext(self, rid))
            return TaskFinished(rid, result, request.tag)
        if job_kind(request) is not None:
            from . import tasks

            return tasks.execute(request, TaskContext(self, rid))
        raise TypeError(f"unknown request type {type(request).__name__}")


def job_kind(request) -> str | None:
    """The job kind of a long request (engine/tasks.py, RunTask); None for the interactive ones."""
    if isinstance(request, RunTask):
        return request.name
    return getattr(request, "job_kind", None)
