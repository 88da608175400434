"""train-oasis --dataset ... --data ROOT on the tiny layouts, then export-oasis: the model carries the
dataset's classes, palette and training size."""

import json

from engine.cli import main
from engine.model_folder import load_model_folder

from . import layouts

TINY = ["--config", "tiny", "--iterations", "2", "--batch-size", "2", "--threads", "1", "--bn-batches", "1",
        "--checkpoint-every", "1", "--sample-every", "2"]


def test_folder_dataset_multiscale_run_and_export(tmp_path):
    root = layouts.folder(tmp_path / "data", 3, size=(200, 260))
    run = tmp_path / "run"
    assert main(["train-oasis", "--dataset", "folder", "--data", str(root), "--out", str(run), *TINY,
                 "--workers", "1", "--max-zoom", "3", "--dataset-name", "landscapes"]) == 0
    spec = json.loads((run / "run.json").read_text())
    assert spec["settings"]["data_augment"] == "ours" and spec["settings"]["max_zoom"] == 3.0
    assert spec["data"]["distributed"] == {"world_size": 1, "per_process_batch": 2, "backend": None}
    assert spec["class_names"] == ["unknown", "sky", "water", "grass"]
    assert (run / "samples" / "iter_000002.png").is_file() and (run / "dataset_check.json").is_file()
    assert main(["export-oasis", "--run", str(run), "--out", str(tmp_path / "model")]) == 0
    cfg = load_model_folder(tmp_path / "model")[0]
    assert cfg.class_names == ("unknown", "sky", "water", "grass") and cfg.dataset == "landscapes"
    assert cfg.palette == tuple(c for _, c in layouts.FOLDER_CLASSES) and (cfg.height, cfg.width) == (64, 64)


def test_cityscapes_public_augmentation_at_the_given_size(tmp_path):
    root = layouts.cityscapes(tmp_path / "cs", 2)
    run = tmp_path / "run"
    assert main(["train-oasis", "--dataset", "cityscapes", "--data", str(root), "--out", str(run), *TINY,
                 "--workers", "0", "--height", "64", "--width", "128"]) == 0
    s = json.loads((run / "run.json").read_text())["settings"]
    assert (s["data_augment"], s["height"], s["width"], s["copy_paste_prob"]) == ("public", 64, 128, 0.0)
    assert s["augment"]["colour"] is False and s["augment"]["translation"] == 0.0
    assert main(["train-oasis", "--dataset", "cityscapes", "--data", str(root), "--out", str(run), "--resume",
                 "--iterations", "3", "--threads", "1", "--workers", "0"]) == 0
    assert main(["export-oasis", "--run", str(run), "--out", str(tmp_path / "model")]) == 0
    cfg = load_model_folder(tmp_path / "model")[0]
    assert (cfg.height, cfg.width) == (64, 128) and len(cfg.class_names) == 35 and cfg.dataset == "cityscapes"


def test_steps_past_the_planned_iterations_keep_drawing(tmp_path):
    from engine.training.distributed import Distributed
    from tests.engine.training.ddp_worker import make_trainer

    trainer = make_trainer(tmp_path / "run", layouts.folder(tmp_path / "data", 2), 2, Distributed(), iterations=1)
    for _ in range(3):
        trainer.step()
    assert trainer.iteration == 3
