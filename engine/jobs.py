"""The engine's job registry: what long requests (import, training, sampling) exist and where they stand.

Plain data, no Qt: the engine worker (engine/worker.py) adds a job when such a request is submitted and
moves it through its states as its messages go out; listeners are called with the new `Job` (an
immutable snapshot) on the thread that changed it. The editor has one listener, in
editor/engine_client.py, that re-emits it as a Qt signal on the GUI thread.

Interactive requests are no jobs; `Latest` is their latest-wins rule (only the newest answer counts).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum

log = logging.getLogger(__name__)


class JobState(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"  # a training job blocked between two iterations
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


@dataclass(frozen=True)
class Job:
    id: int  # the request id of the worker
    kind: str  # "import", "train-oneshot", "train-oasis", "sample-oneshot", or a RunTask's name
    owner: str = ""  # who submitted it (the editor names its panels and windows), for finding one's own jobs
    state: JobState = JobState.QUEUED
    progress: float = 0.0  # 0..1
    text: str = ""  # the last progress line
    error: str = ""


class JobRegistry:
    """Thread-safe; keeps every unfinished job and the last `keep_finished` finished ones."""

    def __init__(self, keep_finished: int = 50):
        self._lock = threading.Lock()
        self._jobs: dict[int, Job] = {}
        self._listeners: list[Callable[[Job], None]] = []
        self._keep_finished = keep_finished

    def subscribe(self, listener: Callable[[Job], None]) -> Callable[[], None]:
        """`listener(job)` after every change; returns the function that unsubscribes it."""
        with self._lock:
            self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def add(self, job_id: int, kind: str, owner: str = "") -> Job:
        return self._store(Job(job_id, kind, owner))

    def update(self, job_id: int, **changes) -> Job | None:
        """Change a job's fields; a finished job stays as it ended (a late message changes nothing)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.state.finished:
                return None
        return self._store(replace(job, **changes))

    def get(self, job_id: int) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def jobs(self, owner: str | None = None, active_only: bool = False) -> list[Job]:
        with self._lock:
            return [j for j in self._jobs.values()
                    if (owner is None or j.owner == owner) and not (active_only and j.state.finished)]

    def _store(self, job: Job) -> Job:
        with self._lock:
            self._jobs[job.id] = job
            finished = [j.id for j in self._jobs.values() if j.state.finished]
            for old in finished[:max(0, len(finished) - self._keep_finished)]:
                del self._jobs[old]
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(job)
            except Exception:  # a broken listener must not stop the job (it runs on the worker thread)
                log.exception("a listener of the job registry failed on job %d", job.id)
        return job


class Latest:
    """Latest-wins answers for interactive requests (generate, variations, segment): of the requests
    `track`ed here only the newest one's messages are wanted. An older request that was already running
    when a newer one was asked still answers (the worker supersedes only queued ones); `wants` says
    to drop that answer. `forget()`: none is wanted any more (what they were asked about is gone)."""

    def __init__(self) -> None:
        self._newest: int | None = None

    def track(self, request_id: int) -> int:
        self._newest = request_id
        return request_id

    def wants(self, message) -> bool:
        return self._newest is not None and message.request_id == self._newest

    @property
    def newest(self) -> int | None:
        return self._newest

    def forget(self) -> None:
        self._newest = None
