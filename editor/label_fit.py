"""How a label map of another size comes to the model's: the same shape is only scaled (and the status
bar says so); another aspect ratio asks crop / pad / stretch, as Photo to layout offers crop / pad."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractButton, QMessageBox

from .document.label_io import size_difference

DONE = {"crop": "cropped", "pad": "padded", "stretch": "stretched"}


def ask_with_dialog(parent, name: str, shape, model_shape) -> str | None:
    (h, w), (mh, mw) = shape[:2], model_shape
    box = QMessageBox(QMessageBox.Icon.Question, "Label map of another shape",
                      f"{name} is {w}×{h}; the model makes {mw}×{mh} images. How should the map fit?", parent=parent)
    box.setInformativeText("Crop: keep the centre at the model's shape.\n"
                           "Pad: keep all of it and add borders of the unknown class.\n"
                           "Stretch: squash it to the model's shape (shapes get distorted).")
    choices: dict[QAbstractButton, str] = {box.addButton(text, QMessageBox.ButtonRole.AcceptRole): mode
               for text, mode in (("Crop", "crop"), ("Pad", "pad"), ("Stretch", "stretch"))}
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return choices.get(box.clickedButton())


def choose(window, name: str, shape) -> tuple[str, str] | None:
    """(fit mode, what to add to the status message), or None when the user cancelled.
    `window.ask_label_fit(name, shape, model_shape)` answers the question (tests replace it)."""
    model = window.session.doc.model
    (h, w), (mh, mw) = shape[:2], (model.height, model.width)
    kind = size_difference(shape, model)
    if kind is None:
        return "stretch", ""
    if kind == "scale":
        return "stretch", f" (scaled from {w}×{h} to {mw}×{mh})"
    ask = getattr(window, "ask_label_fit", None) or (lambda *a: ask_with_dialog(window, *a))
    mode = ask(name, shape[:2], (mh, mw))
    if mode is None:
        return None
    return mode, f" ({w}×{h} {DONE[mode]} to {mw}×{mh})"
