"""The one config scheme of stored run settings (engine/versioned_config.py): run folders written before
it still load, unknown keys are refused by name with the file named, values are validated."""

import dataclasses
import json

import pytest

from engine.errors import InputError
from engine.oneshot.config import OneShotConfig, config_for_size
from engine.oneshot.errors import OneShotInputError
from engine.regularizers import RegularizerSettings
from engine.training.presets import ARCH_PRESETS
from engine.training.settings import TrainSettings
from engine.training.trainer import RunSpec

# "settings" of a run.json exactly as the trainer wrote it before the scheme (trainer version 2, flat
# regularisers, no settings version).
OLD_SETTINGS = {
    "iterations": 7, "batch_size": 4, "lr_g": 0.0001, "lr_d": 0.0004, "beta1": 0.0, "beta2": 0.999,
    "lambda_labelmix": 10.0, "ema_decay": 0.999, "bn_batches": 50, "per_class_noise_prob": 0.25, "seed": 0,
    "checkpoint_every": 200, "sample_every": 200, "snapshot_every": 1000, "precision": "auto",
    "channels_last": False, "augment": {"colour": True, "colour_strength": 1.0, "translation": 0.125,
                                        "cutout": 0.25, "cutout_prob": 0.5},
    "copy_paste_prob": 0.3, "min_zoom": 0.9, "max_zoom": 1.3, "data_augment": "ours", "height": 0, "width": 0,
    "load_scale": 1.1171875, "adaptivemix": 0.5, "mixdl": False, "mixdl_lambda_g": 1000.0, "mixdl_lambda_d": 1.0,
    "mixdl_latents": 3, "asa": 0.25, "asa_ramp_iters": 7,
}
# config.json of a one-shot run as written before the scheme (flat regularisers, no version).
OLD_ONESHOT = {
    "images": "x.png", "masks": None, "preset": "cpu", "max_size": 112, "max_frames": 100, "source_hw": [48, 64],
    "scaled_hw": [48, 64], "train_hw": [48, 64], "noise_shape": [3, 4], "z_dim": 64, "g_blocks": 5,
    "d_blocks": 6, "d_low_blocks": 2, "num_mask_channels": 0, "ch_g": 16, "ch_d": 16,
    "g_channels": [128, 128, 128, 64, 32, 16], "d_channels": [16, 32, 64, 128, 128, 128, 128], "batch_size": 5,
    "lr_g": 0.0005, "lr_d": 0.0005, "betas": [0.5, 0.999], "ema_decay": 0.995, "diffaug_prob": 0.3,
    "fa_prob": 0.4, "div_weight": 0.15, "bernoulli_warmup_iters": 450, "iterations": 5, "precision": "fp32",
    "channels_last": True, "reuse_fake_for_g": True, "fused_adam": True, "resample_in_conv": True,
    "g_spectral_norm": False, "ema_warmup": True, "seed": 0, "threads": 2, "checkpoint_every": 500,
    "preview_every": 250, "progress_every": 50, "num_frames": 1, "adaptivemix": 0.0, "mixdl": True,
    "mixdl_lambda_g": 1000.0, "mixdl_lambda_d": 1.0, "mixdl_anchors": 2, "asa": 0.0, "asa_ramp_iters": 0,
}


def _old_run_json(run_dir, settings, trainer_version=2):
    arch = dataclasses.asdict(ARCH_PRESETS["tiny"])
    d = {"preset": "tiny", "arch": arch, "class_names": ["unknown", "sky"], "palette": [[0, 0, 0], [0, 0, 255]],
         "unknown_index": 0, "settings": settings, "data": {"name": "synthetic"}}
    if trainer_version > 1:
        d["trainer_version"] = trainer_version
    (run_dir / "run.json").write_text(json.dumps(d, indent=1))


def test_run_json_of_the_previous_version_loads_with_its_regularisers(tmp_path):
    _old_run_json(tmp_path, OLD_SETTINGS)
    s = RunSpec.load(tmp_path).settings
    assert s.regularizers == RegularizerSettings(adaptivemix=0.5, asa=0.25, asa_ramp_iters=7)
    assert (s.iterations, s.precision, s.mixdl_latents, s.augment.cutout) == (7, "auto", 3, 0.25)


def test_run_json_of_trainer_version_1_keeps_its_bf16_switch(tmp_path):
    old = {k: v for k, v in OLD_SETTINGS.items() if k != "precision"} | {"bf16": True}
    _old_run_json(tmp_path, old, trainer_version=1)
    assert RunSpec.load(tmp_path).settings.precision == "bf16"


def test_settings_round_trip_through_run_json(tmp_path):
    s = TrainSettings(iterations=9, regularizers=RegularizerSettings(mixdl=True))
    spec = RunSpec("tiny", ARCH_PRESETS["tiny"], ("unknown", "sky"), ((0, 0, 0), (0, 0, 255)), 0, s, {})
    (tmp_path / "run.json").write_text(spec.to_json())
    stored = json.loads((tmp_path / "run.json").read_text())["settings"]
    assert stored["version"] == TrainSettings.VERSION and stored["regularizers"]["mixdl"] is True
    assert RunSpec.load(tmp_path).settings == s


@pytest.mark.parametrize("where", ["top", "augment", "regularizers"])
def test_unknown_setting_is_refused_by_name_with_the_file(tmp_path, where):
    d = TrainSettings().to_dict()
    (d if where == "top" else d[where])["lr_gg"] = 1.0
    _old_run_json(tmp_path, d)
    with pytest.raises(InputError, match="unknown setting 'lr_gg'") as e:
        RunSpec.load(tmp_path)
    assert e.value.path == str(tmp_path / "run.json")


def test_settings_of_a_newer_version_are_refused(tmp_path):
    _old_run_json(tmp_path, TrainSettings().to_dict() | {"version": TrainSettings.VERSION + 1})
    with pytest.raises(InputError, match="newer version"):
        RunSpec.load(tmp_path)


def test_validate_lists_every_bad_value():
    bad = TrainSettings(batch_size=0, ema_decay=1.5, precision="fp16",
                        regularizers=RegularizerSettings(adaptivemix=-1.0))
    with pytest.raises(InputError) as e:
        bad.validate("run.json")
    msg = str(e.value)
    assert msg.startswith("run.json: TrainSettings: ")
    for part in ("batch_size must be >= 1 (got 0)", "ema_decay must be in [0.0, 1.0] (got 1.5)",
                 "precision must be one of", "regularizers.adaptivemix must be >= 0"):
        assert part in msg
    TrainSettings().validate()  # the defaults are valid


def test_oneshot_config_of_the_previous_version_loads(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(OLD_ONESHOT, indent=2))
    cfg = OneShotConfig.load(str(tmp_path))
    assert cfg == config_for_size(48, 64, images="x.png", iterations=5, mixdl=True)
    assert cfg.regularizers.mixdl and cfg.noise_shape == (3, 4) and cfg.mixdl_anchors == 2


def test_oneshot_config_refuses_unknown_keys_and_bad_values_naming_the_file(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(OLD_ONESHOT | {"ch_gg": 3}))
    with pytest.raises(OneShotInputError, match="unknown setting 'ch_gg'") as e:
        OneShotConfig.load(str(tmp_path))
    assert e.value.path == str(path)
    path.write_text(json.dumps(OLD_ONESHOT | {"fa_prob": 2.0}))
    with pytest.raises(OneShotInputError, match=r"fa_prob must be in \[0.0, 1.0\] \(got 2.0\)"):
        OneShotConfig.load(str(tmp_path))


def test_oneshot_config_round_trip(tmp_path):
    cfg = config_for_size(48, 64, images="x.png", iterations=5, asa=0.5)
    assert cfg.regularizers.asa_ramp_iters == 5  # ASA's ramp defaults to the run length
    cfg.save(str(tmp_path))
    assert json.loads((tmp_path / "config.json").read_text())["version"] == OneShotConfig.VERSION
    assert OneShotConfig.load(str(tmp_path)) == cfg
