"""Reliability fixtures: GUI tests keep their settings and recovery files away from the user's."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication  # noqa: E402

from tests.conftest import release_window  # noqa: E402

QCoreApplication.setOrganizationName("OASIS Studio tests")
QCoreApplication.setApplicationName("OASIS Studio tests")


@pytest.fixture
def recovery_dir(tmp_path, monkeypatch):
    d = tmp_path / "recovery"
    monkeypatch.setenv("OASIS_STUDIO_RECOVERY_DIR", str(d))
    return d


@pytest.fixture
def window(qtbot, tiny_model_dir, recovery_dir):
    """A shown MainWindow with the tiny model loaded and an Autosaver (recovery in tmp)."""
    from editor.autosave import Autosaver
    from editor.engine_client import EngineClient
    from editor.main_window import MainWindow

    engine = EngineClient(synchronous=True, torch_threads=1)
    win = MainWindow(engine)
    win.ask_to_save = False
    win.autosaver = Autosaver(win, interval_ms=200)
    qtbot.addWidget(win)
    win.show()
    with qtbot.waitSignal(engine.modelLoaded, timeout=60_000):
        win.load_model(tiny_model_dir)
    yield win
    engine.shutdown()
    release_window(win)
