"""Pieces both trainers' loops share: the one progress report they send, its step timing, and when a
periodic action (checkpoint, preview, samples) is due.

engine/training/trainer.py (OASIS) and engine/oneshot/trainer.py (SIV-GAN / OSMIS) call
`progress(TrainingProgress)`; the engine worker forwards it unchanged to the editor (engine/tasks.py).
"""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TrainingProgress:
    iteration: int  # iterations done
    total: int  # the run's configured iteration count
    seconds_per_iteration: float  # mean over the last few steps (StepTimer)
    losses: dict[str, float] = field(default_factory=dict)
    train_seconds: float = 0.0  # step time so far: of the whole run (OASIS), of this session (one-shot)
    # OASIS only (the one-shot trainer checkpoints after its report, and previews go to `preview`):
    checkpoint: str = ""  # the checkpoint written at this iteration, if one was
    samples: str = ""  # the sample grid written at this iteration, if one was

    @property
    def it_per_s(self) -> float:
        return 1.0 / max(self.seconds_per_iteration, 1e-9)

    @property
    def eta_s(self) -> float:
        return self.seconds_per_iteration * max(0, self.total - self.iteration)


class StepTimer:
    """Times one training step at a time; `mean` is over the last `window` steps (ETA without jitter)."""

    def __init__(self, window: int = 20):
        self._times: collections.deque[float] = collections.deque(maxlen=window)
        self._t0 = 0.0
        self.last = 0.0
        self.total = 0.0  # every step timed so far

    def __enter__(self) -> StepTimer:
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.last = time.perf_counter() - self._t0
        self.total += self.last
        self._times.append(self.last)

    @property
    def mean(self) -> float:
        return sum(self._times) / len(self._times) if self._times else 0.0


def due(iteration: int, every: int, total: int | None = None) -> bool:
    """A periodic action at `iteration`: every `every` iterations (0: never), and at the last one."""
    return iteration > 0 and ((every > 0 and iteration % every == 0) or iteration == total)
