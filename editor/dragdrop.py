"""Drag and drop onto the window: `classify_drop(path)` decides what a dropped thing is (testable, no Qt);
`DropHandler` (an event filter on the main window) carries it out.

  folder with config.json        -> open that model
  folder with opt.txt            -> import a public OASIS run (the import dialog, prefilled)
  *.oasisproj                    -> open the project
  label map (labelme .json or PNG, CVAT, our indexed PNG + .classes.json, .npy, indexed PNG) -> import it
  colour picture whose colours are all model class colours -> import it as a colour-coded map
  any other picture              -> Photo to layout with that photo
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}
PROJECT_SUFFIX = ".oasisproj"


@dataclass(frozen=True)
class DropAction:
    kind: str  # "model", "oasis_run", "project", "label_map", "photo", "none"
    path: Path
    detail: str = ""  # label-map format, or why nothing can be done


def _palette_only(path: Path, model) -> bool:
    from engine.errors import InputError
    from engine.imagefiles import read_picture

    from .document.label_io import colour_table_from_model, decode_colour_coded

    try:
        decode_colour_coded(read_picture(path), colour_table_from_model(model), path)
        return True
    except InputError:
        return False


def classify_drop(path, model=None) -> DropAction:
    """What dropping `path` does; `model` (ModelReference or None) decides colour-coded map vs photo."""
    from engine.errors import InputError

    from .document.label_import import detect_format

    path = Path(path)
    if path.is_dir():
        if (path / "config.json").is_file():
            return DropAction("model", path)
        if (path / "opt.txt").is_file():
            return DropAction("oasis_run", path)
        return DropAction("none", path, "folder has neither config.json (model) nor opt.txt (OASIS run)")
    if not path.is_file():
        return DropAction("none", path, "not a file")
    suffix = path.suffix.lower()
    if suffix == PROJECT_SUFFIX:
        return DropAction("project", path)
    if suffix == ".npy":
        return DropAction("label_map", path, "indexed")
    if suffix == ".json":
        from engine.labelformats import is_labelme_json

        if is_labelme_json(path):
            return DropAction("label_map", path, "labelme_json")
        return DropAction("none", path, "a .json file that is not a labelme annotation (no \"shapes\")")
    if suffix not in PHOTO_SUFFIXES:
        return DropAction("none", path, f"cannot open {suffix or 'files without suffix'} files")
    try:
        fmt = detect_format(path)
    except InputError as e:
        return DropAction("none", path, str(e))
    if fmt != "colour:model":
        return DropAction("label_map", path, fmt)
    if model is not None and suffix in {".png", ".bmp", ".tif", ".tiff"} and _palette_only(path, model):
        return DropAction("label_map", path, "colour:model")
    return DropAction("photo", path)


def dropped_paths(mime) -> list[Path]:
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]


def make_drop_handler(window):
    """An event filter giving `window` (MainWindow) drops; returns it (keep a reference)."""
    from PySide6.QtCore import QEvent, QObject

    class DropHandler(QObject):
        def eventFilter(self, obj, event):
            kind = event.type()
            if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
                if event.mimeData().hasUrls() and dropped_paths(event.mimeData()):
                    event.acceptProposedAction()
                    return True
            elif kind == QEvent.Type.Drop:
                paths = dropped_paths(event.mimeData())
                if paths:
                    event.acceptProposedAction()
                    perform_drop(window, paths[0])
                    return True
            return False

    handler = DropHandler(window)
    window.setAcceptDrops(True)
    window.installEventFilter(handler)
    return handler


def perform_drop(window, path: Path) -> DropAction:
    from .dialogs import show_error

    model = window.session.doc.model if window.engine.config is not None else None
    action = classify_drop(path, model)
    if action.kind == "model":
        window.load_model(action.path)
    elif action.kind == "oasis_run":
        _import_run(window, action.path)
    elif action.kind == "project":
        window.files.open_project(str(action.path))
    elif action.kind in ("label_map", "photo") and model is None:
        show_error(window, "No model", f"{action.path.name}: open a model first (Model ▸ Open model folder…).")
    elif action.kind == "label_map":
        window.label_imports.import_file(action.path, action.detail)
    elif action.kind == "photo":
        window.show_photo_dialog().open_photo(str(action.path))
    else:
        show_error(window, "Cannot open dropped item", f"{action.path}: {action.detail}")
    return action


def _import_run(window, run_dir: Path) -> None:
    """The import dialog with the run folder filled in (and what its opt.txt tells)."""
    window.models.ask_import(run_dir=run_dir)
