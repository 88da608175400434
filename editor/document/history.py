"""One document's undo history as plain data: the steps, the present, the saved point and the open stroke.

Every change of the document that the user can undo is a `Step` wrapping one command of commands.py or
noise_ops.py (`apply(doc)` / `revert(doc)`, `nbytes`, `text`). `History.index` steps are done, the
rest are redo steps; `clean_index` is where the document equals its file (None: no step does).

A stroke (a brush drag) paints the label map in place for feedback and becomes one step when it ends:
`begin_stroke` opens it, `Stroke.paint` writes each dab and keeps the original values of the rectangle
the stroke has touched so far, `commit_stroke` turns that rectangle into one `RegionEdit` of only the
changed pixels (old and new values), `abort_stroke` puts the original values back.

The history is bounded by a count (`limit`) and by bytes (`budget`): one noise edit over a whole
256 x 256 map with z = 64 holds 2 x 16 MB, so a count alone could pin gigabytes. Past the budget the
oldest steps go, down to 3/4 of it (not one per push).

Whoever shows the history (the editor's Qt undo stack and History panel) subscribes to `HistoryEvent`s;
nothing here knows about them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .commands import Compound, RegionEdit, SetImage, SetSeed, diff_edit
from .label_document import LabelDocument
from .noise_ops import ReseedEdit
from .painting import Patch, paint

UNDO_LIMIT = 100  # steps; noise steps store changed rectangles, reseeds only local residuals
HISTORY_BUDGET_BYTES = 256 * 2**20
STROKE_LAYERS = ("labels", "locked")  # H x W layers a stroke paints in place
_GROW_PX = 16  # a stroke's rectangle grows by at least this much, so a long drag copies it rarely

ALL_LAYERS = frozenset({"labels", "noise", "locked", "image", "seed"})


def layers_of(cmd) -> set[str]:
    """The document layers a command changes: labels, noise, locked, image, seed."""
    if isinstance(cmd, Compound):
        out: set[str] = set()
        for p in cmd.parts:
            out |= layers_of(p)
        return out
    if isinstance(cmd, RegionEdit):
        return {cmd.layer}
    if isinstance(cmd, SetImage):
        return {"image"}
    if isinstance(cmd, SetSeed):
        return {"seed"}
    if isinstance(cmd, ReseedEdit):
        return {"seed", "noise"}
    return set()


@dataclass(eq=False)
class Step:
    """One undo step. `image_attached`: live mode made its generated image part of it."""

    command: Any
    image_attached: bool = False

    @property
    def text(self) -> str:
        return str(self.command.text)

    @property
    def nbytes(self) -> int:
        return int(self.command.nbytes)


@dataclass(frozen=True)
class HistoryEvent:
    """What changed. kind: "push" (a new step, after `dropped` oldest steps went), "undo", "redo",
    "amend" (a step got its image), "restore" (other steps altogether: another document or a
    recovered history), "clean" (the saved point moved: saved, or no longer reachable).
    `layers`: the document layers that changed."""

    kind: str
    layers: frozenset[str] = frozenset()
    step: Step | None = None
    dropped: int = 0


class Stroke:
    """A gesture painting one H x W layer in place; it keeps the original values of the rectangle it
    has touched (y0, x0, y1, x1), grown as the dabs reach further."""

    def __init__(self, doc: LabelDocument, layer: str, text: str):
        if layer not in STROKE_LAYERS:
            raise ValueError(f"a stroke paints {' or '.join(STROKE_LAYERS)}, not {layer!r}")
        self.doc, self.layer, self.text = doc, layer, text
        self.box: tuple[int, int, int, int] | None = None
        self._original: np.ndarray | None = None
        self.open = True

    def paint(self, patch: Patch, value) -> None:
        """Set the patch's pixels to `value`, remembering what they were."""
        if patch.empty or not self.open:
            return
        self._cover(patch.y0, patch.x0, patch.y1, patch.x1)
        paint(self.doc.writable(self.layer), patch, value)

    def _cover(self, y0: int, x0: int, y1: int, x1: int) -> None:
        arr = self.doc.layer(self.layer)
        if self.box is None or self._original is None:
            self.box = (y0, x0, y1, x1)
            self._original = arr[y0:y1, x0:x1].copy()
            return
        by0, bx0, by1, bx1 = self.box
        if by0 <= y0 and bx0 <= x0 and y1 <= by1 and x1 <= bx1:
            return
        h, w = arr.shape[:2]
        ny0 = max(0, min(y0, by0 - _GROW_PX)) if y0 < by0 else by0
        nx0 = max(0, min(x0, bx0 - _GROW_PX)) if x0 < bx0 else bx0
        ny1 = min(h, max(y1, by1 + _GROW_PX)) if y1 > by1 else by1
        nx1 = min(w, max(x1, bx1 + _GROW_PX)) if x1 > bx1 else bx1
        # outside the old rectangle nothing is painted yet: the map there still holds the originals
        grown = arr[ny0:ny1, nx0:nx1].copy()
        grown[by0 - ny0:by1 - ny0, bx0 - nx0:bx1 - nx0] = self._original
        self.box, self._original = (ny0, nx0, ny1, nx1), grown

    def delta(self) -> RegionEdit | None:
        """The changed pixels as one step's edit (None if the stroke changed nothing)."""
        if self.box is None or self._original is None:
            return None
        y0, x0, y1, x1 = self.box
        edit = diff_edit(self.layer, self._original, self.doc.layer(self.layer)[y0:y1, x0:x1], self.text)
        if edit is not None:
            edit.y0 += y0
            edit.x0 += x0
        return edit

    def restore(self) -> None:
        if self.box is not None and self._original is not None:
            y0, x0, y1, x1 = self.box
            self.doc.writable(self.layer)[y0:y1, x0:x1] = self._original


class History:
    def __init__(self, doc: LabelDocument, limit: int = UNDO_LIMIT, budget: int = HISTORY_BUDGET_BYTES):
        self.doc = doc
        self.limit = limit
        self.budget = budget
        self._steps: list[Step] = []
        self.index = 0
        self.clean_index: int | None = 0
        self.stroke: Stroke | None = None
        self._listeners: list[Callable[[HistoryEvent], None]] = []

    # -- observing ---------------------------------------------------------------------------------
    def subscribe(self, listener: Callable[[HistoryEvent], None]) -> None:
        self._listeners.append(listener)

    def _tell(self, event: HistoryEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(self._steps)

    def commands(self) -> list:
        """The steps' commands, oldest first (the first `index` are done)."""
        return [s.command for s in self._steps]

    @property
    def count(self) -> int:
        return len(self._steps)

    def nbytes(self) -> int:
        return sum(s.nbytes for s in self._steps)

    @property
    def top(self) -> Step | None:
        """The step an undo would revert."""
        return self._steps[self.index - 1] if self.index > 0 else None

    @property
    def is_clean(self) -> bool:
        return self.clean_index == self.index

    @property
    def can_undo(self) -> bool:
        return self.index > 0

    @property
    def can_redo(self) -> bool:
        return self.index < len(self._steps)

    @property
    def undo_text(self) -> str:
        return self._steps[self.index - 1].text if self.can_undo else ""

    @property
    def redo_text(self) -> str:
        return self._steps[self.index].text if self.can_redo else ""

    # -- changing ----------------------------------------------------------------------------------
    def push(self, command, applied: bool = False) -> Step | None:
        """A new step after the present one (the redo steps go). `applied`: the document already holds
        the command's result (a stroke painted in place); otherwise it is applied here."""
        if command is None:
            return None
        layers = layers_of(command)
        if self.stroke is not None and self.stroke.layer in layers:
            self.commit_stroke()  # its remembered originals would be stale under this command
        del self._steps[self.index:]
        if self.clean_index is not None and self.clean_index > self.index:
            self.clean_index = None  # the saved state was a redo step: no step reaches it any more
        dropped = self._make_room(command.nbytes)
        if not applied:
            command.apply(self.doc)
        step = Step(command)
        self._steps.append(step)
        self.index += 1
        if len(self._steps) > self.limit:
            dropped += self._drop_oldest(len(self._steps) - self.limit)
        self._tell(HistoryEvent("push", frozenset(layers), step, dropped))
        return step

    def _drop_oldest(self, n: int) -> int:
        del self._steps[:n]
        self.index -= n
        if self.clean_index is not None:
            self.clean_index = self.clean_index - n if self.clean_index >= n else None
        return n

    def _make_room(self, incoming: int) -> int:
        """Drop the oldest steps when the history would pass its byte budget; returns how many."""
        sizes = [s.nbytes for s in self._steps]
        total = sum(sizes) + incoming
        if total <= self.budget:
            return 0
        drop = 0
        while drop < len(sizes) and total > self.budget * 3 // 4:
            total -= sizes[drop]
            drop += 1
        return self._drop_oldest(drop) if drop else 0

    def undo(self) -> bool:
        """Revert the newest done step (an open stroke is committed first, so it is what goes)."""
        self.commit_stroke()
        if not self.can_undo:
            return False
        self.index -= 1
        step = self._steps[self.index]
        step.command.revert(self.doc)
        self._tell(HistoryEvent("undo", frozenset(layers_of(step.command)), step))
        return True

    def redo(self) -> bool:
        self.commit_stroke()
        if not self.can_redo:
            return False
        step = self._steps[self.index]
        step.command.apply(self.doc)
        self.index += 1
        self._tell(HistoryEvent("redo", frozenset(layers_of(step.command)), step))
        return True

    def set_index(self, index: int) -> None:
        """Undo or redo until `index` steps are done (clicking a row of the History panel)."""
        index = max(0, min(index, len(self._steps)))
        while self.index > index and self.undo():
            pass
        while self.index < index and self.redo():
            pass

    def attach_image(self, step: Step, image: np.ndarray) -> bool:
        """Make a generated image part of `step` (live mode: one stroke and its image are one undo), as
        long as it is still the newest done step and has none yet."""
        if step is not self.top or step.image_attached:
            return False
        part = SetImage(self.doc.image, image, "generate")
        step.command = Compound([step.command, part], step.command.text)
        step.image_attached = True
        part.apply(self.doc)
        self._tell(HistoryEvent("amend", frozenset({"image"}), step))
        return True

    def set_clean(self) -> None:
        """The document now equals its file."""
        if self.clean_index != self.index:
            self.clean_index = self.index
            self._tell(HistoryEvent("clean"))

    def reset_clean(self) -> None:
        """No state of the history equals the file any more (it names another model folder, say)."""
        if self.clean_index is not None:
            self.clean_index = None
            self._tell(HistoryEvent("clean"))

    def restore(self, commands: list, applied: int, clean_index: int | None = None) -> None:
        """Hold `commands` as the steps, the document being the state after the first `applied` of them
        (nothing is applied or reverted here): a recovered history."""
        if not 0 <= applied <= len(commands):
            raise ValueError(f"{applied} applied steps of {len(commands)}")
        self.commit_stroke()
        self._steps = [Step(c) for c in commands]
        self.index = applied
        self.clean_index = clean_index if clean_index is not None and 0 <= clean_index <= len(commands) else None
        self._tell(HistoryEvent("restore"))

    def reset(self, doc: LabelDocument) -> None:
        """Another document: an empty history, clean. An open stroke belonged to the old document."""
        if self.stroke is not None:
            self.stroke.open = False
            self.stroke = None
        self.doc = doc
        self._steps, self.index, self.clean_index = [], 0, 0
        self._tell(HistoryEvent("restore", ALL_LAYERS))

    # -- strokes -----------------------------------------------------------------------------------
    def begin_stroke(self, text: str, layer: str = "labels") -> Stroke:
        """Open a stroke that will be one step named `text` (an open one is committed first)."""
        self.commit_stroke()
        self.stroke = Stroke(self.doc, layer, text)
        return self.stroke

    def commit_stroke(self) -> Step | None:
        """Close the open stroke: its changed rectangle becomes one step (None if nothing changed)."""
        stroke, self.stroke = self.stroke, None
        if stroke is None:
            return None
        stroke.open = False
        return self.push(stroke.delta(), applied=True)

    def abort_stroke(self) -> bool:
        """Close the open stroke and put back what it painted; False if none was open."""
        stroke, self.stroke = self.stroke, None
        if stroke is None:
            return False
        stroke.open = False
        stroke.restore()
        return True
