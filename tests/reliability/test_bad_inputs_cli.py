"""Every kind of bad input tried against the CLI: exit code 2, one line naming the file, no traceback.

Each case builds a bad file in tmp_path and runs the real command line (in-process `engine.cli.main`,
so an escaping exception fails the test with its traceback). docs/reliability.md lists these cases.
A few run as subprocesses to prove the actual exit code and stderr of `python -m engine`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from engine.cli import main

from . import badfiles as bf
from .synthetic import write_dataset

REPO = Path(__file__).resolve().parents[2]
LONG = "x" * 200  # a long (but legal) file-name component


def _labels(tmp, name="labels.png", value=1, shape=(64, 64)):
    return bf.indexed_png(tmp / name, np.full(shape, value))


# Each case: (id, build(tmp, model) -> (argv, path that the message must name)).
def _generate(labels, model, extra=()):
    return ["generate", "--model", str(model), "--labels", str(labels), "--out", str(labels.parent / "out.png"),
            *extra]


CASES = {
    # --- label maps --------------------------------------------------------------------------
    "labels missing": lambda t, m: (_generate(t / "nope.png", m), "nope.png"),
    "labels is a directory": lambda t, m: (_generate(t, m), str(t)),
    "labels empty file": lambda t, m: (_generate(bf.garbage(t / "e.png", 0), m), "e.png"),
    "labels random bytes": lambda t, m: (_generate(bf.garbage(t / "g.png"), m), "g.png"),
    "labels truncated png": lambda t, m: (_generate(bf.truncated(t / "tr.png", _labels(t)), m), "tr.png"),
    "labels RGB (wrong mode)": lambda t, m: (_generate(bf.rgb_png(t / "rgb.png"), m), "rgb.png"),
    "labels class out of range": lambda t, m: (_generate(_labels(t, value=200), m), "labels.png"),
    "labels wrong size": lambda t, m: (_generate(_labels(t, shape=(50, 70)), m), "labels.png"),
    "labels decompression bomb": lambda t, m: (_generate(bf.png_header_only(t / "bomb.png", 30000, 30000), m),
                                               "bomb.png"),
    "labels absurd dimensions": lambda t, m: (_generate(bf.png_header_only(t / "wide.png", 2**31 - 1, 1), m),
                                              "wide.png"),
    "labels npy float": lambda t, m: (_generate(_npy(t / "f.npy", np.zeros((64, 64), np.float32)), m), "f.npy"),
    "labels npy 3-D": lambda t, m: (_generate(_npy(t / "d3.npy", np.zeros((2, 64, 64), np.int64)), m), "d3.npy"),
    "labels npy pickled object": lambda t, m: (_generate(_pickled_npy(t / "obj.npy"), m), "obj.npy"),
    "labels npy truncated": lambda t, m: (_generate(bf.truncated(t / "t.npy", _npy(t / "ok.npy", np.zeros((64, 64), np.int64))), m), "t.npy"),
    "labels unicode + spaces path (out of range)": lambda t, m: (
        _generate(_labels(_mk(t / "Bäume und Wasser ☁"), name="карта 1.png", value=99), m), "карта 1.png"),
    "labels very long file name": lambda t, m: (_generate(t / (LONG + ".png"), m), LONG),
    "labels name too long for the OS": lambda t, m: (_generate(t / ("y" * 300 + ".png"), m), "y" * 50),
    # --- noise --------------------------------------------------------------------------------
    "noise NaN": lambda t, m: (_generate(_labels(t), m, ["--noise", str(_npy(t / "n.npy", np.full((4,), np.nan, np.float32)))]), "n.npy"),
    "noise wrong shape": lambda t, m: (_generate(_labels(t), m, ["--noise", str(_npy(t / "n.npy", np.zeros((3, 5), np.float32)))]), "n.npy"),
    "noise wrong dtype": lambda t, m: (_generate(_labels(t), m, ["--noise", str(_npy(t / "n.npy", np.zeros((64,), np.int32)))]), "n.npy"),
    # --- model folders -----------------------------------------------------------------------
    "model folder missing": lambda t, m: (_generate(_labels(t), t / "no_model"), "no_model"),
    "model path is a file": lambda t, m: (_generate(_labels(t), _labels(t, "f.png")), "f.png"),
    "model config not JSON": lambda t, m: (_generate(_labels(t), _cfg_text(t, m, "{oops")), "config.json"),
    "model config missing key": lambda t, m: (_generate(_labels(t), bf.edit_config(_cp(t, m), lambda c: c.pop("height"))), "config.json"),
    "model config wrong type": lambda t, m: (_generate(_labels(t), bf.edit_config(_cp(t, m), lambda c: c.update(class_names=5))), "config.json"),
    "model config absurd size": lambda t, m: (_generate(_labels(t), bf.edit_config(_cp(t, m), lambda c: c.update(height=10**9))), "config.json"),
    "model config negative classes": lambda t, m: (_generate(_labels(t), bf.edit_config(_cp(t, m), lambda c: c["generator"].update(semantic_nc=-3))), "config.json"),
    "model config unknown upsample": lambda t, m: (_generate(_labels(t), bf.edit_config(_cp(t, m), lambda c: c["generator"].update(upsample="bicubic"))), "config.json"),
    "model weights NaN": lambda t, m: (_generate(_labels(t), bf.edit_weights(_cp(t, m), _nan_first)), "generator.safetensors"),
    "model weights wrong shape": lambda t, m: (_generate(_labels(t), bf.edit_weights(_cp(t, m), _reshape_first)), "generator.safetensors"),
    "model weights wrong dtype": lambda t, m: (_generate(_labels(t), bf.edit_weights(_cp(t, m), _half_first)), "generator.safetensors"),
    "model weights missing key": lambda t, m: (_generate(_labels(t), bf.edit_weights(_cp(t, m), _drop_first)), "generator.safetensors"),
    "model weights truncated": lambda t, m: (_generate(_labels(t), _trunc_weights(t, m)), "generator.safetensors"),
    "model weights are a directory": lambda t, m: (_generate(_labels(t), _dir_weights(t, m)), "generator.safetensors"),
    "model discriminator missing": lambda t, m: (_generate(_labels(t), _no_disc(t, m)), "discriminator.safetensors"),
    # --- segment (pictures) ------------------------------------------------------------------
    "photo truncated": lambda t, m: (_segment(bf.truncated(t / "p.png", bf.rgb_png(t / "full.png")), m), "p.png"),
    "photo decompression bomb": lambda t, m: (_segment(bf.png_header_only(t / "bomb.png", 20000, 20000, 2), m), "bomb.png"),
    "photo not an image": lambda t, m: (_segment(bf.garbage(t / "p.jpg"), m), "p.jpg"),
    "photo npy wrong shape": lambda t, m: (_segment(_npy(t / "im.npy", np.zeros((3, 8, 8), np.float32)), m), "im.npy"),
    # --- public checkpoints (import-oasis) ---------------------------------------------------
    "import run folder missing": lambda t, m: (_import(t / "run_nope", t), "run_nope"),
    "import opt.txt missing": lambda t, m: (_import(_mk(t / "run"), t), "opt.txt"),
    "import opt.txt garbage": lambda t, m: (_import(_run(t, opt=b"\xff\xfe\x00garbage"), t), "opt.txt"),
    "import opt.txt bad value": lambda t, m: (_import(_run(t, opt=b"z_dim: many\n"), t), "opt.txt"),
    "import checkpoint truncated": lambda t, m: (_import(_run(t, g=b"PK\x03\x04" + b"\x00" * 40), t), "best_EMA.pth"),
    "import checkpoint pickled code": lambda t, m: (_import(_run(t, g=_evil_pickle()), t), "best_EMA.pth"),
    "import checkpoint NaN": lambda t, m: (_import(_run(t, g=_nan_pth()), t), "best_EMA.pth"),
    # --- training data -----------------------------------------------------------------------
    "train photos folder missing": lambda t, m: (_train(t / "nodata", t), "nodata"),
    "train photo corrupt": lambda t, m: (_train(_data(t, lambda d: bf.garbage(d / "photos" / "p1.png")), t), "p1.png"),
    "train label out of range": lambda t, m: (_train(_data(t, lambda d: bf.indexed_png(d / "labels" / "p2.png", np.full((96, 96), 77))), t), "p2.png"),
    "train label size mismatch": lambda t, m: (_train(_data(t, lambda d: bf.indexed_png(d / "labels" / "p0.png", np.ones((40, 96)))), t), "p0.png"),
    "train classes.json malformed": lambda t, m: (_train(_data(t, lambda d: (d / "classes.json").write_text("{\"classes\": 3}")), t), "classes.json"),
    "train resume without checkpoint": lambda t, m: (_train(_data(t, lambda d: None), t, ["--resume"]), "run"),
    "oneshot video with a huge frame count is sampled, garbage refused": lambda t, m: (_oneshot(bf.garbage(t / "v.mkv", 20000), t), "v.mkv"),
    "train checkpoint corrupt on resume": lambda t, m: (_train(_data(t, lambda d: None), t, ["--resume"], out=_bad_run(t)), "checkpoint.safetensors"),
    "train out is a file": lambda t, m: (_train(_data(t, lambda d: None), t, out=bf.garbage(t / "runfile", 3)), "runfile"),
    # --- one-shot (SIV-GAN / OSMIS) ----------------------------------------------------------
    "oneshot image corrupt": lambda t, m: (_oneshot(bf.truncated(t / "i.png", bf.rgb_png(t / "full.png")), t), "i.png"),
    "oneshot image bomb": lambda t, m: (_oneshot(bf.png_header_only(t / "bomb.png", 30000, 30000, 2), t), "bomb.png"),
    "oneshot mask RGB": lambda t, m: (_oneshot(bf.rgb_png(t / "i.png"), t, bf.rgb_png(t / "m.png")), "m.png"),
    "oneshot mask size mismatch": lambda t, m: (_oneshot(bf.rgb_png(t / "i.png"), t, bf.indexed_png(t / "m.png", np.ones((32, 32)))), "m.png"),
    "oneshot mask truncated": lambda t, m: (_oneshot(bf.rgb_png(t / "i.png"), t, bf.truncated(t / "m.png", bf.indexed_png(t / "mf.png", np.arange(64 * 64).reshape(64, 64) % 3), 0.3)), "m.png"),
    "oneshot video garbage": lambda t, m: (_oneshot(bf.garbage(t / "v.mp4", 5000), t), "v.mp4"),
    "oneshot video empty": lambda t, m: (_oneshot(bf.garbage(t / "v.avi", 0), t), "v.avi"),
    "oneshot images folder empty": lambda t, m: (_oneshot(_mk(t / "empty"), t), "empty"),
    "sample-oneshot run missing": lambda t, m: (["sample-oneshot", "--run", str(t / "norun"), "--out", str(t / "o")], "norun"),
    "sample-oneshot checkpoint corrupt": lambda t, m: (["sample-oneshot", "--run", str(_bad_oneshot_run(t)), "--out", str(t / "o")], "state.json"),
    "sample-oneshot config damaged": lambda t, m: (["sample-oneshot", "--run", str(_cfg_damaged_oneshot(t)), "--out", str(t / "o")], "config.json"),
}


def _mk(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    return p


def _npy(path, arr):
    np.save(path, arr)
    return path


def _pickled_npy(path):
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    return path


def _cp(t, m):
    return bf.copy_model(m, t / "model")


def _cfg_text(t, m, text):
    d = _cp(t, m)
    (d / "config.json").write_text(text)
    return d


def _first(state):
    return sorted(k for k, v in state.items() if v.dim() == 4)[0]


def _nan_first(s):
    k = _first(s)
    s[k] = s[k].clone()
    s[k].view(-1)[0] = float("nan")


def _reshape_first(s):
    k = _first(s)
    s[k] = s[k].reshape(-1)


def _half_first(s):
    k = _first(s)
    s[k] = s[k].half()


def _drop_first(s):
    del s[_first(s)]


def _trunc_weights(t, m):
    d = _cp(t, m)
    bf.truncated(d / "generator.safetensors", m / "generator.safetensors", 0.6)
    return d


def _dir_weights(t, m):
    d = _cp(t, m)
    (d / "generator.safetensors").unlink()
    (d / "generator.safetensors").mkdir()
    return d


def _no_disc(t, m):
    d = _cp(t, m)
    (d / "discriminator.safetensors").unlink()
    return d


def _segment(image, model):
    return ["segment", "--model", str(model), "--image", str(image), "--out", str(image.parent / "seg.png")]


def _import(run, t):
    return ["import-oasis", str(run), "--out", str(t / "imported"), "--height", "64", "--width", "64", "--quiet"]


FIXTURE = REPO.parent / "shared" / "fixtures" / "oasis-official" / "oasis_custom_tiny"


def _run(t, opt=None, g=None):
    run = bf.copy_model(FIXTURE, t / "run")
    if opt is not None:
        (run / "opt.txt").write_bytes(opt)
    if g is not None:
        (run / "models" / "best_EMA.pth").write_bytes(g)
    return run


def _evil_pickle():
    import io
    import os

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    buf = io.BytesIO()
    torch.save({"fc.weight": Evil()}, buf)
    return buf.getvalue()


def _nan_pth():
    import io

    state = torch.load(FIXTURE / "models" / "best_EMA.pth", map_location="cpu", weights_only=True)
    k = next(k for k, v in state.items() if v.is_floating_point() and v.dim() == 4)
    state[k] = state[k].clone()
    state[k].view(-1)[0] = float("inf")
    buf = io.BytesIO()
    torch.save(state, buf)
    return buf.getvalue()


def _data(t, damage):
    d = write_dataset(t / "data")
    damage(d)
    return d


def _train(data, t, extra=(), out=None):
    return ["train-oasis", "--data", str(data / "photos"), "--labels", str(data / "labels"),
            "--classes", str(data / "classes.json"), "--out", str(out or t / "run"), "--config", "tiny",
            "--iterations", "1", "--batch-size", "1", "--threads", "1", *extra]


def _bad_run(t):
    """A real one-iteration run whose checkpoint is then damaged."""
    data = t / "data"
    assert main(_train(data, t, out=t / "good_run")) == 0
    bf.truncated(t / "good_run" / "checkpoint.safetensors", t / "good_run" / "checkpoint.safetensors", 0.5)
    return t / "good_run"


def _cfg_damaged_oneshot(t):
    run = _mk(t / "osrun2")
    (run / "config.json").write_text('{"mode": 3}')
    return run


def _oneshot(images, t, masks=None):
    return ["train-oneshot", "--images", str(images), "--out", str(t / "os_run"), "--iterations", "1",
            "--threads", "1"] + (["--masks", str(masks)] if masks else [])


def _bad_oneshot_run(t):
    """A valid one-shot run config whose checkpoint weights are garbage."""
    from engine.oneshot.config import config_for_size

    run = _mk(t / "osrun")
    config_for_size(64, 64, images=str(t / "i.png")).save(str(run))
    _mk(run / "checkpoints")
    (run / "checkpoints" / "state.json").write_text('{"iteration": 5, "weights": "weights_00000005.safetensors"}')
    bf.garbage(run / "checkpoints" / "weights_00000005.safetensors", 100)
    return run


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_one_line_exit_2(case, tmp_path, tiny_model_dir, capsys):
    argv, must_name = CASES[case](tmp_path, tiny_model_dir)
    capsys.readouterr()
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2, f"{case}: exit {rc}, stderr {err!r}"
    last = err.splitlines()[-1]
    assert last.startswith("error: "), err
    assert "Traceback" not in err
    assert must_name in last, f"{case}: message does not name {must_name!r}: {last}"
    print(f"{case}\t{last}")  # collected into docs/reliability.md


@pytest.mark.parametrize("argv_builder", [
    lambda t, m: _generate(bf.truncated(t / "tr.png", _labels(t)), m),
    lambda t, m: _oneshot(bf.garbage(t / "v.mp4", 5000), t),
], ids=["generate-truncated-labels", "train-oneshot-garbage-video"])
def test_real_process_exit_code_and_single_line(argv_builder, tmp_path, tiny_model_dir):
    argv = argv_builder(tmp_path, tiny_model_dir)
    p = subprocess.run([sys.executable, "-m", "engine", *argv], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in p.stderr, p.stderr
