"""Help ▸ Keyboard shortcuts: a sheet generated from the window's QActions (so it cannot drift from the
real key bindings), and shortcut hints added to every action's tooltip."""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout


def _keys(action: QAction) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts() if not s.isEmpty())


def _clean(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def collect_shortcuts(window) -> list[tuple[str, str, str]]:
    """(menu, action text, keys) for every action with a shortcut, in menu order, each action once."""
    rows, seen = [], set()

    def walk(menu, title):
        for act in menu.actions():
            if act.menu() is not None:
                walk(act.menu(), f"{title} ▸ {_clean(act.text())}")
            elif not act.isSeparator() and _keys(act) and id(act) not in seen:
                seen.add(id(act))
                rows.append((title, _clean(act.text()), _keys(act)))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), _clean(top.text()))
    for act in window.findChildren(QAction):  # bound to the window but in no menu
        if _keys(act) and id(act) not in seen and act.text():
            seen.add(id(act))
            rows.append(("Other", _clean(act.text()), _keys(act)))
    return rows


def shortcuts_html(rows) -> str:
    parts, current = ["<table cellspacing='0' cellpadding='3' width='100%'>"], None
    for menu, text, keys in rows:
        if menu != current:
            current = menu
            parts.append(f"<tr><td colspan='2'><h3 style='margin-top:10px'>{escape(menu)}</h3></td></tr>")
        parts.append(f"<tr><td>{escape(text)}</td><td align='right'><b><code>{escape(keys)}</code></b></td></tr>")
    parts.append("</table>")
    return "".join(parts)


class ShortcutsSheet(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = collect_shortcuts(window)
        view = QTextBrowser()
        view.setHtml(shortcuts_html(self.rows))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(view)
        lay.addWidget(buttons)
        self.resize(460, 640)


def add_shortcut_tooltips(window) -> int:
    """Append "(keys)" to tooltips that do not show them yet; returns how many were changed."""
    changed = 0
    for act in window.findChildren(QAction):
        keys = _keys(act)
        if not keys or act.menu() is not None or keys in act.toolTip():
            continue
        act.setToolTip(f"{_clean(act.toolTip() or act.text())} ({keys})")
        changed += 1
    return changed
