"""Light/dark: follow the platform's colour scheme; icons and canvas colours derive from the palette.

Desktop platform themes (GNOME, KDE, Windows, macOS) hand Qt a palette that already matches the system
setting. Where they do not (plain X11, Xvfb, Fusion), but Qt still reports a dark colour scheme, we build
a dark Fusion palette. OASIS_STUDIO_THEME=light|dark forces one (screenshots, tests, user preference).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

ENV_VAR = "OASIS_STUDIO_THEME"


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def dark_palette() -> QPalette:
    p = QPalette()
    c = QColor
    roles = {
        QPalette.ColorRole.Window: c(45, 47, 51), QPalette.ColorRole.WindowText: c(225, 228, 232),
        QPalette.ColorRole.Base: c(32, 34, 37), QPalette.ColorRole.AlternateBase: c(45, 47, 51),
        QPalette.ColorRole.ToolTipBase: c(55, 58, 64), QPalette.ColorRole.ToolTipText: c(230, 230, 230),
        QPalette.ColorRole.Text: c(225, 228, 232), QPalette.ColorRole.Button: c(52, 55, 60),
        QPalette.ColorRole.ButtonText: c(225, 228, 232), QPalette.ColorRole.BrightText: c(255, 90, 90),
        QPalette.ColorRole.Link: c(110, 170, 255), QPalette.ColorRole.Highlight: c(60, 120, 215),
        QPalette.ColorRole.HighlightedText: c(255, 255, 255), QPalette.ColorRole.PlaceholderText: c(140, 145, 150),
        QPalette.ColorRole.Mid: c(70, 73, 78), QPalette.ColorRole.Dark: c(25, 26, 28),
        QPalette.ColorRole.Light: c(75, 78, 84), QPalette.ColorRole.Midlight: c(62, 65, 70),
    }
    for role, colour in roles.items():
        p.setColor(role, colour)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, c(120, 123, 128))
    return p


def wanted_scheme(app) -> str:
    """"dark", "light" or "platform" (keep whatever palette the platform gave us)."""
    forced = os.environ.get(ENV_VAR, "").strip().lower()
    if forced in ("dark", "light"):
        return forced
    scheme = app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark and not is_dark(app.palette()):
        return "dark"
    return "platform"


def apply(app) -> bool:
    """Set the palette and icon colours; returns True when the result is dark. Call before building windows
    (qtawesome bakes the colour into each icon when it is made)."""
    import qtawesome as qta

    scheme = wanted_scheme(app)
    if scheme == "dark":
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    elif scheme == "light" and is_dark(app.palette()):
        app.setStyle("Fusion")
        app.setPalette(app.style().standardPalette())
    pal = app.palette()
    qta.set_defaults(color=pal.color(QPalette.ColorRole.WindowText).name(),
                     color_disabled=pal.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name())
    return is_dark(pal)


def follow_changes(app) -> None:
    """Re-apply when the user switches the system scheme (new icons pick it up; the canvas repaints)."""
    app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply(app))


@dataclass(frozen=True)
class CanvasColours:
    background: QColor  # around the picture
    text: QColor  # messages drawn on the canvas
    placeholder: QColor  # the empty image panel
    frame: QColor


def canvas_colours(palette: QPalette | None = None) -> CanvasColours:
    """A neutral surround that is darker than the window in both schemes, so label colours stand out."""
    palette = palette or QGuiApplication.palette()
    window = palette.color(QPalette.ColorRole.Window)
    if is_dark(palette):
        return CanvasColours(window.darker(135), palette.color(QPalette.ColorRole.WindowText).darker(115),
                             window.lighter(115), QColor(0, 0, 0, 160))
    return CanvasColours(window.darker(125), palette.color(QPalette.ColorRole.WindowText),
                         window.darker(108), QColor(0, 0, 0, 110))
