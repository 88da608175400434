"""The generator's feature reconstruction loss (--lambda-perceptual): what it measures, where its
gradients go, and that train-oasis records it, resumes with it and leaves runs without it unchanged."""

import json

import pytest
import torch

from engine.cli import main
from engine.training.reconstruction import FeatureReconstruction
from engine.training.trainer import RUN_FILE

from .test_feature_d_training import _args


@pytest.fixture(scope="module")
def loss():
    return FeatureReconstruction()


def test_distance_is_zero_for_the_photo_itself_and_grows_with_the_difference(loss):
    gen = torch.Generator().manual_seed(0)
    photo = torch.rand(2, 3, 64, 64, generator=gen) * 2 - 1
    noise = torch.randn(2, 3, 64, 64, generator=gen)
    assert loss(photo, photo).item() < 1e-5
    near = loss((photo + 0.05 * noise).clamp(-1, 1), photo).item()
    far = loss((photo + 0.5 * noise).clamp(-1, 1), photo).item()
    assert 0 < near < far
    # a palette change the features barely see is still caught by the colour term
    assert loss((photo + 0.3).clamp(-1, 1), photo).item() > loss(photo, photo).item() + 0.1


def test_gradients_reach_the_image_but_not_the_frozen_backbone(loss):
    fake = torch.zeros(1, 3, 32, 32, requires_grad=True)
    real = torch.rand(1, 3, 32, 32) * 2 - 1
    loss(fake, real).backward()
    assert fake.grad is not None and fake.grad.abs().sum() > 0
    assert all(p.grad is None and not p.requires_grad for p in loss._backbone[0].parameters())
    assert list(loss.parameters()) == []  # nothing of it is trained or stored with the run


@pytest.mark.parametrize("d_kind", ["unet", "efficientnet-lite0"])
def test_train_oasis_records_the_weight_and_reports_the_term(synthetic_data, tmp_path, d_kind):
    run = tmp_path / "run"
    assert main(_args(synthetic_data, run, "--iterations", "2", "--discriminator", d_kind,
                      "--lambda-perceptual", "2")) == 0
    assert json.loads((run / RUN_FILE).read_text())["settings"]["lambda_perceptual"] == 2
    losses = json.loads((run / "state.json").read_text())["last_losses"]
    assert losses["g_perceptual"] > 0
    # a resume may change the weight; the change is recorded with its iteration
    assert main(_args(synthetic_data, run, "--iterations", "3", "--resume", "--lambda-perceptual", "0.5")) == 0
    spec = json.loads((run / RUN_FILE).read_text())
    assert spec["settings"]["lambda_perceptual"] == 0.5
    assert {"iteration": 2, "lambda_perceptual": 0.5}.items() <= spec["data"]["setting_changes"][-1].items()


def test_without_the_flag_the_run_is_oasis_as_published(synthetic_data, tmp_path):
    run = tmp_path / "run"
    assert main(_args(synthetic_data, run, "--iterations", "1")) == 0
    assert json.loads((run / RUN_FILE).read_text())["settings"]["lambda_perceptual"] == 0
    assert "g_perceptual" not in json.loads((run / "state.json").read_text())["last_losses"]


def test_a_negative_weight_is_refused(synthetic_data, tmp_path, capsys):
    assert main(_args(synthetic_data, tmp_path / "run", "--iterations", "1", "--lambda-perceptual", "-1")) == 2
    assert "lambda_perceptual" in capsys.readouterr().err


def test_a_negative_weight_on_resume_is_refused_and_the_run_kept(synthetic_data, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(_args(synthetic_data, run, "--iterations", "1")) == 0
    before = (run / RUN_FILE).read_text()
    assert main(_args(synthetic_data, run, "--iterations", "2", "--resume", "--lambda-perceptual", "-1")) == 2
    assert "lambda_perceptual" in capsys.readouterr().err
    assert (run / RUN_FILE).read_text() == before
