"""Foreign checkpoints are never unpickled; bad files get one-line messages naming them."""

import os
import shutil

import pytest
import torch

from engine.cli import main
from engine.errors import InputError
from engine.importer import import_oasis_run
from tests.conftest import FIXTURE_RUN


class _Payload:
    """Unpickling this would run a shell command; weights_only loading must refuse it."""

    def __reduce__(self):
        return (os.system, ("touch /tmp/oasis_studio_pwned",))


def _copy_run(tmp_path):
    run = tmp_path / "run"
    shutil.copytree(FIXTURE_RUN, run, ignore=shutil.ignore_patterns("test_vectors"))
    return run


def test_checkpoint_carrying_code_is_refused(tmp_path, capsys):
    run = _copy_run(tmp_path)
    state = torch.load(run / "models" / "best_EMA.pth", weights_only=True)
    state["evil"] = _Payload()
    torch.save(state, run / "models" / "best_EMA.pth")
    if os.path.exists("/tmp/oasis_studio_pwned"):
        os.unlink("/tmp/oasis_studio_pwned")
    code = main(["import-oasis", str(run), "--out", str(tmp_path / "m"), "--height", "64", "--width", "64", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "refused" in err and "best_EMA.pth" in err
    assert not os.path.exists("/tmp/oasis_studio_pwned")
    assert not (tmp_path / "m").exists()


def test_truncated_checkpoint(tmp_path):
    run = _copy_run(tmp_path)
    p = run / "models" / "best_EMA.pth"
    p.write_bytes(p.read_bytes()[:5000])
    with pytest.raises(InputError, match="corrupt or truncated"):
        import_oasis_run(run, tmp_path / "m", height=64, width=64)


def test_nan_weights_refused(tmp_path):
    run = _copy_run(tmp_path)
    p = run / "models" / "best_EMA.pth"
    state = torch.load(p, weights_only=True)
    state["conv_img.weight"][0, 0, 0, 0] = float("nan")
    torch.save(state, p)
    with pytest.raises(InputError, match="conv_img.weight.*NaN"):
        import_oasis_run(run, tmp_path / "m", height=64, width=64)


def test_custom_dataset_needs_resolution(tmp_path, capsys):
    with pytest.raises(InputError, match="height and width must be given") as err:
        import_oasis_run(FIXTURE_RUN, tmp_path / "m")
    assert "--" not in str(err.value)  # the engine speaks to the editor too; the CLI adds its flags
    from engine.cli import main

    assert main(["import-oasis", str(FIXTURE_RUN), "--out", str(tmp_path / "m")]) == 2
    assert "--height and --width" in capsys.readouterr().err


def test_channels_checked_against_opt(tmp_path):
    run = _copy_run(tmp_path)
    opt = (run / "opt.txt").read_text().replace("channels_G: 8 ", "channels_G: 16")
    (run / "opt.txt").write_text(opt)
    with pytest.raises(InputError, match="channels_G 16 but the weights have 8"):
        import_oasis_run(run, tmp_path / "m", height=64, width=64)


def test_model_folder_weights_validated(tiny_model_dir, tmp_path):
    from safetensors.torch import load_file, save_file

    from engine.api import load_model

    bad = tmp_path / "bad"
    shutil.copytree(tiny_model_dir, bad)
    state = load_file(bad / "generator.safetensors")
    state["fc.weight"] = state["fc.weight"][:, :5].contiguous()
    save_file(state, bad / "generator.safetensors")
    with pytest.raises(InputError, match=r"generator: key 'fc.weight' has shape"):
        load_model(bad)
    (bad / "generator.safetensors").write_bytes(b"\x00" * 10)
    with pytest.raises(InputError, match="corrupt or truncated"):
        load_model(bad)
