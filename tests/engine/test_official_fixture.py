"""The public-code fixture imported through the CLI reproduces every test vector (fp32 path)."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from engine.cli import main
from tests.conftest import FIXTURE_RUN, REPO, VECTORS

TOL = 1e-4


def _run(*args):
    assert main([str(a) for a in args]) == 0


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    _run("import-oasis", FIXTURE_RUN, "--out", root / "ema", "--height", 64, "--width", 64, "--quiet")
    _run("import-oasis", FIXTURE_RUN, "--out", root / "g", "--height", 64, "--width", 64, "--generator", "g", "--quiet")
    return root


@pytest.mark.parametrize("model,noise,expected", [
    ("g", "noise_global", "expected_G_global"),
    ("ema", "noise_global", "expected_EMA_global"),
    ("ema", "noise_spatial", "expected_EMA_spatial"),
])
def test_generate_matches_public_code(imported, tmp_path, model, noise, expected):
    out = tmp_path / "out.npy"
    _run("generate", "--model", imported / model, "--labels", VECTORS / "label_index.npy",
         "--noise", VECTORS / f"{noise}.npy", "--out", out, "--precision", "fp32")
    got, want = np.load(out), np.load(VECTORS / f"{expected}.npy")
    assert got.shape == want.shape and got.dtype == np.float32
    assert np.abs(got - want).max() <= TOL


@pytest.mark.parametrize("image,expected", [("image_for_D", "expected_D_on_image"),
                                            ("expected_EMA_global", "expected_D_on_EMA_global")])
def test_segment_matches_public_code(imported, tmp_path, image, expected):
    labels_png, logits = tmp_path / "labels.png", tmp_path / "logits.npy"
    _run("segment", "--model", imported / "ema", "--image", VECTORS / f"{image}.npy", "--out", labels_png,
         "--logits", logits, "--precision", "fp32")
    got, want = np.load(logits), np.load(VECTORS / f"{expected}.npy")
    assert np.abs(got - want).max() <= TOL
    # labels: argmax over real classes (channels 2..N = classes 1..N-1), unknown and fake excluded
    im = Image.open(labels_png)
    assert im.mode == "P"
    assert np.array_equal(np.asarray(im), want[2:].argmax(0) + 1)


def test_png_output_and_seed(imported, tmp_path):
    a, b, c = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.png"
    for out, seed in ((a, 1), (b, 1), (c, 2)):
        _run("generate", "--model", imported / "ema", "--labels", VECTORS / "label_index.npy", "--seed", seed,
             "--out", out)
    ia, ib, ic = (np.asarray(Image.open(p)) for p in (a, b, c))
    assert ia.shape == (64, 64, 3) and ia.dtype == np.uint8
    assert np.array_equal(ia, ib) and not np.array_equal(ia, ic)


def test_cli_subprocess_exit_codes(imported, tmp_path):
    ok = subprocess.run([sys.executable, "-m", "engine", "info", "--model", str(imported / "ema")],
                        cwd=REPO, capture_output=True, text=True)
    assert ok.returncode == 0 and '"semantic_nc": 12' in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "engine", "generate", "--model", str(imported / "ema"),
                          "--labels", str(tmp_path / "missing.png"), "--out", str(tmp_path / "x.png")],
                         cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2
    assert bad.stderr.count("\n") == 1 and "missing.png" in bad.stderr and "not found" in bad.stderr
    assert "Traceback" not in bad.stderr
