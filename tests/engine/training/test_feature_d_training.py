"""train-oasis with the pretrained-feature discriminator, --precision, and run folders of older versions."""

import json

import numpy as np
import pytest
import torch

from engine import precision
from engine.api import load_model
from engine.cli import main
from engine.errors import InputError
from engine.training.trainer import RUN_FILE, RunSpec


def _args(data, run, *extra):
    return ["train-oasis", "--data", str(data / "photos"), "--labels", str(data / "labels"), "--out", str(run),
            "--config", "tiny", "--batch-size", "2", "--checkpoint-every", "2", "--sample-every", "0",
            "--bn-batches", "2", "--threads", "1", *extra]


def test_feature_d_run_trains_resumes_exports_and_segments(synthetic_data, tmp_path, capsys):
    run, model_dir = tmp_path / "run", tmp_path / "model"
    assert main(_args(synthetic_data, run, "--iterations", "2", "--discriminator", "efficientnet-lite0")) == 0
    spec = json.loads((run / RUN_FILE).read_text())
    assert spec["arch"]["d_kind"] == "efficientnet-lite0" and spec["trainer_version"] == 2
    assert main(_args(synthetic_data, run, "--iterations", "3", "--resume")) == 0
    # the D kind of a run is fixed: another one is refused by name
    assert main(_args(synthetic_data, run, "--iterations", "4", "--resume", "--discriminator", "unet")) == 2
    assert "'efficientnet-lite0' discriminator" in capsys.readouterr().err
    assert main(["export-oasis", "--run", str(run), "--out", str(model_dir)]) == 0
    model = load_model(model_dir)
    assert model.config.discriminator.kind == "efficientnet-lite0" and model.config.provenance["iterations"] == 3
    photo = np.random.default_rng(0).uniform(-1, 1, (3, 64, 64)).astype(np.float32)
    labels, logits = model.segment(photo)
    assert labels.shape == (64, 64) and logits.shape == (5, 64, 64)


@pytest.mark.parametrize("amx", [True, False])
def test_auto_precision_follows_the_cpu_probe(synthetic_data, tmp_path, monkeypatch, amx):
    monkeypatch.setattr(precision, "cpu_has_amx", lambda: amx)
    assert precision.training_dtype("auto", torch.device("cpu")) == (torch.bfloat16 if amx else torch.float32)
    assert precision.training_dtype("fp32", torch.device("cpu")) == torch.float32
    assert precision.training_dtype("bf16", torch.device("cpu")) == torch.bfloat16
    assert precision.training_dtype("auto", torch.device("cuda")) == torch.bfloat16
    run = tmp_path / "run"
    assert main(_args(synthetic_data, run, "--iterations", "1")) == 0
    state = json.loads((run / "state.json").read_text())
    assert all(np.isfinite(v) for v in state["last_losses"].values())
    assert json.loads((run / RUN_FILE).read_text())["settings"]["precision"] == "auto"


def test_unknown_training_precision_is_refused():
    with pytest.raises(InputError, match="training precision"):
        precision.training_dtype("fp16", torch.device("cpu"))


def _as_version_1(run):
    """run.json as the trainer before D kinds and --precision wrote it."""
    spec = json.loads((run / RUN_FILE).read_text())
    del spec["trainer_version"], spec["arch"]["d_kind"], spec["arch"]["d_decoder_widths"]
    settings = spec["settings"]
    del settings["precision"], settings["version"]  # that trainer wrote no settings version either
    settings.update(settings.pop("regularizers"))  # and kept the regulariser keys flat
    settings["bf16"] = False
    (run / RUN_FILE).write_text(json.dumps(spec))


def test_a_run_of_the_previous_trainer_version_resumes_as_it_was(synthetic_data, tmp_path):
    run = tmp_path / "run"
    assert main(_args(synthetic_data, run, "--iterations", "2", "--precision", "fp32")) == 0
    _as_version_1(run)
    spec = RunSpec.load(run)
    assert spec.arch.d_kind == "unet" and spec.settings.precision == "fp32"
    assert main(_args(synthetic_data, run, "--iterations", "3", "--resume")) == 0
    assert json.loads((run / "state.json").read_text())["iteration"] == 3
    assert json.loads((run / RUN_FILE).read_text())["trainer_version"] == 2  # rewritten in the current form


def test_a_run_of_a_newer_trainer_is_refused_with_its_version(synthetic_data, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(_args(synthetic_data, run, "--iterations", "1")) == 0
    spec = json.loads((run / RUN_FILE).read_text())
    spec["trainer_version"] = 99
    (run / RUN_FILE).write_text(json.dumps(spec))
    assert main(_args(synthetic_data, run, "--iterations", "2", "--resume")) == 2
    err = capsys.readouterr().err
    assert "newer trainer (version 99" in err and "run.json" in err
