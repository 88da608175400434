"""Small shared dialog helpers: errors people can read, file pickers remembering their folder, OK/Cancel."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)

ERRORS_SHOWN: list[str] = []  # the last messages shown, newest last (tests and the status bar read it)


def ok_cancel_buttons(dialog: QDialog, ok_text: str | None = None) -> QDialogButtonBox:
    """OK / Cancel wired to the dialog's accept / reject; `ok_text` names what OK does."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    if ok_text:
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def show_error(parent: QWidget | None, title: str, text: str, details: str = "") -> QMessageBox:
    """A window-modal message box opened without a nested event loop, so the engine keeps reporting."""
    ERRORS_SHOWN.append(text)
    del ERRORS_SHOWN[:-20]
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if details:
        box.setDetailedText(details)
    box.open()
    return box


def _last_dir(key: str) -> str:
    return str(QSettings().value(f"dirs/{key}", ""))


def _remember(key: str, path: str) -> None:
    from pathlib import Path

    if path:
        QSettings().setValue(f"dirs/{key}", str(Path(path).parent if Path(path).suffix else path))


def open_file(parent, title: str, filters: str, key: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, title, _last_dir(key), filters)
    _remember(key, path)
    return path


def save_file(parent, title: str, filters: str, key: str, default_suffix: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, _last_dir(key), filters)
    if path and not path.lower().endswith(default_suffix):
        path += default_suffix
    _remember(key, path)
    return path


def choose_dir(parent, title: str, key: str) -> str:
    path = QFileDialog.getExistingDirectory(parent, title, _last_dir(key))
    if path:
        QSettings().setValue(f"dirs/{key}", path)
    return path


def pick_into(edit: QLineEdit, title: str, filters: str | None = None, start: str | None = None) -> None:
    """A file (with `filters`) or folder dialog opened at the field's path (or `start`); the choice
    fills the field, Cancel leaves it as it was."""
    parent, where = edit.window(), start if start is not None else edit.text()
    if filters is None:
        path = QFileDialog.getExistingDirectory(parent, title, where)
    else:
        path, _ = QFileDialog.getOpenFileName(parent, title, where, filters)
    if path:
        edit.setText(path)
