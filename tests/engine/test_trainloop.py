"""engine.trainloop: the cadence, the step timer and the one progress report of both trainers."""

import time

from engine.trainloop import StepTimer, TrainingProgress, due


def test_due_every_k_and_at_the_last_iteration():
    assert [i for i in range(0, 11) if due(i, 4, 10)] == [4, 8, 10]
    assert [i for i in range(0, 11) if due(i, 4)] == [4, 8]
    assert [i for i in range(0, 11) if due(i, 0, 10)] == [10] and not any(due(i, 0) for i in range(11))


def test_step_timer_means_the_last_steps():
    timer = StepTimer(window=2)
    for pause in (0.05, 0.0, 0.0):
        with timer:
            time.sleep(pause)
    assert timer.mean < 0.02 < timer.total  # the slow first step has left the window, not the total
    assert timer.last < 0.02


def test_progress_rates():
    p = TrainingProgress(iteration=30, total=100, seconds_per_iteration=0.5, losses={"g": 1.0})
    assert p.it_per_s == 2.0 and p.eta_s == 35.0
    assert TrainingProgress(100, 100, 0.5).eta_s == 0 and TrainingProgress(1, 2, 0.0).it_per_s > 0
