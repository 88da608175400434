import dataclasses
import json

import numpy as np
import pytest
import torch

from engine.api import global_noise, load_model
from engine.cli import main
from engine.training.checkpoint import CHECKPOINT_FILE, read_checkpoint
from engine.training.cli import read_classes
from engine.training.data import load_pairs
from engine.training.presets import ARCH_PRESETS
from engine.training.settings import TrainSettings
from engine.training.trainer import OasisTrainer, RunSpec


def _spec(data, iterations):
    names, palette = read_classes(data / "classes.json")
    settings = TrainSettings(iterations=iterations, batch_size=2, checkpoint_every=2, sample_every=0, bn_batches=2,
                             snapshot_every=0)
    return RunSpec("tiny", ARCH_PRESETS["tiny"], names, palette, 0, settings, {"name": "synthetic"})


def _trainer(data, run_dir, iterations):
    spec = _spec(data, iterations)
    return OasisTrainer(run_dir, spec, load_pairs(data / "photos", data / "labels", len(spec.class_names)))


def test_cli_trains_exports_and_the_model_loads(synthetic_data, tmp_path):
    run, model_dir = tmp_path / "run", tmp_path / "model"
    args = ["train-oasis", "--data", str(synthetic_data / "photos"), "--labels", str(synthetic_data / "labels"),
            "--out", str(run), "--config", "tiny", "--iterations", "3", "--batch-size", "2",
            "--checkpoint-every", "2", "--sample-every", "3", "--bn-batches", "2", "--threads", "1"]
    assert main(args) == 0
    state = json.loads((run / "state.json").read_text())
    assert state["iteration"] == 3
    assert all(np.isfinite(v) for v in state["last_losses"].values())
    assert (run / "samples" / "iter_000003.png").is_file()
    assert main(args) == 2  # a second start without --resume refuses to overwrite the run
    assert main(args[:-10] + ["--iterations", "4", "--resume", "--threads", "1", "--lr-g", "3e-4"]) == 0
    assert json.loads((run / "state.json").read_text())["iteration"] == 4
    spec = json.loads((run / "run.json").read_text())  # a changed rate is used and recorded where it began
    assert spec["settings"]["lr_g"] == 3e-4 and spec["data"]["setting_changes"] == [{"iteration": 3, "lr_g": 3e-4}]
    assert spec["arch"]["upsample"] == "nearest"  # the tiny preset's
    # switching the generator's upsampling on a run keeps its weights and is recorded like a rate change
    assert main(args[:-10] + ["--iterations", "5", "--resume", "--threads", "1", "--upsample", "bilinear"]) == 0
    spec = json.loads((run / "run.json").read_text())
    assert spec["arch"]["upsample"] == "bilinear"
    assert spec["data"]["setting_changes"][-1] == {"iteration": 4, "upsample": "bilinear"}

    assert main(["export-oasis", "--run", str(run), "--out", str(model_dir)]) == 0
    model = load_model(model_dir)
    cfg = model.config
    assert cfg.generator.upsample == "bilinear"
    assert cfg.class_names == ("unknown", "sky", "water", "grass") and cfg.unknown_index == 0
    assert cfg.provenance["iterations"] == 5 and cfg.provenance["generator"] == "EMA"
    labels = np.ones((64, 64), np.int64)
    image = model.generate(labels, global_noise(cfg.z_dim, 0))
    assert image.shape == (3, 64, 64) and np.isfinite(image).all()
    seg, logits = model.segment(image)
    assert seg.shape == (64, 64) and logits.shape == (5, 64, 64)


def test_resume_gives_the_same_next_steps(synthetic_data, tmp_path):
    torch.set_num_threads(1)
    straight = _trainer(synthetic_data, tmp_path / "a", 4)
    straight.train()
    resumed_dir = tmp_path / "b"
    first = _trainer(synthetic_data, resumed_dir, 2)
    first.train()  # saves a checkpoint at iteration 2
    second = _trainer(synthetic_data, resumed_dir, 4)
    second.resume()
    assert second.iteration == 2
    second.train()
    a, _ = read_checkpoint(tmp_path / "a" / CHECKPOINT_FILE)
    b, _ = read_checkpoint(resumed_dir / CHECKPOINT_FILE)
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_snapshots_off_the_checkpoint_period_are_kept(synthetic_data, tmp_path):
    spec = _spec(synthetic_data, 6)
    spec.settings = dataclasses.replace(spec.settings, checkpoint_every=4, snapshot_every=3)
    trainer = OasisTrainer(tmp_path / "run", spec, load_pairs(synthetic_data / "photos", synthetic_data / "labels",
                                                             len(spec.class_names)))
    trainer.train()
    snapshots = sorted(p.name for p in (tmp_path / "run" / "snapshots").iterdir())
    assert snapshots == ["iter_000003.safetensors", "iter_000006.safetensors"]
    _, state = read_checkpoint(tmp_path / "run" / "snapshots" / "iter_000003.safetensors")
    assert state["iteration"] == 3


def test_export_refuses_a_folder_without_checkpoint(tmp_path):
    from engine.errors import InputError
    from engine.training.export import export_run

    with pytest.raises(InputError):
        export_run(tmp_path, tmp_path / "out")


def test_checkpoint_has_no_pickle(synthetic_data, tmp_path):
    t = _trainer(synthetic_data, tmp_path / "run", 2)
    t.train()
    data = (tmp_path / "run" / CHECKPOINT_FILE).read_bytes()
    header_len = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + header_len])
    assert "state_json" in header["__metadata__"]
    assert all(v["dtype"] in ("F32", "I64", "U8") for k, v in header.items() if k != "__metadata__")


def test_init_from_starts_a_new_run_from_trained_weights(synthetic_data, tmp_path, capsys):
    source = _trainer(synthetic_data, tmp_path / "source", 2)
    source.train()
    tuned = _trainer(synthetic_data, tmp_path / "tuned", 1)
    record = tuned.init_from(tmp_path / "source" / CHECKPOINT_FILE)
    assert record["iteration"] == 2 and tuned.iteration == 0
    for a, b in zip(source.EMA.state_dict().values(), tuned.EMA.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    for a, b in zip(source.D.parameters(), tuned.D.parameters(), strict=True):
        assert torch.equal(a, b)
    tuned.train()  # and it trains on from there
    assert tuned.iteration == 1

    base = ["train-oasis", "--data", str(synthetic_data / "photos"), "--labels", str(synthetic_data / "labels"),
            "--config", "tiny", "--iterations", "1", "--batch-size", "2", "--bn-batches", "2", "--threads", "1"]
    assert main(base + ["--out", str(tmp_path / "cli"), "--init-from", str(tmp_path / "source")]) == 0
    assert json.loads((tmp_path / "cli" / "run.json").read_text())["data"]["init_from"]["iteration"] == 2
    # --init-from starts a new run: with --resume it is refused, naming the source
    assert main(base + ["--out", str(tmp_path / "cli"), "--init-from", str(tmp_path / "source"), "--resume"]) == 2
    assert "cannot be combined with --resume" in capsys.readouterr().err
    # a run of another architecture is refused by name, in one line
    other = ["--out", str(tmp_path / "x"), "--init-from", str(tmp_path / "source"), "--config", "light"]
    assert main(base + other) == 2
    assert "checkpoint.safetensors" in capsys.readouterr().err
