"""Training survives a hard kill, a full disk, no permission; cancelling takes effect quickly."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from engine import fileio
from engine.cli import main

from .synthetic import write_dataset

REPO = Path(__file__).resolve().parents[2]
ENV = dict(os.environ, OMP_NUM_THREADS="1")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_dataset(tmp_path_factory.mktemp("reliability_data"))


def _oasis_args(data, run, iterations, extra=()):
    return ["train-oasis", "--data", str(data / "photos"), "--labels", str(data / "labels"),
            "--classes", str(data / "classes.json"), "--out", str(run), "--config", "tiny",
            "--iterations", str(iterations), "--batch-size", "1", "--checkpoint-every", "2", "--sample-every", "0",
            "--threads", "1", "--log-every", "1", *extra]


def _kill_after_checkpoint(cmd, state_of, min_iteration=2, timeout=90):
    proc = subprocess.Popen(cmd, cwd=REPO, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            it = state_of()
            if it is not None and it >= min_iteration:
                break
            assert proc.poll() is None, proc.stdout.read().decode()
            time.sleep(0.05)
        else:
            raise AssertionError("no checkpoint in time")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    return state_of()


def test_oasis_training_resumes_after_sigkill(data, tmp_path, capsys):
    run = tmp_path / "run"

    def iteration():
        try:
            return json.loads((run / "state.json").read_text())["iteration"]
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            return None

    settings_before = None
    killed_at = _kill_after_checkpoint([sys.executable, "-m", "engine", *_oasis_args(data, run, 100_000)], iteration)
    settings_before = json.loads((run / "run.json").read_text())["settings"]
    from engine.training.checkpoint import read_checkpoint

    _, ckpt_state = read_checkpoint(run / "checkpoint.safetensors")  # the checkpoint itself is intact
    assert ckpt_state["iteration"] == killed_at
    capsys.readouterr()
    assert main(_oasis_args(data, run, killed_at + 2, ["--resume"])) == 0
    out = capsys.readouterr().out
    assert f"from iteration {killed_at} to {killed_at + 2}" in out
    after = json.loads((run / "run.json").read_text())["settings"]
    assert {k: v for k, v in after.items() if k != "iterations"} == \
        {k: v for k, v in settings_before.items() if k != "iterations"}
    assert iteration() == killed_at + 2


def test_oneshot_training_resumes_after_sigkill(tmp_path):
    run = tmp_path / "os_run"

    def iteration():
        try:
            return json.loads((run / "checkpoints" / "state.json").read_text())["iteration"]
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            return None

    killed_at = _kill_after_checkpoint([sys.executable, "-m", "tests.reliability.oneshot_child", str(run)], iteration)
    cfg_before = json.loads((run / "config.json").read_text())
    p = subprocess.run([sys.executable, "-m", "tests.reliability.oneshot_child", str(run), "--resume",
                        str(killed_at + 2)], cwd=REPO, env=ENV, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert f"done {killed_at + 2}" in p.stdout
    cfg_after = json.loads((run / "config.json").read_text())
    assert {k: v for k, v in cfg_after.items() if k != "iterations"} == \
        {k: v for k, v in cfg_before.items() if k != "iterations"}
    assert iteration() == killed_at + 2


@pytest.mark.parametrize("error,expected", [
    (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
    (PermissionError(errno.EACCES, "Permission denied"), "Permission denied"),
], ids=["disk-full", "no-permission"])
def test_oasis_write_errors_are_one_line(data, tmp_path, monkeypatch, capsys, error, expected):
    def failing_write(path, _data):
        error.filename = str(path)
        raise error

    monkeypatch.setattr(fileio, "atomic_write_bytes", failing_write)
    capsys.readouterr()
    assert main(_oasis_args(data, tmp_path / "run", 2)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and expected in err[0], err
    assert str(tmp_path / "run") in err[0]  # names the file


@pytest.mark.parametrize("error,expected", [
    (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
    (PermissionError(errno.EACCES, "Permission denied"), "Permission denied"),
], ids=["disk-full", "no-permission"])
def test_oneshot_write_errors_are_one_line(tmp_path, monkeypatch, capsys, error, expected):
    from tests.engine.oneshot.oneshot_testdata import BMX_IMAGE

    def failing_write(path, _data):
        error.filename = str(path)
        raise error

    monkeypatch.setattr(fileio, "atomic_write_bytes", failing_write)
    capsys.readouterr()
    rc = main(["train-oneshot", "--images", BMX_IMAGE, "--out", str(tmp_path / "os"), "--iterations", "2",
               "--max-size", "48", "--threads", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and err[0].startswith("error: ") and expected in err[0], err


def _measure_cancel(start_training, stop_after_seconds=1.0):
    """Start training in a thread, ask it to stop, return seconds until train() returned."""
    flag = threading.Event()
    asked = {}

    def should_stop():
        return flag.is_set()

    t = threading.Thread(target=start_training, args=(should_stop,), daemon=True)
    t.start()
    time.sleep(stop_after_seconds)
    asked["t"] = time.monotonic()
    flag.set()
    t.join(30)
    assert not t.is_alive()
    return time.monotonic() - asked["t"]


def test_cancel_takes_effect_within_2_seconds(data, tmp_path):
    import torch

    from engine.oneshot.trainer import train as train_oneshot
    from engine.training.cli import read_classes
    from engine.training.data import load_pairs
    from engine.training.presets import ARCH_PRESETS
    from engine.training.settings import TrainSettings
    from engine.training.trainer import OasisTrainer, RunSpec
    from tests.engine.oneshot.oneshot_testdata import tiny_config

    torch.set_num_threads(1)
    names, palette = read_classes(data / "classes.json")
    spec = RunSpec("tiny", ARCH_PRESETS["tiny"], names, palette, 0,
                   TrainSettings(iterations=100_000, batch_size=1, checkpoint_every=1000, sample_every=0,
                                 bn_batches=2, snapshot_every=0), {"name": "synthetic"})
    trainer = OasisTrainer(tmp_path / "oasis", spec, load_pairs(data / "photos", data / "labels", len(names)))
    oasis_seconds = _measure_cancel(lambda stop: trainer.train(stop))
    oneshot_seconds = _measure_cancel(lambda stop: train_oneshot(
        tiny_config(masks=False, iterations=100_000, checkpoint_every=1000), str(tmp_path / "os"), should_stop=stop))
    print(f"cancel latency (including the final checkpoint): OASIS {oasis_seconds:.2f} s, "
          f"one-shot {oneshot_seconds:.2f} s")
    assert oasis_seconds < 2.0 and oneshot_seconds < 2.0
    assert (tmp_path / "oasis" / "checkpoint.safetensors").is_file()  # stopping keeps what was trained
    assert (tmp_path / "os" / "checkpoints" / "state.json").is_file()
