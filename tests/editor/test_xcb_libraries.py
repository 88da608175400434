"""The start-up check of the libraries Qt's xcb plugin needs: every missing one named, in one message."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from editor.xcb_libraries import XCB_LIBRARIES, missing_libraries_message, uses_xcb
from tests.conftest import REPO

ABSENT = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxkbcommon-x11.so.0"}


def _fake_loader(absent):
    return lambda soname: soname not in absent


def test_names_every_missing_library_and_its_package():
    message = missing_libraries_message({"DISPLAY": ":0"}, _fake_loader(ABSENT))
    assert "3 system libraries" in message
    for soname in ABSENT:
        assert soname in message
    install = message.splitlines()[-1].split()
    assert install[:3] == ["sudo", "apt-get", "install"]
    assert sorted(install[3:]) == ["libxcb-icccm4", "libxcb-keysyms1", "libxkbcommon-x11-0"]
    assert "libxcb-cursor" not in message  # present ones are not blamed (Qt names xcb-cursor0 whatever is missing)


def test_nothing_to_say_when_all_are_present_or_xcb_is_not_used():
    assert missing_libraries_message({"DISPLAY": ":0"}, _fake_loader(set())) is None
    for env in ({"QT_QPA_PLATFORM": "offscreen"}, {"QT_QPA_PLATFORM": "wayland;xcb"},
                {"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}):
        assert not uses_xcb(env)
        assert missing_libraries_message(env, _fake_loader(ABSENT)) is None
    for env in ({}, {"QT_QPA_PLATFORM": "xcb"}, {"QT_QPA_PLATFORM": "xcb:display=:1"},
                {"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "x11"}):
        assert uses_xcb(env)


def test_the_editor_stops_with_the_message_before_qt_starts(tmp_path):
    code = ("import sys; import editor.xcb_libraries as x;"
            f"x.can_load = lambda s: s not in {sorted(ABSENT)!r};"
            "from editor.app import main; rc = main([]);"
            "print('rc', rc, 'qtgui' if 'PySide6.QtGui' in sys.modules else 'no-qtgui')")
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", DISPLAY=":0")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.split() == ["rc", "1", "no-qtgui"], done.stderr
    assert all(soname in done.stderr for soname in ABSENT)
    assert "apt-get install libxcb-icccm4 libxcb-keysyms1 libxkbcommon-x11-0" in done.stderr


def _needed(path: Path) -> list[str]:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split("[", 1)[1].rstrip("]") for line in out.splitlines() if "(NEEDED)" in line]


@pytest.mark.skipif(shutil.which("readelf") is None, reason="needs readelf (binutils)")
def test_the_table_covers_what_the_installed_plugin_links():
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    linked = set()
    for lib in (qt / "plugins" / "platforms" / "libqxcb.so", qt / "lib" / "libQt6XcbQpa.so.6",
                qt / "lib" / "libQt6Gui.so.6"):
        linked |= set(_needed(lib))
    core = {"libc.so.6", "libm.so.6", "libstdc++.so.6", "libgcc_s.so.1", "libpthread.so.0", "libdl.so.2"}
    outside_qt = {n for n in linked if not n.startswith("libQt6") and n not in core}
    assert outside_qt - set(XCB_LIBRARIES) == set()


def test_the_readme_installs_the_same_packages():
    text = (REPO / "README.md").read_text().replace("\\\n", " ")
    line = next(line for line in text.splitlines() if line.startswith("sudo apt-get install libxcb1"))
    assert set(line.split()[3:]) == set(XCB_LIBRARIES.values())
