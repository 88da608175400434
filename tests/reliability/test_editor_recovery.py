"""The editor never loses work: a hard kill leaves a recovery file that restores the exact document."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PySide6.QtWidgets import QMessageBox

from editor.document.project_file import load_project

REPO = Path(__file__).resolve().parents[2]


def test_sigkill_then_restore_gives_identical_labels_noise_and_seed(qtbot, tiny_model_dir, recovery_dir, tmp_path,
                                                                    monkeypatch):
    expected = tmp_path / "expected.npz"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", OASIS_STUDIO_RECOVERY_DIR=str(recovery_dir),
               OASIS_STUDIO_AUTOSAVE_MS="300", OASIS_STUDIO_TEST_PAINT=str(expected))
    proc = subprocess.Popen([sys.executable, "-m", "editor", "--model", str(tiny_model_dir), "--threads", "1"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    recovery = recovery_dir / "recovery.oasisproj"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the edits are made, then an autosave after them
            if expected.exists() and recovery.exists() and recovery.stat().st_mtime >= expected.stat().st_mtime:
                break
            assert proc.poll() is None, proc.stdout.read().decode()
            time.sleep(0.1)
        else:
            raise AssertionError("no autosave within 60 s")
        time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)  # no chance to clean up: like a crash or a power cut
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert recovery.exists()
    want = np.load(expected)

    # The next start offers to restore; yes -> the document is the one that was being edited.
    from editor.autosave import install
    from editor.engine_client import EngineClient
    from editor.main_window import MainWindow

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.Yes)
    engine = EngineClient(synchronous=True, torch_threads=1)
    win = MainWindow(engine)
    win.ask_to_save = False
    qtbot.addWidget(win)
    try:
        with qtbot.waitSignal(engine.modelLoaded, timeout=60_000):
            _saver, restored = install(win)
        assert restored and asked and "Restore" in asked[0]
        qtbot.waitUntil(lambda: win.session.doc.seed == int(want["seed"]), timeout=10_000)
        doc = win.session.doc
        np.testing.assert_array_equal(doc.labels, want["labels"])
        np.testing.assert_array_equal(doc.noise, want["noise"])
        assert doc.seed == int(want["seed"]) == 1234
        assert not win.session.stack.isClean()  # restored work is unsaved until saved
        # the undo history came back too: every step undoes to the document the killed editor started with
        steps = [win.session.stack.text(i) for i in range(win.session.stack.count())]
        assert steps[:3] == ["test paint", "test noise", "test seed"], steps
        win.session.stack.setIndex(0)
        assert win.session.doc.seed == 0 and len(np.unique(win.session.doc.labels)) == 1
    finally:
        engine.shutdown()


def test_autosave_only_when_dirty_and_removed_on_save(window, qtbot, tmp_path):
    from editor.document.commands import diff_edit

    saver, session = window.autosaver, window.session
    assert not saver.autosave() and not saver.path.exists()  # nothing edited
    labels = session.doc.labels.copy()
    labels[:8, :8] = 1
    session.push(diff_edit("labels", session.doc.labels, labels, "paint"))
    qtbot.waitUntil(saver.path.exists, timeout=5000)
    np.testing.assert_array_equal(load_project(saver.path).labels, labels)
    assert window.files.save_project.__self__ is window.files
    window.files.session.project_path = tmp_path / "saved.oasisproj"
    assert window.files.save_project()
    assert not saver.path.exists()  # saved: nothing to recover


def test_autosave_on_a_full_disk_reports_in_the_status_bar_and_keeps_editing(window, qtbot, monkeypatch):
    import errno

    from editor.document import project_file
    from editor.document.commands import diff_edit

    def full(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(project_file, "atomic_write_bytes", full)
    session, saver = window.session, window.autosaver
    saver.timer.stop()
    labels = session.doc.labels.copy()
    labels[:4, :4] = 2
    session.push(diff_edit("labels", session.doc.labels, labels, "paint"))
    assert not saver.autosave()
    assert saver.last_error == "Autosave failed: No space left on device"
    assert "No space left" in window.statusBar().currentMessage()
    np.testing.assert_array_equal(session.doc.labels, labels)  # the open document is untouched
