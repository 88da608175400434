"""Tests keep away from the user's real settings and data: what the editor writes while a test runs
(Recent models, the crash-recovery file) lands in the test session's own folders."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from tests.conftest import REAL_CONFIG_HOME, REAL_DATA_HOME, REPO, TEST_USER_DIRS


def _real_files_mentioning(text: str) -> list[Path]:
    found = []
    for home in (REAL_CONFIG_HOME, REAL_DATA_HOME):
        for folder in home.glob("OASIS Studio*"):
            found += [p for p in folder.rglob("*") if p.is_file() and text in p.read_text(errors="replace")]
    return found


def test_recent_models_of_a_test_stay_out_of_the_real_settings(window, tiny_model_dir):
    recorded = Path(QSettings().fileName())
    assert TEST_USER_DIRS in recorded.parents
    assert str(Path(tiny_model_dir).resolve()) in window.models.recent()
    assert str(Path(tiny_model_dir).resolve()) in recorded.read_text()  # written, and where we look
    assert not _real_files_mentioning(str(Path(tiny_model_dir).resolve()))


def test_an_editor_started_by_a_test_uses_the_test_folders():
    token = f"isolation-probe-{uuid.uuid4()}"
    code = ("import sys; from PySide6.QtCore import QCoreApplication, QSettings, QStandardPaths;"
            "QCoreApplication.setOrganizationName('OASIS Studio');"
            "QCoreApplication.setApplicationName('OASIS Studio');"
            f"s = QSettings(); s.setValue('probe', {token!r}); s.sync();"
            "print(s.fileName());"
            "print(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation));"
            "from editor.autosave import recovery_path; print(recovery_path())")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=dict(os.environ), capture_output=True,
                         text=True, timeout=60, check=True).stdout.split("\n")
    for line in out[:3]:
        assert TEST_USER_DIRS in Path(line).parents, out
    assert not _real_files_mentioning(token)
    assert TEST_USER_DIRS in Path(QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation)).parents
