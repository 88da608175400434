"""Where the bundled resources (default model, palettes, icons) live.

In a source checkout or an editable install they are in `<repo>/resources`; in the PyInstaller
bundle they are unpacked beside the executable (`sys._MEIPASS/resources`).
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parents[1] / "resources"


def default_model_dir() -> Path:
    return resources_dir() / "default_model"
