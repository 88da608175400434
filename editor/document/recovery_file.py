"""The crash-recovery file: an ordinary project (project_file.py) plus the undo history, so a restore
brings back the steps as well as the document.

    ... project members ...     the document as it was (any project reader opens the file)
    history.json                format, version, the project file the document belongs to, the steps
                                (kind, text, numbers) and which of them are undone (redo steps)
    history.npz                 the steps' arrays (changed rectangles, lock masks, images), uncompressed

Only the newest steps that fit in `budget` bytes are written (undo steps first, then redo steps), so a
history of large noise edits never makes every autosave write hundreds of megabytes. Recovery files of
earlier versions (a project alone) restore the document with no history; a history that is damaged or
of a newer version is refused with the reason, and the document is restored without it.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import project_file
from .commands import Compound, RegionEdit, SetImage, SetSeed
from .label_document import LabelDocument
from .noise_ops import ReseedEdit
from .project_file import load_project, project_bytes

HISTORY_FORMAT = "oasis-studio-history"
HISTORY_VERSION = 1
RECOVERY_HISTORY_BYTES = 32 * 2**20  # the newest steps up to this size go into each autosave (GUI thread)


@dataclass
class Recovery:
    doc: LabelDocument
    steps: list = field(default_factory=list)  # document commands, oldest first
    applied: int = 0  # steps[:applied] are done (undo steps), the rest undone (redo steps)
    project_path: Path | None = None  # the file the document belongs to (None: untitled)
    note: str = ""  # why the history is shorter than it was, or missing


class _Arrays:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def put(self, arr: np.ndarray | None) -> str | None:
        if arr is None:
            return None
        name = f"a{len(self.arrays)}"
        self.arrays[name] = np.ascontiguousarray(arr)
        return name


def _encode(cmd, out: _Arrays) -> dict:
    if isinstance(cmd, RegionEdit):
        return {"kind": "region", "text": cmd.text, "layer": cmd.layer, "y0": cmd.y0, "x0": cmd.x0,
                "old": out.put(cmd.old), "new": out.put(cmd.new)}
    if isinstance(cmd, SetSeed):
        return {"kind": "seed", "text": cmd.text, "old": int(cmd.old), "new": int(cmd.new)}
    if isinstance(cmd, SetImage):
        return {"kind": "image", "text": cmd.text, "old": out.put(cmd.old), "new": out.put(cmd.new)}
    if isinstance(cmd, Compound):
        return {"kind": "compound", "text": cmd.text, "parts": [_encode(p, out) for p in cmd.parts]}
    if isinstance(cmd, ReseedEdit):
        return {"kind": "reseed", "text": cmd.text, "old_seed": cmd.old_seed, "new_seed": cmd.new_seed,
                "locked": out.put(cmd.locked),
                "residual": None if cmd.residual is None else _encode(cmd.residual, out)}
    raise TypeError(f"cannot store a {type(cmd).__name__} in the recovery history")


def _steps_within(steps: list, applied: int, budget: int) -> tuple[int, int]:
    """(first, last): steps[first:last] is what fits, the undo steps nearest the present first."""
    total, first = 0, applied
    while first > 0 and total + steps[first - 1].nbytes <= budget:
        first -= 1
        total += steps[first].nbytes
    last = applied
    while last < len(steps) and total + steps[last].nbytes <= budget:
        total += steps[last].nbytes
        last += 1
    return first, last


def recovery_bytes(doc: LabelDocument, steps: list, applied: int, project_path=None,
                   budget: int = RECOVERY_HISTORY_BYTES) -> bytes:
    first, last = _steps_within(steps, applied, budget)
    while True:  # a step of a kind this file cannot hold ends the history there: the document still gets saved
        arrays, encoded, bad = _Arrays(), [], first
        try:
            for i in range(first, last):
                bad = i
                encoded.append(_encode(steps[i], arrays))
            break
        except TypeError:
            first, last = (bad + 1, last) if bad < applied else (first, bad)
    history = {"format": HISTORY_FORMAT, "version": HISTORY_VERSION,
               "project_path": str(project_path) if project_path else None,
               "steps": encoded, "applied": applied - first,
               "dropped_oldest": first, "dropped_newest": len(steps) - last}
    buf = io.BytesIO(project_bytes(doc))
    npz = io.BytesIO()
    members: dict[str, Any] = arrays.arrays
    np.savez(npz, **members)
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr("history.json", json.dumps(history), compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("history.npz", npz.getvalue(), compress_type=zipfile.ZIP_STORED)  # noise does not compress
    return buf.getvalue()


def save_recovery(path: Path, doc: LabelDocument, steps: list, applied: int, project_path=None,
                  budget: int = RECOVERY_HISTORY_BYTES) -> None:
    # through project_file's writer: one place writes projects and recovery files (and tests patch it)
    project_file.atomic_write_bytes(Path(path), recovery_bytes(doc, steps, applied, project_path, budget))


# -- reading ----------------------------------------------------------------------------------------
class _Bad(Exception):
    pass


def _array(arrays, name, shape_check=None):
    if name is None:
        return None
    if not isinstance(name, str) or name not in arrays:
        raise _Bad(f"array {name!r} is missing")
    arr = arrays[name]
    if shape_check is not None and not shape_check(arr):
        raise _Bad(f"array {name} has shape {arr.shape} and type {arr.dtype}, which does not fit the document")
    return arr


def _region_fits(doc: LabelDocument, layer, y0, x0, arr) -> bool:
    h, w = doc.shape
    want = {"labels": (np.uint8, 2), "noise": (np.float32, 3), "locked": (np.bool_, 2)}.get(layer)
    if want is None or arr.dtype != want[0] or arr.ndim != want[1]:
        return False
    if layer == "noise" and arr.shape[0] != doc.model.z_dim:
        return False
    ah, aw = arr.shape[-2:]
    return 0 <= y0 and 0 <= x0 and y0 + ah <= h and x0 + aw <= w


def _decode(d, arrays, doc: LabelDocument):
    if not isinstance(d, dict):
        raise _Bad("a step is not an object")
    kind, text = d.get("kind"), str(d.get("text", "edit"))
    if kind == "region":
        layer, y0, x0 = d.get("layer"), d.get("y0"), d.get("x0")
        if not (isinstance(y0, int) and isinstance(x0, int)):
            raise _Bad("a region step has no integer position")
        old = _array(arrays, d.get("old"), lambda a: _region_fits(doc, layer, y0, x0, a))
        new = _array(arrays, d.get("new"), lambda a: a.shape == old.shape and a.dtype == old.dtype)
        if old is None or new is None:
            raise _Bad("a region step lacks its arrays")
        return RegionEdit(str(layer), y0, x0, old, new, text)
    if kind == "seed":
        if not (isinstance(d.get("old"), int) and isinstance(d.get("new"), int)):
            raise _Bad("a seed step has no integer seeds")
        return SetSeed(d["old"], d["new"], text)
    if kind == "image":
        fits = lambda a: a.shape == (*doc.shape, 3) and a.dtype == np.uint8  # noqa: E731
        return SetImage(_array(arrays, d.get("old"), fits), _array(arrays, d.get("new"), fits), text)
    if kind == "compound":
        if not isinstance(d.get("parts"), list):
            raise _Bad("a compound step has no parts")
        return Compound([_decode(p, arrays, doc) for p in d["parts"]], text)
    if kind == "reseed":
        if not (isinstance(d.get("old_seed"), int) and isinstance(d.get("new_seed"), int)):
            raise _Bad("a reseed step has no integer seeds")
        locked = _array(arrays, d.get("locked"), lambda a: a.shape == doc.shape and a.dtype == np.bool_)
        residual = None if d.get("residual") is None else _decode(d["residual"], arrays, doc)
        if locked is None or not (residual is None or isinstance(residual, RegionEdit)):
            raise _Bad("a reseed step lacks its lock mask")
        return ReseedEdit.restored(d["old_seed"], d["new_seed"], locked, residual, text)
    raise _Bad(f"unknown step kind {kind!r}")


def load_recovery(path: Path) -> Recovery:
    """The document (InputError if even that cannot be read) and as much of its history as is sound."""
    path = Path(path)
    doc = load_project(path)
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        if "history.json" not in names:
            return Recovery(doc, note="this recovery file has no undo history (written by an earlier version)")
        try:
            history = json.loads(z.read("history.json").decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return Recovery(doc, note="the undo history is damaged (history.json is not JSON); not restored")
        if not isinstance(history, dict) or history.get("format") != HISTORY_FORMAT:
            return Recovery(doc, note="the undo history is not in a format this app knows; not restored")
        version = history.get("version")
        if not isinstance(version, int) or version > HISTORY_VERSION:
            return Recovery(doc, note=f"the undo history has version {version!r}, newer than this app reads "
                                      f"({HISTORY_VERSION}); not restored")
        project_path = Path(history["project_path"]) if isinstance(history.get("project_path"), str) else None
        try:
            with np.load(io.BytesIO(z.read("history.npz")), allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
            raw = history.get("steps")
            applied = history.get("applied")
            if not isinstance(raw, list) or not isinstance(applied, int) or not 0 <= applied <= len(raw):
                raise _Bad("the list of steps is malformed")
            steps = [_decode(d, arrays, doc) for d in raw]
        except (_Bad, KeyError, ValueError, OSError, zipfile.BadZipFile) as e:
            return Recovery(doc, project_path=project_path,
                            note=f"the undo history is damaged ({e}); the document is restored without it")
    note = ""
    if history.get("dropped_oldest"):
        note = f"the {history['dropped_oldest']} oldest undo steps did not fit in the recovery file"
    return Recovery(doc, steps, applied, project_path, note)

