"""tune-segmenter: a run's discriminator trained further on real crops alone, into a copy of the run."""

import json

import torch

from engine.cli import main
from engine.training import checkpoint as ckpt
from engine.training.trainer import RUN_FILE

from .test_feature_d_training import _args


def _tensors(run):
    return ckpt.read_checkpoint(run / ckpt.CHECKPOINT_FILE)[0]


def test_tuning_changes_d_only_and_keeps_the_source_run(synthetic_data, tmp_path, capsys):
    run, tuned, model = tmp_path / "run", tmp_path / "tuned", tmp_path / "model"
    assert main(_args(synthetic_data, run, "--iterations", "2", "--discriminator", "efficientnet-lite0")) == 0
    before = _tensors(run)
    run_json = (run / RUN_FILE).read_text()
    assert main(["tune-segmenter", "--run", str(run), "--out", str(tuned), "--iterations", "3", "--threads", "1",
                 "--workers", "0", "--log-every", "1"]) == 0
    assert "segmenter it 3/3" in capsys.readouterr().out
    after = _tensors(tuned)
    g_keys = [k for k in before if k.startswith(("G.", "EMA."))]
    d_keys = [k for k in before if k.startswith("D.decode")]
    assert g_keys and d_keys
    # G and the EMA generator are unchanged (the EMA's BatchNorm statistics are recollected at save)
    assert all(torch.equal(before[k], after[k]) for k in g_keys if k.startswith("G."))
    assert any(not torch.equal(before[k], after[k]) for k in d_keys)
    assert all(torch.equal(before[k], after[k]) for k in before if k.startswith("D.backbone"))  # frozen
    assert (run / RUN_FILE).read_text() == run_json and all(torch.equal(before[k], _tensors(run)[k]) for k in d_keys)
    record = json.loads((tuned / RUN_FILE).read_text())["data"]["segmenter_tuning"][-1]
    assert record["iterations"] == 3 and record["from_run"] == str(run)
    assert json.loads((tuned / "state.json").read_text())["iteration"] == 2  # the GAN's count is kept
    assert main(["export-oasis", "--run", str(tuned), "--out", str(model)]) == 0


def test_tuning_refuses_bad_arguments_by_name(synthetic_data, tmp_path, capsys):
    run, tuned = tmp_path / "run", tmp_path / "tuned"
    assert main(["tune-segmenter", "--run", str(run), "--out", str(tuned)]) == 2
    assert "not a training run folder" in capsys.readouterr().err
    assert main(_args(synthetic_data, run, "--iterations", "1")) == 0
    assert main(["tune-segmenter", "--run", str(run), "--out", str(tuned), "--iterations", "0"]) == 2
    assert "--iterations" in capsys.readouterr().err
    (tuned / "x").parent.mkdir()
    (tuned / "x").write_text("keep me")
    assert main(["tune-segmenter", "--run", str(run), "--out", str(tuned), "--iterations", "1"]) == 2
    assert "not empty" in capsys.readouterr().err and (tuned / "x").read_text() == "keep me"


def test_unbalanced_tuning_is_recorded(synthetic_data, tmp_path):
    run, tuned = tmp_path / "run", tmp_path / "tuned"
    assert main(_args(synthetic_data, run, "--iterations", "1")) == 0
    assert main(["tune-segmenter", "--run", str(run), "--out", str(tuned), "--iterations", "2", "--unbalanced",
                 "--threads", "1", "--workers", "0"]) == 0
    record = json.loads((tuned / RUN_FILE).read_text())["data"]["segmenter_tuning"][-1]
    assert record["balanced"] is False and record["last_loss"] > 0


def test_export_takes_the_segmenter_from_another_run_of_the_same_classes(synthetic_data, tmp_path, capsys):
    from engine.api import load_model

    g_run, d_run, model_dir = tmp_path / "g", tmp_path / "d", tmp_path / "model"
    assert main(_args(synthetic_data, g_run, "--iterations", "1")) == 0
    assert main(_args(synthetic_data, d_run, "--iterations", "1", "--discriminator", "efficientnet-lite0",
                      "--seed", "3")) == 0
    assert main(["export-oasis", "--run", str(g_run), "--out", str(model_dir), "--segmenter-from", str(d_run)]) == 0
    model = load_model(model_dir)
    assert model.config.discriminator.kind == "efficientnet-lite0"
    seg = model.config.provenance["segmenter"]
    assert seg["run"] == str(d_run) and seg["d_kind"] == "efficientnet-lite0"
    tensors = _tensors(d_run)
    own = {k[len("D."):]: v for k, v in tensors.items() if k.startswith("D.layer_up_last.")}
    shipped = dict(model.discriminator.layer_up_last.state_dict())
    assert all(torch.allclose(own[f"layer_up_last.{k}"].float(), v.float()) for k, v in shipped.items())

    # a run on other classes is refused by name, and nothing is written
    spec_path = d_run / RUN_FILE
    spec = json.loads(spec_path.read_text())
    spec["class_names"] = list(reversed(spec["class_names"]))
    spec_path.write_text(json.dumps(spec))
    assert main(["export-oasis", "--run", str(g_run), "--out", str(tmp_path / "m2"), "--segmenter-from",
                 str(d_run)]) == 2
    assert "classes differ" in capsys.readouterr().err and not (tmp_path / "m2").exists()
