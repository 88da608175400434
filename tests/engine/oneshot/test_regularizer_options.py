"""The regulariser options of the one-shot trainer: they run, add a positive term, change the
gradient, and a resumed run with them on continues exactly."""
import math

import pytest
import torch

from engine.oneshot import checkpoint as ckpt
from engine.oneshot.errors import OneShotInputError
from engine.oneshot.trainer import OneShotTrainer, prepare_run_data, train

from .oneshot_testdata import tiny_config

OPTIONS = {"adaptivemix": (dict(adaptivemix=1.0), ["d_adaptivemix"]),
           "mixdl": (dict(mixdl=True), ["d_mixdl", "g_mixdl"]),
           "asa": (dict(asa=1.0), ["d_asa"])}


def _trainer(tmp_path, masks=False, **options):
    cfg = tiny_config(masks, iterations=4, **options)
    cfg.save(str(tmp_path))
    prepare_run_data(cfg, str(tmp_path))
    return OneShotTrainer(cfg, str(tmp_path))


@pytest.mark.parametrize("masks", [False, True], ids=["sivgan", "osmis"])
@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_option_adds_a_positive_finite_term(tmp_path, name, masks):
    options, keys = OPTIONS[name]
    if name == "asa" and masks:
        with pytest.raises(OneShotInputError, match="asa"):
            _trainer(tmp_path, masks, **options)
        return
    t = _trainer(tmp_path, masks, **options)
    for _ in range(4):
        losses = t.step()
    assert all(math.isfinite(float(v)) for v in losses.values())
    for k in keys:
        assert float(losses[k]) > 0, (k, float(losses[k]))


@pytest.mark.parametrize("name", sorted(OPTIONS))
def test_option_changes_the_discriminator_update(tmp_path, name):
    """Same seed, same data: after one step with the option D's weights differ from the baseline's.
    (ASA's lambda ramps from 0, so two steps are compared.)"""
    base = _trainer(tmp_path / "base")
    on = _trainer(tmp_path / "on", **OPTIONS[name][0])
    for _ in range(2):
        base.step()
        on.step()
    d_base, d_on = base.D.state_dict(), on.D.state_dict()
    assert any(not torch.equal(d_base[k], d_on[k]) for k in d_base)


def test_options_off_leave_checkpoints_unchanged(tmp_path):
    t = _trainer(tmp_path)
    assert t.reg is None and set(t.modules()) == {"G", "D", "G_ema"}


def test_resume_with_all_options_is_exact(tmp_path):
    options = dict(adaptivemix=1.0, mixdl=True, asa=1.0, asa_ramp_iters=10)  # same ramp in both runs
    straight, split = str(tmp_path / "straight"), str(tmp_path / "split")
    train(tiny_config(False, iterations=3, **options), straight)
    train(tiny_config(False, iterations=2, **options), split)
    train(None, split, resume=True, iterations=3)
    a, b = ckpt.read_state(straight)[1], ckpt.read_state(split)[1]
    assert a.keys() == b.keys()
    assert any(k.startswith("REG.proj.") for k in a) and any(k.startswith("optP.") for k in a)
    assert int(a["REG.real_count"]) > 0
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, different[:5]
