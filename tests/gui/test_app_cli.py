"""`python -m editor --screenshot FILE` opens the window, generates once, saves a screenshot, exits."""

import subprocess
import sys

from PIL import Image

from tests.conftest import REPO


def test_screenshot_mode_generates_and_saves_the_window(tiny_model_dir, tmp_path):
    out = tmp_path / "shot.png"
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "editor", "--model", str(tiny_model_dir), "--size", "900x600",
                        "--screenshot", str(out)], cwd=REPO, env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    im = Image.open(out)
    assert im.size == (900, 600)

