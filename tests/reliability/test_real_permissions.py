"""Permission errors raised by the operating system, not simulated: the CLI and the editor meet a
folder they may not write (when the suite runs as root, without the capabilities that bypass file
permissions -- see unprivileged.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from .synthetic import write_dataset
from .unprivileged import Sandbox


@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox()
    yield box
    box.cleanup()


def _one_line_error(proc, path_fragment: str):
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), proc.stderr
    assert "Permission denied" in err[0] and path_fragment in err[0], err[0]
    assert ".tmp" not in err[0], err[0]  # the file the user asked for, not our hidden temporary sibling
    return err[0]


def test_the_child_really_cannot_write(sandbox):
    proc = sandbox.run(["-c", f"open({str(sandbox.readonly / 'x')!r}, 'w')"])
    assert proc.returncode != 0 and "PermissionError" in proc.stderr


def test_generate_into_a_read_only_folder(sandbox, tiny_model_dir):
    labels = sandbox.root / "labels.png"
    Image.fromarray(np.zeros((64, 64), np.uint8), mode="L").save(labels)
    out = sandbox.readonly / "image.png"
    proc = sandbox.run(["-m", "engine", "generate", "--model", str(tiny_model_dir), "--labels", str(labels),
                        "--out", str(out)])
    assert _one_line_error(proc, str(out)) == f"error: {out}: Permission denied"
    assert not out.exists()


def test_import_into_a_read_only_folder(sandbox):
    from tests.conftest import FIXTURE_RUN as run

    proc = sandbox.run(["-m", "engine", "import-oasis", str(run), "--out", str(sandbox.readonly / "model"),
                        "--height", "64", "--width", "64", "--quiet"])
    _one_line_error(proc, str(sandbox.readonly))


def test_training_into_a_read_only_folder_and_a_locked_run(sandbox, tmp_path):
    data = write_dataset(tmp_path / "data")

    def args(out, iterations=2, *extra):
        return ["-m", "engine", "train-oasis", "--data", str(data / "photos"), "--labels", str(data / "labels"),
                "--classes", str(data / "classes.json"), "--config", "tiny", "--iterations", str(iterations),
                "--batch-size", "1", "--checkpoint-every", "2", "--sample-every", "0", "--threads", "1",
                "--log-every", "1", "--out", str(out), *extra]

    proc = sandbox.run(args(sandbox.readonly / "run"))
    _one_line_error(proc, str(sandbox.readonly))

    # A run written earlier by someone else (here: a folder the child may read but not write):
    # resuming reports the first checkpoint it cannot write and leaves the old checkpoint intact.
    run = sandbox.root / "run"
    first = sandbox.run(args(run))
    assert first.returncode == 0, first.stderr
    checkpoint = run / "checkpoint.safetensors"
    before = checkpoint.read_bytes()
    run.chmod(0o555)
    for f in run.iterdir():
        f.chmod(0o444)
    try:
        proc = sandbox.run(args(run, 4, "--resume"))
        _one_line_error(proc, str(run))
        assert checkpoint.read_bytes() == before
    finally:
        run.chmod(0o755)


def test_oneshot_training_into_a_read_only_folder(sandbox):
    from tests.engine.oneshot.oneshot_testdata import BMX_IMAGE

    proc = sandbox.run(["-m", "engine", "train-oneshot", "--images", BMX_IMAGE, "--out",
                        str(sandbox.readonly / "oneshot"), "--iterations", "2", "--max-size", "48", "--threads", "1"])
    _one_line_error(proc, str(sandbox.readonly))


def test_editor_save_and_autosave_into_read_only_folders(sandbox, tiny_model_dir):
    out = sandbox.root / "result.json"
    proc = sandbox.run(["-m", "tests.reliability.permission_child", str(tiny_model_dir), str(sandbox.readonly),
                        str(out)], env={"QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr
    r = json.loads(out.read_text())
    assert not r["saved"] and not r["target_exists"]
    assert r["errors_shown"] == [f"{sandbox.readonly / 'work.oasisproj'}: Permission denied"]
    assert r["project_path"] is None  # the failed "save as" did not adopt the unwritable path
    assert not r["autosaved"] and r["autosave_error"] == "Autosave failed: Permission denied"
    assert r["status_bar"] == r["autosave_error"]
    assert r["labels_kept"] and r["noise_kept"] and r["still_unsaved"]
