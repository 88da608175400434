"""Train > OASIS on a dataset…: a tiny run on a folder dataset from the dialog, pause, cancel, export, and
the model opening in the editor; a dataset with a bad file ends in the check's report."""

import json

import pytest

from tests.engine.datasets import layouts

FAST = ("--threads", "1", "--bn-batches", "1", "--checkpoint-every", "3", "--sample-every", "3")


@pytest.fixture
def window(training_window):
    return training_window


def _dialog(window, data, run, model, iterations):
    dlg = window.training.show_oasis_dialog()
    dlg.data.setText(str(data))
    dlg.run_dir.setText(str(run))
    dlg.export_to.setText(str(model))
    dlg.config.setCurrentText("tiny")
    dlg.iterations.setValue(iterations)
    dlg.batch.setValue(2)
    dlg.extra = FAST
    return dlg


def test_oasis_run_from_the_dialog_to_the_editor(window, qtbot, tmp_path):
    data = layouts.folder(tmp_path / "data", 3, size=(64, 96))
    ctl, training = window.training.controller, window.training
    progress, previews = [], []
    ctl.progressed.connect(progress.append)
    ctl.previewed.connect(previews.append)

    dlg = _dialog(window, data, tmp_path / "run", tmp_path / "model", 1000)
    dlg.accept()
    assert ctl.running and training.dock.isVisible()
    qtbot.waitUntil(lambda: len(progress) >= 2, timeout=30_000)
    with qtbot.waitSignal(ctl.pauseReached, timeout=10_000):
        ctl.pause()
    qtbot.wait(100)
    frozen = len(progress)
    qtbot.wait(500)
    assert len(progress) == frozen
    with qtbot.waitSignal(ctl.finished, timeout=20_000) as done:
        ctl.resume()
        qtbot.waitUntil(lambda: len(progress) > frozen, timeout=10_000)
        training.panel.cancel_btn.click()
    outcome = done.args[0]
    assert not outcome.error and outcome.stopped and 2 < outcome.iteration < 1000
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    assert state["iteration"] == outcome.iteration  # cancel left a resumable checkpoint
    assert not outcome.model_dir and "stopped at iteration" in training.panel.stats.text()

    # the same dialog continues the run to its end; the exported model opens in the editor
    progress.clear()
    dlg = _dialog(window, data, tmp_path / "run", tmp_path / "model", outcome.iteration + 3)
    assert dlg.request().resume
    with qtbot.waitSignal(window.engine.modelLoaded, timeout=60_000):
        dlg.accept()
    assert progress[-1].iteration == outcome.iteration + 3 and progress[-1].it_per_s > 0
    assert window.engine.config.class_names == ("unknown", "sky", "water", "grass")
    assert "model exported to" in training.panel.stats.text() and (tmp_path / "model" / "config.json").is_file()
    assert previews and previews[-1].sheet.ndim == 3 and not training.panel.preview.pixmap().isNull()


def test_dataset_problems_end_in_the_report(window, qtbot, tmp_path, monkeypatch):
    from editor import dialogs

    shown = []
    monkeypatch.setattr(dialogs, "show_error", lambda *a, **k: shown.append(a))
    data = layouts.folder(tmp_path / "data", 2)
    (data / "labels" / "p1.png").write_bytes(b"broken")
    with qtbot.waitSignal(window.training.controller.finished, timeout=90_000) as done:  # loaded machines
        _dialog(window, data, tmp_path / "run", "", 5).accept()
    outcome = done.args[0]
    assert "dataset problem" in outcome.error and "p1.png" in outcome.error
    assert "[unreadable]" in outcome.details and "how to fix" in outcome.details
    assert not (tmp_path / "run" / "checkpoint.safetensors").exists() and shown
