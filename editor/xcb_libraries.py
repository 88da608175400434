"""Before the first window: are the system libraries Qt's X11 (xcb) platform plugin needs present?

Qt aborts with "Could not load the Qt platform plugin xcb" and names only the first library it
misses, so on a fresh desktop the user installs packages one error at a time. This check names
every missing one, with the apt-get line, before QApplication exists. No Qt import here.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable, Mapping

# What PySide6 6.11's plugins/platforms/libqxcb.so, lib/libQt6XcbQpa.so.6 and lib/libQt6Gui.so.6 link
# against outside Qt and libc/libstdc++ (readelf -d, NEEDED), with the Debian 12 package of each; the
# README's apt-get line is this table.
# tests/editor/test_xcb_libraries.py checks this table against the installed plugin.
XCB_LIBRARIES = {
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",  # through libQt6DBus
    "libz.so.1": "zlib1g",
}


def can_load(soname: str) -> bool:
    """Whether the dynamic loader finds and loads a library by name (the way Qt's plugin will)."""
    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def uses_xcb(env: Mapping[str, str]) -> bool:
    """Whether Qt will start on the xcb plugin (QT_QPA_PLATFORM's first choice, else Qt's default:
    wayland in a Wayland session, xcb otherwise)."""
    chosen = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen == "xcb"
    return not (env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland")


def missing_libraries(load: Callable[[str], bool] | None = None) -> list[str]:
    load = load or can_load
    return [soname for soname in XCB_LIBRARIES if not load(soname)]


def missing_libraries_message(env: Mapping[str, str] | None = None,
                              load: Callable[[str], bool] | None = None) -> str | None:
    """The message for the user when xcb will be used and libraries are missing, else None."""
    if not uses_xcb(os.environ if env is None else env):
        return None
    missing = missing_libraries(load)
    if not missing:
        return None
    packages = sorted(dict.fromkeys(XCB_LIBRARIES[s] for s in missing))
    return ("OASIS Studio cannot open a window: Qt's X11 (xcb) platform plugin needs "
            f"{len(missing)} system {'library' if len(missing) == 1 else 'libraries'} that "
            f"{'is' if len(missing) == 1 else 'are'} missing: {', '.join(missing)}.\n"
            "On Debian or Ubuntu install them with:\n"
            f"    sudo apt-get install {' '.join(packages)}")
