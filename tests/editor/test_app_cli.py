"""`python -m editor --screenshot FILE` opens the window, generates once, saves a screenshot, exits.

Runs editor.app.main in this process (the same code path as the command line, without paying for a
second torch import); the module entry point itself is a two-line wrapper around it.
"""

from PIL import Image

from editor.app import main


def test_screenshot_mode_generates_and_saves_the_window(qapp, tiny_model_dir, tmp_path):
    out = tmp_path / "shot.png"
    rc = main(["--model", str(tiny_model_dir), "--size", "900x600", "--view", "side", "--screenshot", str(out)])
    assert rc == 0
    im = Image.open(out).convert("RGB")
    assert im.size == (900, 600)
    assert len(set(im.get_flattened_data())) > 50  # a real window with a generated image, not a blank grab


def test_screenshot_mode_reports_a_bad_model_and_exits_nonzero(qapp, tmp_path, capsys):
    rc = main(["--model", str(tmp_path / "nope"), "--screenshot", str(tmp_path / "x.png")])
    assert rc == 1
    assert "model folder not found" in capsys.readouterr().err
