"""Written files get the mode the user's umask gives, or keep the mode of the file they replace
(the atomic writer's temporary files are 0600 and its temporary folders 0700)."""

import os
import stat

import numpy as np
import pytest
import torch

from engine.fileio import atomic_write_text, current_umask
from engine.imagefiles import write_picture
from engine.model_folder import load_model_folder, save_model_folder
from engine.oneshot.checkpoint import save_checkpoint


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(params=[0o022, 0o002], ids=["umask-022", "umask-002"])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def test_umask_is_read_without_changing_it(umask):
    assert current_umask() == umask
    assert current_umask() == umask


def test_new_files_and_folders_get_the_umask_mode(umask, tmp_path, tiny_model_dir):
    image = tmp_path / "exported.png"
    write_picture(image, np.zeros((8, 8, 3), np.uint8))
    assert _mode(image) == 0o666 & ~umask
    cfg, gen, disc = load_model_folder(tiny_model_dir)
    folder = save_model_folder(tmp_path / "model", cfg, gen.state_dict(), disc.state_dict())
    assert _mode(folder) == 0o777 & ~umask
    assert {p.name: _mode(p) for p in folder.iterdir()} == {p.name: 0o666 & ~umask for p in folder.iterdir()}
    weights = save_checkpoint(str(tmp_path / "run"), 1, {"G": torch.nn.Linear(2, 2)}, {})
    assert _mode(weights) == 0o666 & ~umask
    assert _mode(tmp_path / "run" / "checkpoints" / "state.json") == 0o666 & ~umask


@pytest.mark.parametrize("existing", [0o644, 0o664, 0o640])
def test_a_replaced_file_keeps_its_mode(umask, tmp_path, existing):
    path = tmp_path / "project.txt"
    path.write_text("old")
    os.chmod(path, existing)
    atomic_write_text(path, "new")
    assert path.read_text() == "new" and _mode(path) == existing
