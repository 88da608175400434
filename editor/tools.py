"""Canvas tools: each turns pointer input (image pixels and modifiers) into one undo step.

The canvas turns Qt's mouse and key events into `Pointer`s and key names (CanvasWidget._pointer, the one
place); tools see nothing of Qt's input. Label tools paint through a stroke of the plain history
(editor/document/history.py): painted live for feedback, one step when the gesture ends (one stroke =
one step), all through `Tool._paint_step` / `Tool._finish_stroke`. Geometry lives in
editor/document/painting.py; here is only the interaction (and the previews, drawn with QPainter).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF

from .document import painting
from .document.history import Stroke


@dataclass(frozen=True)
class Pointer:
    """The mouse in image coordinates (pixel (i, j) covers [i, i + 1) x [j, j + 1)) and the modifiers held."""

    x: float
    y: float
    shift: bool = False
    alt: bool = False
    ctrl: bool = False

    @property
    def centre(self) -> tuple[float, float]:
        """Geometry coordinates: pixel (i, j) is centred on (i, j) there."""
        return self.x - 0.5, self.y - 0.5

    @property
    def pixel(self) -> tuple[int, int]:
        return math.floor(self.x), math.floor(self.y)


class Tool:
    name = "tool"
    label = "Tool"
    icon = "fa5s.question"
    shortcut = ""
    tip = ""
    uses_brush = False  # shows the round brush cursor
    edits_noise = False  # the canvas shows locked pixels while this tool is active

    def __init__(self, ctx):
        self.ctx = ctx  # ToolContext: session, state, canvas, noise (NoiseController)

    @property
    def doc(self):
        return self.ctx.session.doc

    @property
    def history(self):
        return self.ctx.session.history

    def press(self, p: Pointer) -> None: ...

    def move(self, p: Pointer) -> None: ...

    def release(self, p: Pointer) -> None: ...

    def double_click(self, p: Pointer) -> None: ...

    def key(self, name: str) -> bool:
        """A key the canvas did not handle ("enter", "backspace"); True if the tool used it."""
        return False

    def cancel(self) -> None: ...

    def drop(self) -> None:
        """The document was replaced mid-gesture: forget the gesture, touching nothing of the new one."""
        self.cancel()

    def paint_overlay(self, painter: QPainter, to_view) -> None:
        """Draw previews; `to_view(QPointF) -> QPointF` maps image pixels to widget coordinates."""

    @property
    def active(self) -> bool:
        return False

    # -- the one way label tools change the document ---------------------------------------------
    def step_text(self, class_index: int) -> str:
        return f"{self.label.lower()} {self.doc.model.class_names[class_index]}"

    def _begin_stroke(self, class_index: int) -> Stroke:
        return self.history.begin_stroke(self.step_text(class_index))

    def _finish_stroke(self, class_index: int) -> None:
        """The open stroke becomes one undo step (none if it changed nothing)."""
        if self.history.commit_stroke() is not None:
            self.ctx.state.note_used(class_index)

    def _paint_step(self, patch: painting.Patch, class_index: int) -> None:
        """One undo step setting the patch's pixels to a class (fill, shapes, polygon)."""
        self._begin_stroke(class_index).paint(patch, class_index)
        self._finish_stroke(class_index)


class BrushTool(Tool):
    name, label, icon, shortcut = "brush", "Brush", "fa5s.paint-brush", "B"
    tip = "Paint the current class with a round brush. [ and ] change the size; Alt+click picks a class."
    uses_brush = True

    def __init__(self, ctx):
        super().__init__(ctx)
        self._stroke: Stroke | None = None
        self._class = 0
        self._last: tuple[float, float] | None = None

    def class_index(self) -> int:
        return self.ctx.state.current_class

    @property
    def active(self) -> bool:
        return self._stroke is not None and self._stroke.open

    def press(self, p):
        if p.alt:
            self.ctx.pick_class(p)
            return
        self._class = self.class_index()
        self._stroke = self._begin_stroke(self._class)  # keeps the original values of what it touches
        self._last = p.centre
        self._dab([self._last])

    def move(self, p):
        if not self.active or self._last is None:
            return
        xy = p.centre
        self._dab([self._last, xy])
        self._last = xy

    def _dab(self, points):
        if self._stroke is None:
            return
        self._stroke.paint(painting.stroke(self.doc.shape, points, self.ctx.state.brush_size), self._class)
        self.ctx.canvas.labels_changed()

    def release(self, p):
        if self.active:
            self._stroke = self._last = None
            self._finish_stroke(self._class)

    def cancel(self):
        if self.active:
            self._stroke = self._last = None
            self.history.abort_stroke()
            self.ctx.canvas.labels_changed()

    def drop(self):
        self._stroke = self._last = None  # the half stroke went with the old document (History.reset)


class EraserTool(BrushTool):
    name, label, icon, shortcut = "eraser", "Eraser", "fa5s.eraser", "E"
    tip = "Paint the model's unknown class (what the generator treats as 'no label')."

    def class_index(self) -> int:
        unknown = self.doc.model.unknown_index
        return 0 if unknown is None else unknown


class FillTool(Tool):
    name, label, icon, shortcut = "fill", "Fill", "fa5s.fill-drip", "F"
    tip = "Fill the connected region under the cursor with the current class."

    def press(self, p):
        self._paint_step(painting.flood_region(self.doc.labels, *p.pixel), self.ctx.state.current_class)


class EyedropperTool(Tool):
    name, label, icon, shortcut = "eyedropper", "Pick class", "fa5s.eye-dropper", "I"
    tip = "Click a pixel to make its class the current class."

    def press(self, p):
        self.ctx.pick_class(p)


class ShapeTool(Tool):
    """Drag from one corner to the other; the shape is filled with the current class on release."""

    def __init__(self, ctx):
        super().__init__(ctx)
        self._start = None
        self._end = None

    @property
    def active(self) -> bool:
        return self._start is not None

    def press(self, p):
        self._start = self._end = p.centre
        self.ctx.canvas.update()

    def move(self, p):
        if self._start is not None:
            self._end = self._constrain(self._start, p.centre, p.shift)
            self.ctx.canvas.update()

    def _constrain(self, a, b, shift: bool):
        if shift:  # square / circle
            d = max(abs(b[0] - a[0]), abs(b[1] - a[1]))
            return a[0] + np.sign(b[0] - a[0]) * d, a[1] + np.sign(b[1] - a[1]) * d
        return b

    def release(self, p):
        if self._start is None:
            return
        start, end = self._start, self._end
        self._start = self._end = None
        self._paint_step(self.shape_patch(start, end), self.ctx.state.current_class)
        self.ctx.canvas.update()

    def cancel(self):
        self._start = self._end = None
        self.ctx.canvas.update()

    def shape_patch(self, a, b) -> painting.Patch:
        raise NotImplementedError

    def paint_overlay(self, painter, to_view):
        if self._start is None:
            return
        patch = self.shape_patch(self._start, self._end)
        self.ctx.canvas.draw_mask(painter, patch, self.ctx.canvas.class_colour(self.ctx.state.current_class), 0.75)


class LineTool(ShapeTool):
    name, label, icon, shortcut = "line", "Line", "fa5s.slash", "L"
    tip = "Drag a straight line as wide as the brush. Shift snaps to 45 degrees."
    uses_brush = True

    def _constrain(self, a, b, shift: bool):
        if shift:  # 45 degree steps
            dx, dy = b[0] - a[0], b[1] - a[1]
            angle = round(np.arctan2(dy, dx) / (np.pi / 4)) * (np.pi / 4)
            r = float(np.hypot(dx, dy))
            return a[0] + r * np.cos(angle), a[1] + r * np.sin(angle)
        return b

    def shape_patch(self, a, b):
        return painting.line(self.doc.shape, a, b, self.ctx.state.brush_size)


class RectangleTool(ShapeTool):
    name, label, icon, shortcut = "rectangle", "Rectangle", "fa5s.square", "R"
    tip = "Drag a filled rectangle. Shift makes a square."

    def shape_patch(self, a, b):
        return painting.rectangle(self.doc.shape, a, b)


class EllipseTool(ShapeTool):
    name, label, icon, shortcut = "ellipse", "Ellipse", "fa5s.circle", "O"
    tip = "Drag a filled ellipse. Shift makes a circle."

    def shape_patch(self, a, b):
        return painting.ellipse(self.doc.shape, a, b)


class PolygonTool(Tool):
    name, label, icon, shortcut = "polygon", "Polygon", "fa5s.draw-polygon", "P"
    tip = "Click the corners; double-click, Enter or a click on the first corner fills. Esc cancels."
    CLOSE_DISTANCE_PX = 8  # on screen

    def __init__(self, ctx):
        super().__init__(ctx)
        self.points: list[tuple[float, float]] = []
        self._hover = None

    @property
    def active(self) -> bool:
        return bool(self.points)

    def press(self, p):
        if len(self.points) >= 3 and self._near_first(p):
            self.finish()
            return
        self.points.append(p.centre)
        self.ctx.canvas.update()

    def _near_first(self, p: Pointer) -> bool:
        (fx, fy), (x, y) = self.points[0], p.centre
        return math.hypot(x - fx, y - fy) * self.ctx.canvas.scale <= self.CLOSE_DISTANCE_PX

    def move(self, p):
        if self.points:
            self._hover = p.centre
            self.ctx.canvas.update()

    def double_click(self, p):
        self.finish()

    def key(self, name: str) -> bool:
        if name == "enter" and self.points:
            self.finish()
            return True
        if name == "backspace" and self.points:
            self.points.pop()
            self.ctx.canvas.update()
            return True
        return False

    def finish(self):
        pts, self.points, self._hover = self.points, [], None
        self._paint_step(painting.polygon(self.doc.shape, pts), self.ctx.state.current_class)
        self.ctx.canvas.update()

    def cancel(self):
        self.points, self._hover = [], None
        self.ctx.canvas.update()

    def paint_overlay(self, painter, to_view):
        if not self.points:
            return
        pts = self.points + ([self._hover] if self._hover is not None else [])
        corners = [to_view(QPointF(x + 0.5, y + 0.5)) for x, y in pts]
        poly = QPolygonF(corners)
        colour = QColor(self.ctx.canvas.class_colour(self.ctx.state.current_class))
        colour.setAlpha(110)
        painter.setBrush(QBrush(colour))
        painter.setPen(QPen(QColor(255, 255, 255), 1.5, Qt.PenStyle.DashLine))
        painter.drawPolygon(poly)
        painter.setBrush(QColor(255, 255, 255))
        for q in corners[:len(self.points)]:  # the hover point is no corner yet; QPolygonF cannot slice
            painter.drawEllipse(q, 3, 3)


class NoiseBrushTool(Tool):
    """Brush a region, then the noise panel's action (resample, lock, blend...) is applied to it."""

    name, label, icon, shortcut = "noise", "Noise brush", "fa5s.dice", "N"
    tip = "Brush over a region to restyle it: resample its noise, lock it, or pick it for blending."
    uses_brush = True
    edits_noise = True

    def __init__(self, ctx):
        super().__init__(ctx)
        self.selection = painting.EMPTY
        self._last = None

    @property
    def active(self) -> bool:
        return self._last is not None

    def press(self, p):
        self._last = p.centre
        self.selection = painting.stroke(self.doc.shape, [self._last], self.ctx.state.brush_size)
        self.ctx.canvas.update()

    def move(self, p):
        if self._last is None:
            return
        xy = p.centre
        seg = painting.stroke(self.doc.shape, [self._last, xy], self.ctx.state.brush_size)
        self.selection = painting.union(self.selection, seg)
        self._last = xy
        self.ctx.canvas.update()

    def release(self, p):
        if self._last is None:
            return
        self._last = None
        selection, self.selection = self.selection, painting.EMPTY
        self.ctx.noise.apply_brush(selection)
        self.ctx.canvas.update()

    def cancel(self):
        self._last, self.selection = None, painting.EMPTY
        self.ctx.canvas.update()

    def paint_overlay(self, painter, to_view):
        if not self.selection.empty:
            self.ctx.canvas.draw_mask(painter, self.selection, QColor(255, 200, 0), 0.45)


ALL_TOOLS = (BrushTool, EraserTool, FillTool, LineTool, RectangleTool, EllipseTool, PolygonTool, EyedropperTool,
             NoiseBrushTool)


def brush_outline(painter: QPainter, centre: QPointF, diameter_px: float) -> None:
    """A two-tone circle visible on any background."""
    r = diameter_px / 2
    rect = QRectF(centre.x() - r, centre.y() - r, 2 * r, 2 * r)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(0, 0, 0, 200), 3))
    painter.drawEllipse(rect)
    painter.setPen(QPen(QColor(255, 255, 255, 230), 1))
    painter.drawEllipse(rect)
