"""The regulariser options of the OASIS trainer: they run, add a positive term, change the update,
and a resumed run with them on continues exactly."""
import json
import math

import pytest
import torch

from engine.cli import main
from engine.regularizers import RegularizerSettings
from engine.training.checkpoint import CHECKPOINT_FILE, read_checkpoint
from engine.training.cli import read_classes
from engine.training.data import load_pairs
from engine.training.presets import ARCH_PRESETS
from engine.training.settings import TrainSettings
from engine.training.trainer import OasisTrainer, RunSpec

OPTIONS = {"adaptivemix": (dict(adaptivemix=1.0), ["d_adaptivemix"]),
           "mixdl": (dict(mixdl=True), ["d_mixdl", "g_mixdl"]),
           "asa": (dict(asa=1.0, asa_ramp_iters=4), ["d_asa"])}


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)
    yield


def _trainer(data, run_dir, iterations, **options):
    names, palette = read_classes(data / "classes.json")
    settings = TrainSettings(iterations=iterations, batch_size=2, checkpoint_every=2, sample_every=0, bn_batches=2,
                             snapshot_every=0, regularizers=RegularizerSettings(**options))
    spec = RunSpec("tiny", ARCH_PRESETS["tiny"], names, palette, 0, settings, {"name": "synthetic"})
    return OasisTrainer(run_dir, spec, load_pairs(data / "photos", data / "labels", len(names)))


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_option_adds_a_positive_finite_term(synthetic_data, tmp_path, name):
    options, keys = OPTIONS[name]
    t = _trainer(synthetic_data, tmp_path, 4, **options)
    for _ in range(3):
        losses = t.step()
    assert all(math.isfinite(v) for v in losses.values())
    for k in keys:
        assert losses[k] > 0, (k, losses[k])


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_option_changes_the_discriminator_update(synthetic_data, tmp_path, name):
    base = _trainer(synthetic_data, tmp_path / "base", 4)
    on = _trainer(synthetic_data, tmp_path / "on", 4, **OPTIONS[name][0])
    for _ in range(2):  # ASA's lambda is 0 at the first step
        base.step()
        on.step()
    d_base, d_on = base.D.state_dict(), on.D.state_dict()
    assert any(not torch.equal(d_base[k], d_on[k]) for k in d_base)


def test_resume_with_all_options_is_exact(synthetic_data, tmp_path):
    options = dict(adaptivemix=1.0, mixdl=True, asa=1.0, asa_ramp_iters=4)
    _trainer(synthetic_data, tmp_path / "a", 4, **options).train()
    _trainer(synthetic_data, tmp_path / "b", 2, **options).train()
    second = _trainer(synthetic_data, tmp_path / "b", 4, **options)
    second.resume()
    second.train()
    a, _ = read_checkpoint(tmp_path / "a" / CHECKPOINT_FILE)
    b, _ = read_checkpoint(tmp_path / "b" / CHECKPOINT_FILE)
    assert a.keys() == b.keys()
    assert any(k.startswith("REG.proj.") for k in a) and any(k.startswith("opt_proj.") for k in a)
    assert int(a["REG.real_count"]) > 0
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, different[:5]


def test_cli_flags_reach_the_run_settings(synthetic_data, tmp_path):
    run = tmp_path / "run"
    args = ["train-oasis", "--data", str(synthetic_data / "photos"), "--labels", str(synthetic_data / "labels"),
            "--out", str(run), "--config", "tiny", "--iterations", "2", "--batch-size", "2", "--threads", "1",
            "--sample-every", "0", "--adaptivemix", "0.5", "--mixdl", "--asa", "0.5", "--no-diffaug"]
    assert main(args) == 0
    settings = json.loads((run / "run.json").read_text())["settings"]
    regs = settings["regularizers"]
    assert regs["adaptivemix"] == 0.5 and regs["mixdl"] and regs["asa"] == 0.5
    assert regs["asa_ramp_iters"] == 2 and settings["augment"]["translation"] == 0.0
    state = json.loads((run / "state.json").read_text())
    assert {"d_adaptivemix", "d_mixdl", "g_mixdl", "d_asa"} <= set(state["last_losses"])
