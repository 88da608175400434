"""The editor's log: a rotating file in the user's data folder, beside the crash-recovery project.

    OASIS_STUDIO_LOG_DIR   where the log lives (default: <app data folder>/logs); tests set it

What goes in: engine requests that failed (with the traceback when it was a bug), model loads, autosave
problems, and exceptions nothing caught -- what a bug report needs, which the message boxes do not keep.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import platform
import sys
from pathlib import Path

from PySide6 import __version__ as PYSIDE_VERSION
from PySide6.QtCore import QStandardPaths

from engine.logs import log_to_file, log_to_stderr

LOG_NAME = "oasis-studio.log"
log = logging.getLogger(__name__)


def log_path() -> Path:
    folder = os.environ.get("OASIS_STUDIO_LOG_DIR") or os.path.join(
        QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation), "logs")
    return Path(folder) / LOG_NAME


def install() -> Path | None:
    """Start logging to the file; returns its path, or None when it cannot be written (then stderr:
    a read-only home must not stop the editor)."""
    path = log_path()
    written: Path | None = path
    try:
        log_to_file(path)
    except OSError as e:
        log_to_stderr()
        log.warning("cannot write the log file %s (%s); logging to stderr", path, e)
        written = None
    if not getattr(sys.excepthook, "logs_to_oasis_studio", False):  # once, however often the app starts
        previous_hook = sys.excepthook

        def log_uncaught(kind, value, tb):
            log.critical("uncaught exception", exc_info=(kind, value, tb))
            previous_hook(kind, value, tb)

        log_uncaught.logs_to_oasis_studio = True  # type: ignore[attr-defined]
        sys.excepthook = log_uncaught
    log.info("OASIS Studio starting: Python %s, torch %s, PySide6 %s, %s", platform.python_version(),
             _version("torch"), PYSIDE_VERSION, platform.platform())
    return written


def _version(distribution: str) -> str:
    try:  # the installed metadata: importing torch here would delay the window by seconds
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
