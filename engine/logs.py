"""Where log records go. Every module logs through its own `logging.getLogger(__name__)` and never
configures logging; the program decides: the editor writes a rotating file in the user's data folder
(editor/logfile.py), the command line writes warnings and errors to stderr (engine/cli.py).
"""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
PACKAGES = ("engine", "editor")
MAX_BYTES = 1_000_000  # per file; with BACKUPS old files at most ~4 MB in all
BACKUPS = 3


def _install(handler: logging.Handler, level: int) -> logging.Handler:
    """One handler of ours on the root logger (a second call replaces the first, so tests and embedders
    that start the program twice do not get every line twice). Our packages log from `level` up,
    third-party libraries from WARNING up."""
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.set_name("oasis-studio")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "oasis-studio"]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    for name in PACKAGES:
        logging.getLogger(name).setLevel(level)
    return handler


def log_to_file(path: Path, level: int = logging.INFO) -> logging.Handler:
    """Rotating log file at `path` (its folder is made). Raises OSError when it cannot be opened."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    return _install(handler, level)


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record comes (tests and embedders replace it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def log_to_stderr(level: int = logging.WARNING) -> logging.Handler:
    return _install(_CurrentStderr(), level)
