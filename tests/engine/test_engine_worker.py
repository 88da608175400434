"""engine.worker: snapshots in, typed messages out, latest-wins, priority, errors as messages."""

import threading

import numpy as np
import pytest

from engine import worker as w


class Recorder:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    def __call__(self, m):
        with self.lock:
            self.messages.append(m)

    def of(self, kind):
        with self.lock:
            return [m for m in self.messages if isinstance(m, kind)]


@pytest.fixture
def labels():
    lab = np.zeros((64, 64), np.int64)
    lab[:, 32:] = 3
    return lab


def test_synchronous_generate_matches_the_api(tiny_model_dir, labels):
    from engine.api import global_noise, load_model

    rec = Recorder()
    eng = w.EngineWorker(rec, synchronous=True)
    eng.submit(w.LoadModel(tiny_model_dir))
    loaded = rec.of(w.ModelLoaded)[0]
    assert loaded.config.num_classes == 12 and loaded.can_segment
    noise = global_noise(loaded.config.z_dim, 5)
    rid = eng.submit(w.Generate(w.snapshot(labels), w.snapshot(noise), tag="t"))
    gen = rec.of(w.Generated)[0]
    assert gen.request_id == rid and gen.tag == "t"
    model = load_model(tiny_model_dir)
    # Interactive generation runs through the incremental GenerationSession, whose fp32 mode is
    # exact to 1e-5 (sums are ordered differently from the reference, so not bit for bit).
    assert np.abs(gen.image - model.generate(labels, noise)).max() <= 1e-5
    # A local edit afterwards is regenerated incrementally and still equals a full generate.
    edited = labels.copy()
    edited[8:20, 4:16] = 5  # inside the class-0 half
    eng.submit(w.Generate(w.snapshot(edited), w.snapshot(noise), tag="t2"))
    again = rec.of(w.Generated)[1]
    assert np.abs(again.image - model.generate(edited, noise)).max() <= 1e-5
    assert not np.array_equal(again.image, gen.image)


def test_errors_become_messages(tiny_model_dir):
    rec = Recorder()
    eng = w.EngineWorker(rec, synchronous=True)
    eng.submit(w.Generate(np.zeros((64, 64), np.int64), np.zeros(64, np.float32)))
    assert "no model is loaded" in rec.of(w.Failed)[0].text
    eng.submit(w.LoadModel(tiny_model_dir / "missing"))
    assert "model folder not found" in rec.of(w.Failed)[1].text
    eng.submit(w.LoadModel(tiny_model_dir))
    eng.submit(w.Generate(np.zeros((60, 64), np.int64), np.zeros(64, np.float32)))
    assert "not a multiple of 32" in rec.of(w.Failed)[2].text


def _blocker(channel=None, priority=w.BACKGROUND):
    gate, started = threading.Event(), threading.Event()

    def task(ctx):
        started.set()
        gate.wait(10)
        return channel

    return w.RunTask(task, channel=channel, priority=priority), gate, started


def test_latest_wins_and_interactive_before_background(tiny_model_dir, labels):
    rec = Recorder()
    eng = w.EngineWorker(rec)
    try:
        eng.submit(w.LoadModel(tiny_model_dir))
        assert eng.wait_idle()
        block, gate, started = _blocker()
        eng.submit(block)
        assert started.wait(10)
        bg = eng.submit(w.RunTask(lambda ctx: "bg", tag="bg"))
        noise = np.zeros(64, np.float32)
        ids = [eng.submit(w.Generate(w.snapshot(labels), w.snapshot(noise), tag=i)) for i in range(3)]
        gate.set()
        assert eng.wait_idle()
        assert {m.request_id for m in rec.of(w.Superseded)} == set(ids[:2])
        assert [m.request_id for m in rec.of(w.Generated)] == [ids[2]]
        order = [m.request_id for m in rec.messages if isinstance(m, w.Started)]
        assert order.index(ids[2]) < order.index(bg)  # interactive jumped the queued background task
    finally:
        eng.shutdown()


def test_result_of_a_request_superseded_while_running_is_dropped():
    rec = Recorder()
    eng = w.EngineWorker(rec)
    try:
        first, gate, started = _blocker(channel="live", priority=w.INTERACTIVE)
        a = eng.submit(first)
        assert started.wait(10)
        b = eng.submit(w.RunTask(lambda ctx: "second", channel="live", priority=w.INTERACTIVE))
        gate.set()
        assert eng.wait_idle()
        assert [m.request_id for m in rec.of(w.Superseded)] == [a]
        assert [(m.request_id, m.result) for m in rec.of(w.TaskFinished)] == [(b, "second")]
    finally:
        eng.shutdown()


def test_background_task_yields_to_interactive_and_stops_cooperatively():
    rec = Recorder()
    eng = w.EngineWorker(rec)
    try:
        steps, ran_between = [], []
        go, running = threading.Event(), threading.Event()

        def training(ctx):
            running.set()
            go.wait(10)
            for i in range(1000):
                if ctx.should_stop():
                    return f"stopped at {i}"
                steps.append(i)
                ctx.progress(i / 1000, "step")
                if ctx.yield_to_interactive():
                    ran_between.append(i)
                threading.Event().wait(0.002)
            return "finished"

        tid = eng.submit(w.RunTask(training, name="train"))
        assert running.wait(10)
        eng.submit(w.RunTask(lambda ctx: "quick", priority=w.INTERACTIVE))
        go.set()
        threading.Event().wait(0.1)
        eng.cancel(tid)
        assert eng.wait_idle()
        results = {m.request_id: m.result for m in rec.of(w.TaskFinished)}
        assert "quick" in results.values()
        assert ran_between, "the interactive request ran between training steps"
        assert rec.of(w.Superseded)[0].request_id == tid or results.get(tid, "").startswith("stopped")
    finally:
        eng.shutdown()
