"""Canvas tools: each turns mouse input (in image pixels) into one document command.

Tools paint into the document live for feedback and push exactly one undo step when the gesture ends
(one stroke = one step). Geometry lives in editor/document/painting.py; here is only the interaction.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF

from .document import painting
from .document.commands import diff_edit, patch_edit


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

    def press(self, p: QPointF, event) -> None: ...

    def move(self, p: QPointF, event) -> None: ...

    def release(self, p: QPointF, event) -> None: ...

    def double_click(self, p: QPointF, event) -> None: ...

    def key(self, event) -> bool:
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

    def _xy(self, p: QPointF) -> tuple[float, float]:
        return p.x() - 0.5, p.y() - 0.5  # pixel (i, j) covers [i, i + 1): its centre is i + 0.5


class BrushTool(Tool):
    name, label, icon, shortcut = "brush", "Brush", "fa5s.paint-brush", "B"
    tip = "Paint the current class with a round brush. [ and ] change the size; Alt+click picks a class."
    uses_brush = True

    def __init__(self, ctx):
        super().__init__(ctx)
        self._before = None
        self._last = None

    def class_index(self) -> int:
        return self.ctx.state.current_class

    @property
    def active(self) -> bool:
        return self._before is not None

    def press(self, p, event):
        if event.modifiers() & Qt.KeyboardModifier.AltModifier:
            self.ctx.pick_class(p)
            return
        self._before = self.doc.labels.copy()  # a byte per pixel; the undo step keeps only the changed box
        self._last = self._xy(p)
        self._dab([self._last])

    def move(self, p, event):
        if self._before is None:
            return
        xy = self._xy(p)
        self._dab([self._last, xy])
        self._last = xy

    def _dab(self, points):
        patch = painting.stroke(self.doc.shape, points, self.ctx.state.brush_size)
        painting.paint(self.doc.labels, patch, self.class_index())
        self.ctx.canvas.labels_changed()

    def release(self, p, event):
        if self._before is None:
            return
        before, self._before = self._before, None
        edit = diff_edit("labels", before, self.doc.labels, f"{self.label.lower()} {self.class_name()}")
        if edit is not None:
            self.ctx.session.push(edit)
            self.ctx.state.note_used(self.class_index())

    def cancel(self):
        if self._before is not None:
            self.doc.labels[...] = self._before
            self._before = None
            self.ctx.canvas.labels_changed()

    def drop(self):
        self._before = self._last = None  # the half stroke went with the old document

    def class_name(self) -> str:
        return self.doc.model.class_names[self.class_index()]


class EraserTool(BrushTool):
    name, label, icon, shortcut = "eraser", "Eraser", "fa5s.eraser", "E"
    tip = "Paint the model's unknown class (what the generator treats as 'no label')."

    def class_index(self) -> int:
        unknown = self.doc.model.unknown_index
        return 0 if unknown is None else unknown


class FillTool(Tool):
    name, label, icon, shortcut = "fill", "Fill", "fa5s.fill-drip", "F"
    tip = "Fill the connected region under the cursor with the current class."

    def press(self, p, event):
        x, y = int(p.x()), int(p.y())
        patch = painting.flood_region(self.doc.labels, x, y)
        cls = self.ctx.state.current_class
        edit = patch_edit(self.doc, "labels", patch, cls, f"fill {self.doc.model.class_names[cls]}")
        if edit is not None:
            self.ctx.session.push(edit)
            self.ctx.state.note_used(cls)


class EyedropperTool(Tool):
    name, label, icon, shortcut = "eyedropper", "Pick class", "fa5s.eye-dropper", "I"
    tip = "Click a pixel to make its class the current class."

    def press(self, p, event):
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

    def press(self, p, event):
        self._start = self._end = self._xy(p)
        self.ctx.canvas.update()

    def move(self, p, event):
        if self._start is not None:
            self._end = self._constrain(self._start, self._xy(p), event)
            self.ctx.canvas.update()

    def _constrain(self, a, b, event):
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:  # square / circle
            d = max(abs(b[0] - a[0]), abs(b[1] - a[1]))
            return a[0] + np.sign(b[0] - a[0]) * d, a[1] + np.sign(b[1] - a[1]) * d
        return b

    def release(self, p, event):
        if self._start is None:
            return
        start, end = self._start, self._end
        self._start = self._end = None
        patch = self.shape_patch(start, end)
        cls = self.ctx.state.current_class
        edit = patch_edit(self.doc, "labels", patch, cls, f"{self.label.lower()} {self.doc.model.class_names[cls]}")
        if edit is not None:
            self.ctx.session.push(edit)
            self.ctx.state.note_used(cls)
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

    def _constrain(self, a, b, event):
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
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

    def press(self, p, event):
        xy = self._xy(p)
        if len(self.points) >= 3 and self._near_first(p):
            self.finish()
            return
        self.points.append(xy)
        self.ctx.canvas.update()

    def _near_first(self, p) -> bool:
        first = QPointF(self.points[0][0] + 0.5, self.points[0][1] + 0.5)
        d = (p - first) * self.ctx.canvas.scale
        return (d.x() ** 2 + d.y() ** 2) ** 0.5 <= self.CLOSE_DISTANCE_PX

    def move(self, p, event):
        if self.points:
            self._hover = self._xy(p)
            self.ctx.canvas.update()

    def double_click(self, p, event):
        self.finish()

    def key(self, event) -> bool:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.points:
            self.finish()
            return True
        if event.key() == Qt.Key.Key_Backspace and self.points:
            self.points.pop()
            self.ctx.canvas.update()
            return True
        return False

    def finish(self):
        pts, self.points, self._hover = self.points, [], None
        patch = painting.polygon(self.doc.shape, pts)
        cls = self.ctx.state.current_class
        edit = patch_edit(self.doc, "labels", patch, cls, f"polygon {self.doc.model.class_names[cls]}")
        if edit is not None:
            self.ctx.session.push(edit)
            self.ctx.state.note_used(cls)
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

    def press(self, p, event):
        self._last = self._xy(p)
        self.selection = painting.stroke(self.doc.shape, [self._last], self.ctx.state.brush_size)
        self.ctx.canvas.update()

    def move(self, p, event):
        if self._last is None:
            return
        xy = self._xy(p)
        seg = painting.stroke(self.doc.shape, [self._last, xy], self.ctx.state.brush_size)
        self.selection = painting.union(self.selection, seg)
        self._last = xy
        self.ctx.canvas.update()

    def release(self, p, event):
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
