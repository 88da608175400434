"""Shared test fixtures: paths to ../shared and a tiny model imported from the public-code fixture."""

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
FIXTURE_RUN = SHARED / "fixtures" / "oasis-official" / "oasis_custom_tiny"
VECTORS = FIXTURE_RUN / "test_vectors"
KEY_MANIFEST = SHARED / "reference" / "oasis_official_checkpoint_keys.json"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Tests never touch the user's settings (Recent models, last folders, window geometry) or data (the
# crash-recovery file: a killed test would leave a restore prompt behind for the next real start).
# Before anything creates a QSettings, Qt's per-user folders point into a folder of this session, in
# this process and in every editor it starts.
REAL_CONFIG_HOME = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
REAL_DATA_HOME = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
TEST_USER_DIRS = Path(tempfile.mkdtemp(prefix="oasis-test-user-dirs-"))
os.environ["XDG_CONFIG_HOME"] = str(TEST_USER_DIRS / "config")
os.environ["XDG_DATA_HOME"] = str(TEST_USER_DIRS / "data")
os.environ["OASIS_STUDIO_RECOVERY_DIR"] = str(TEST_USER_DIRS / "recovery")
os.environ["OASIS_STUDIO_LOG_DIR"] = str(TEST_USER_DIRS / "logs")


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(TEST_USER_DIRS, ignore_errors=True)


@pytest.fixture(params=[False, True], ids=["cpu-without-amx", "cpu-with-amx"])
def amx_decision(request, monkeypatch):
    """Runs a test under both branches of precision 'auto' on any CPU (bf16 runs everywhere, slowly
    without AMX): OASIS_FORCE_AMX makes the CPU probe answer no / yes. The value is the dtype 'auto'
    then means on a CPU."""
    import torch

    from engine.precision import FORCE_AMX_ENV

    monkeypatch.setenv(FORCE_AMX_ENV, "1" if request.param else "0")
    return torch.bfloat16 if request.param else torch.float32


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """The fixture checkpoint imported into our format once per test session (EMA generator + D)."""
    from engine.importer import import_oasis_run

    out = tmp_path_factory.mktemp("models") / "tiny"
    import_oasis_run(FIXTURE_RUN, out, height=64, width=64)
    return out


def release_window(win) -> None:
    """After a test's MainWindow is closed and its engine shut down: drop the engine's model and its
    fast-path caches. The Python side of a closed window outlives its deleted widgets (PySide keeps
    references the collector cannot see); with the model that was ~100 MB per window, 4.6-8 GB for one
    suite process."""
    win.engine.worker.model = None
    win.engine.worker._sessions = {}


_QT_MODULES: dict = {}
# PySide6 itself or an editor module with widgets (editor.document is Qt-free), imported anywhere in the file
_QT_IMPORT = re.compile(r"^\s*(from|import)\s+(PySide6|editor(?!\.document)(\.\w+)*\s+import|editor\.(?!document)\w+)",
                        re.M)


def _uses_qt(item) -> bool:
    if "qtbot" in item.fixturenames or "qapp" in item.fixturenames:
        return True
    path = Path(str(item.fspath))
    if path not in _QT_MODULES:
        try:
            _QT_MODULES[path] = bool(_QT_IMPORT.search(path.read_text(encoding="utf-8")))
        except OSError:
            _QT_MODULES[path] = False
    return _QT_MODULES[path]


def pytest_collection_modifyitems(config, items):
    """Tests that need Qt (qtbot, or a test file that imports PySide6) get the `gui` marker:
    `pytest -m "not gui"` runs the headless tests only."""
    for item in items:
        if _uses_qt(item):
            item.add_marker(pytest.mark.gui)
