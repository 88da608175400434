"""Train menu: a tiny one-shot run started from the dialog, pause/resume, cancel, and the sampler window.

One tiny OSMIS run (bmx frame at 48 px, 4-channel networks) is trained, paused, sampled, resumed and
cancelled in one test, so the file stays fast on a loaded 2-core machine.
"""

import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

BMX = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "one-shot" / "bmx"
ITERATIONS = 12
TINY_NETWORKS = {"ch_g": 4, "ch_d": 4, "bernoulli_warmup_iters": 2}  # as tests/engine/oneshot: steps take milliseconds

pytestmark = pytest.mark.skipif(not (BMX / "image.jpg").exists(), reason="shared bmx data not available")


@pytest.fixture
def window(training_window):
    return training_window


def _fill_dialog(dlg, run_dir):
    from editor.train_dialog import OSMIS

    dlg.mode.setCurrentText(OSMIS)
    dlg.images.setText(str(BMX / "image.jpg"))
    dlg.masks.setText(str(BMX / "mask.png"))
    dlg.run_dir.setText(str(run_dir))
    dlg.iterations.setValue(ITERATIONS)
    dlg.max_size.setValue(48)
    dlg.preview_every.setValue(4)
    dlg.overrides = TINY_NETWORKS


def test_dialog_opens_with_the_engine_preset_values(window):
    from engine.oneshot.config import ONESHOT_PRESETS

    dlg = window.training.show_dialog()
    for name in ("cpu", "faithful", "cpu"):  # the initial preset too, not only after a change
        dlg.preset.setCurrentText(name)
        preset = ONESHOT_PRESETS[name]
        assert (dlg.iterations.value(), dlg.max_size.value(), dlg.preview_every.value()) == \
            (preset["iterations"], preset["max_size"], preset["preview_every"])
    dlg.reject()


def test_dialog_rejects_incomplete_settings(window, tmp_path):
    dlg = window.training.show_dialog()
    _fill_dialog(dlg, tmp_path / "run")
    dlg.masks.setText("")
    dlg.accept()
    assert dlg.isVisible() and "masks" in dlg.error.text()
    dlg.masks.setText(str(tmp_path / "missing.png"))
    dlg.accept()
    assert "missing.png: does not exist" in dlg.error.text()
    assert not window.training.controller.running
    dlg.reject()


def test_train_pause_resume_sample_and_cancel(window, qtbot, tmp_path):
    from engine import worker as w

    training = window.training
    ctl = training.controller
    progress, previews = [], []
    ctl.progressed.connect(progress.append)
    ctl.previewed.connect(previews.append)
    run_dir = tmp_path / "run"

    dlg = training.show_dialog()
    _fill_dialog(dlg, run_dir)
    dlg.accept()  # the accept path starts the run
    assert ctl.running and training.dock is not None and training.dock.isVisible()
    qtbot.waitUntil(lambda: len(progress) >= 2, timeout=20_000)

    # Pause: at most the step already under way finishes, then no more progress.
    with qtbot.waitSignal(ctl.pauseReached, timeout=10_000):
        ctl.pause()
    assert training.panel.pause_btn.text() == "Resume"
    qtbot.wait(50)  # the last step's progress message is delivered before pauseReached
    frozen = len(progress)
    # While paused, the trainer still runs interactive requests for the editor.
    with qtbot.waitSignal(window.engine.taskFinished, timeout=5_000) as answer:
        window.engine.submit(w.RunTask(lambda ctx: "interactive", priority=w.INTERACTIVE))
    assert answer.args[0].result == "interactive"
    qtbot.wait(600)
    assert len(progress) == frozen and progress[-1].iteration < ITERATIONS

    with qtbot.waitSignal(ctl.finished, timeout=40_000) as done:
        ctl.resume()
    outcome = done.args[0]
    assert not outcome.error and not outcome.stopped and outcome.iteration == ITERATIONS
    assert [p.iteration for p in progress] == list(range(1, ITERATIONS + 1))
    assert all(np.isfinite(list(p.losses.values())).all() and p.it_per_s > 0 for p in progress)
    assert [p.iteration for p in previews] == list(range(4, ITERATIONS + 1, 4))
    assert previews[-1].images.dtype == np.uint8 and previews[-1].masks.shape == previews[-1].images.shape[:3]
    assert training.panel.preview_iteration == ITERATIONS and not training.panel.preview.pixmap().isNull()
    assert len(training.panel.plot.history["g_adv"]) == ITERATIONS
    assert training.panel.bar.value() == ITERATIONS and "finished" in training.panel.stats.text()

    # Sampler: grid from the finished run, select two, save image + indexed mask pairs.
    sampler = training.open_samples(str(run_dir))
    sampler.count.setValue(6)
    with qtbot.waitSignal(sampler.batchShown, timeout=20_000) as shown:
        sampler.new_batch(seed=5)
    assert shown.args[0] == 6 and sampler.grid.count() == 6
    assert sampler.batch["iteration"] == ITERATIONS
    h, wd = sampler.batch["images"].shape[1:3]
    assert sampler.grid.iconSize().width() > sampler.grid.iconSize().height()  # image | mask overlay
    sampler.grid.item(1).setSelected(True)
    sampler.grid.item(4).setSelected(True)
    out = tmp_path / "picked"
    paths = sampler.save_selected(str(out))
    assert [os.path.basename(p) for p in paths] == ["sample_5_01.png", "sample_5_04.png"]
    for i, p in zip((1, 4), paths, strict=True):
        np.testing.assert_array_equal(np.asarray(Image.open(p)), sampler.batch["images"][i])
        mask = Image.open(out / "masks" / os.path.basename(p))
        assert mask.mode == "P" and mask.size == (wd, h)
        np.testing.assert_array_equal(np.asarray(mask), sampler.batch["masks"][i])

    # Cancel: resume for a long run, cancel after the first step; the task ends within 2 s.
    progress.clear()
    training.resume_run(str(run_dir), iterations=100_000)
    qtbot.waitUntil(lambda: len(progress) >= 1, timeout=20_000)
    t0 = time.monotonic()
    with qtbot.waitSignal(ctl.finished, timeout=5_000) as done:
        training.panel.cancel_btn.click()
    assert time.monotonic() - t0 < 2.0
    outcome = done.args[0]
    assert outcome.stopped and ITERATIONS < outcome.iteration < 100_000
    import json

    state = json.loads((run_dir / "checkpoints" / "state.json").read_text())
    assert state["iteration"] == outcome.iteration  # the stop left a resumable checkpoint
    assert "stopped at iteration" in training.panel.stats.text()


def test_training_errors_become_a_dialog(window, qtbot, tmp_path):
    from editor import dialogs
    from editor.train_dialog import TrainingRequest

    bad = tmp_path / "not-an-image.jpg"
    bad.write_bytes(b"no picture here")
    with qtbot.waitSignal(window.training.controller.finished, timeout=20_000) as done:
        window.training.controller.start(TrainingRequest(run_dir=str(tmp_path / "run"), images=str(bad),
                                                         iterations=2, max_size=48, preview_every=1,
                                                         overrides=TINY_NETWORKS))
    assert "not-an-image.jpg" in done.args[0].error
    assert dialogs.ERRORS_SHOWN[-1] == done.args[0].error
