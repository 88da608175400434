"""The editor's log file: in the folder OASIS_STUDIO_LOG_DIR names (else the app data folder), with
uncaught exceptions in it."""

import logging
import sys

from editor import logfile
from engine.logs import log_to_stderr


def test_install_logs_startup_records_and_uncaught_exceptions(tmp_path, monkeypatch):
    monkeypatch.setenv("OASIS_STUDIO_LOG_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "excepthook", lambda *exc: None)  # the previous hook, still called
    try:
        assert logfile.install() == tmp_path / logfile.LOG_NAME
        logging.getLogger("editor.generation").info("generated in %d ms", 42)
        try:
            raise ValueError("a bug nobody caught")
        except ValueError:
            sys.excepthook(*sys.exc_info())
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = (tmp_path / logfile.LOG_NAME).read_text(encoding="utf-8")
        assert "OASIS Studio starting" in text and "generated in 42 ms" in text
        assert "CRITICAL editor.logfile" in text and "ValueError: a bug nobody caught" in text
    finally:
        log_to_stderr()


def test_an_unwritable_log_folder_falls_back_to_stderr(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("OASIS_STUDIO_LOG_DIR", str(blocker / "logs"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    assert logfile.install() is None
    assert "cannot write the log file" in capsys.readouterr().err
