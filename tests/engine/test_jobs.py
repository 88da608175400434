"""The engine's job protocol without Qt: typed long requests (engine/tasks.py), the job registry
(engine/jobs.py), pause / resume / cancel, driven by a test client on the synchronous worker."""

import json
import threading
from pathlib import Path

import pytest

from engine import tasks
from engine import worker as w
from engine.jobs import JobRegistry, JobState
from engine.trainloop import TrainingProgress

BMX = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "one-shot" / "bmx"
TINY_NETWORKS = {"ch_g": 4, "ch_d": 4, "bernoulli_warmup_iters": 2}


class SyncClient:
    """What the editor's EngineClient does, without Qt: submit, keep each job's messages, react in
    `on` callbacks (they run inside the worker's callback, as a listener of a real client would)."""

    def __init__(self):
        self.worker = w.EngineWorker(self._receive, synchronous=True)
        self.messages: dict[int, list] = {}
        self.states: dict[int, list[JobState]] = {}
        self.on: list = []
        self.worker.jobs.subscribe(self._job_changed)

    def _receive(self, message):
        self.messages.setdefault(message.request_id, []).append(message)
        for react in self.on:
            react(self, message)

    def _job_changed(self, job):
        states = self.states.setdefault(job.id, [])
        if not states or states[-1] != job.state:
            states.append(job.state)

    def of(self, rid, kind):
        return [m for m in self.messages.get(rid, []) if isinstance(m, kind)]


def test_registry_keeps_unfinished_jobs_and_the_last_finished_ones():
    reg = JobRegistry(keep_finished=2)
    seen = []
    unsubscribe = reg.subscribe(seen.append)
    for i in range(1, 5):
        reg.add(i, "import", owner="me" if i % 2 else "other")
    for i in (1, 2, 3):
        reg.update(i, state=JobState.DONE)
    assert reg.get(1) is None and reg.get(2).state is JobState.DONE  # the oldest finished one is gone
    assert [j.id for j in reg.jobs(active_only=True)] == [4]
    assert [j.id for j in reg.jobs(owner="me")] == [3]
    assert reg.update(3, state=JobState.FAILED) is None and reg.get(3).state is JobState.DONE  # ended stays ended
    unsubscribe()
    reg.add(9, "import")
    assert len(seen) == 7 and seen[-1].id == 3


def test_import_is_a_job_with_progress(tmp_path):
    from tests.conftest import FIXTURE_RUN

    client = SyncClient()
    rid = client.worker.submit(tasks.ImportRun(FIXTURE_RUN, tmp_path / "model", height=64, width=64), owner="menu")
    done = client.of(rid, tasks.Imported)
    assert len(done) == 1 and (done[0].model_dir / "config.json").is_file()
    fractions = [m.fraction for m in client.of(rid, w.Progress)]
    assert fractions and fractions == sorted(fractions) and fractions[-1] == 1.0
    assert client.states[rid] == [JobState.QUEUED, JobState.RUNNING, JobState.DONE]
    job = client.worker.jobs.get(rid)
    assert job.kind == "import" and job.owner == "menu" and job.progress == 1.0


def test_a_failed_job_says_why(tmp_path):
    client = SyncClient()
    rid = client.worker.submit(tasks.ImportRun(tmp_path / "missing", tmp_path / "model"))
    failed = client.of(rid, w.Failed)
    assert len(failed) == 1 and "missing" in failed[0].text and not failed[0].details
    job = client.worker.jobs.get(rid)
    assert job.state is JobState.FAILED and job.error == failed[0].text


def test_generate_is_not_a_job():
    assert w.job_kind(w.Generate(None, None)) is None and w.job_kind(w.RunTask(lambda ctx: 0, name="x")) == "x"


@pytest.mark.skipif(not (BMX / "image.jpg").exists(), reason="shared bmx data not available")
def test_oneshot_training_pauses_resumes_cancels_and_samples(tmp_path):
    client = SyncClient()
    run = str(tmp_path / "run")
    log = []

    def react(c, m):  # pause at iteration 2, resume once really paused, cancel at iteration 4
        if isinstance(m, tasks.TrainingProgressed):
            log.append(m.progress.iteration)
            if m.progress.iteration == 2:
                c.worker.pause(m.request_id)
            if m.progress.iteration == 4:
                c.worker.cancel(m.request_id)
        elif isinstance(m, tasks.TrainingPaused):
            log.append("paused")
            assert c.worker.jobs.get(m.request_id).state is JobState.PAUSED
            c.worker.resume(m.request_id)

    client.on.append(react)
    rid = client.worker.submit(tasks.TrainOneShot(run, images=str(BMX / "image.jpg"), masks=str(BMX / "mask.png"),
                                                  iterations=50, max_size=48, preview_every=3,
                                                  overrides=TINY_NETWORKS), owner="training")
    assert log == [1, 2, "paused", 3, 4]
    progress = [m.progress for m in client.of(rid, tasks.TrainingProgressed)]
    assert all(isinstance(p, TrainingProgress) and p.total == 50 and p.it_per_s > 0 and p.losses for p in progress)
    assert [m.iteration for m in client.of(rid, tasks.TrainingPreview)] == [3]
    outcome = client.of(rid, tasks.TrainingFinished)[0].outcome  # cancel keeps the outcome
    assert outcome.stopped and outcome.iteration == 4 and outcome.total == 50 and not outcome.error
    assert json.loads((Path(run) / "checkpoints" / "state.json").read_text())["iteration"] == 4
    assert client.states[rid] == [JobState.QUEUED, JobState.RUNNING, JobState.PAUSED, JobState.RUNNING,
                                  JobState.CANCELLED]
    assert not client.of(rid, w.Superseded)

    sid = client.worker.submit(tasks.SampleOneShot(run, 3, seed=7))
    batch = client.of(sid, tasks.Sampled)[0].batch
    assert batch["images"].shape[0] == 3 and batch["iteration"] == 4 and batch["seed"] == 7
    assert client.worker.jobs.get(sid).state is JobState.DONE


def test_a_training_job_cancelled_while_queued_is_dropped(tmp_path):
    rec = []
    eng = w.EngineWorker(rec.append)
    try:
        gate, started = threading.Event(), threading.Event()

        def block(ctx):
            started.set()
            gate.wait(10)

        eng.submit(w.RunTask(block, name="blocker"))
        assert started.wait(10)
        rid = eng.submit(tasks.TrainOneShot(str(tmp_path / "run"), images="nothing.jpg"))
        assert eng.jobs.get(rid).state is JobState.QUEUED
        eng.cancel(rid)
        gate.set()
        assert eng.wait_idle()
        assert [m.request_id for m in rec if isinstance(m, w.Superseded)] == [rid]
        assert eng.jobs.get(rid).state is JobState.CANCELLED and not (tmp_path / "run").exists()
    finally:
        eng.shutdown()


def test_latest_wins_wants_only_the_newest_requests_answer_until_it_is_forgotten():
    from engine.jobs import Latest

    client = SyncClient()
    latest = Latest()
    first = latest.track(client.worker.submit(w.RunTask(lambda ctx: 1, name="first")))
    second = latest.track(client.worker.submit(w.RunTask(lambda ctx: 2, name="second")))
    (old,), (new,) = client.of(first, w.TaskFinished), client.of(second, w.TaskFinished)
    assert not latest.wants(old) and latest.wants(new) and latest.newest == second
    latest.forget()  # what they were asked about is gone (another model)
    assert not latest.wants(new) and latest.newest is None
