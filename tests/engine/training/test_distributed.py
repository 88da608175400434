"""DistributedDataParallel on CPU with gloo: N processes x batch b take the step of 1 process x batch N*b."""

import json
import subprocess
import sys

import pytest
import torch
import torch.multiprocessing as mp

from tests.engine.datasets import layouts

from .ddp_worker import free_port, run

pytestmark = pytest.mark.skipif(not torch.distributed.is_gloo_available(), reason="no gloo")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return layouts.folder(tmp_path_factory.mktemp("ddp") / "data", 6, size=(72, 96))


def _launch(world, tmp, data, batch, steps, name, mode="steps", run_dir=None):
    out = tmp / f"{name}.pt"
    run_dir = run_dir or tmp / name
    if world == 1:
        run(0, 1, free_port(), str(run_dir), str(data), batch, steps, str(out), mode)
    else:
        mp.spawn(run, args=(world, free_port(), str(run_dir), str(data), batch, steps, str(out), mode), nprocs=world)
    return torch.load(out)


def _max_diff(a, b):
    assert a.keys() == b.keys()
    return max((a[k].double() - b[k].double()).abs().max().item() for k in a if a[k].is_floating_point())


def test_two_processes_take_the_one_process_step(tmp_path, data):
    one = _launch(1, tmp_path, data, 4, 1, "one")
    two = _launch(2, tmp_path, data, 4, 1, "two")  # the global batch: 2 processes x 2
    print("max |w1 - w2| after one step:", _max_diff(one, two))
    assert _max_diff(one, two) < 1e-5
    init = _launch(1, tmp_path, data, 4, 0, "init")
    assert _max_diff(one, init) > 1e-3  # the step did move the weights


def test_two_process_run_resumed_with_one_process(tmp_path, data):
    """2 processes x batch 2 train to iteration 2 (checkpoint), 1 process x batch 4 resumes to 4: the same
    as 1 process x batch 4 all the way (which the test above shows equals 2 processes x 2)."""
    _launch(2, tmp_path, data, 4, 2, "first", mode="train", run_dir=tmp_path / "switch")
    spec = json.loads((tmp_path / "switch" / "run.json").read_text())
    assert spec["data"]["distributed"] == {"world_size": 2, "per_process_batch": 2, "backend": "gloo"}
    resumed = _launch(1, tmp_path, data, 4, 4, "resumed", mode="resume", run_dir=tmp_path / "switch")
    straight = _launch(1, tmp_path, data, 4, 4, "straight", mode="train")
    print("max |w| difference after resuming with 1 process:", _max_diff(straight, resumed))
    assert _max_diff(straight, resumed) < 1e-5
    spec = json.loads((tmp_path / "switch" / "run.json").read_text())
    assert spec["data"]["distributed"]["world_size"] == 1


def test_torchrun_ade20k_export_generate(tmp_path):
    root = layouts.ade20k(tmp_path / "ade", 4, size=(64, 96))
    run_dir, model = tmp_path / "run", tmp_path / "model"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(free_port()),
           "-m", "engine", "train-oasis", "--dataset", "ade20k", "--data", str(root), "--out", str(run_dir),
           "--config", "tiny", "--iterations", "2", "--batch-size", "2", "--threads", "1", "--workers", "0",
           "--bn-batches", "1", "--height", "64", "--width", "64", "--device", "cpu"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.count("training tiny") == 1  # rank 0 alone logs
    assert "2 process(es) x batch 1" in res.stdout
    assert subprocess.run([sys.executable, "-m", "engine", "export-oasis", "--run", str(run_dir), "--out", str(model)],
                          capture_output=True, timeout=120).returncode == 0
    label = root / "ADEChallengeData2016" / "annotations" / "training" / "ADE_train_00000001.png"
    res = subprocess.run([sys.executable, "-m", "engine", "generate", "--model", str(model), "--labels", str(label),
                          "--out", str(tmp_path / "out.png")], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert (tmp_path / "out.png").stat().st_size > 0
