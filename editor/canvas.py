"""The canvas: label map over (or beside) the generated image, zoom and pan, mouse input to tools.

Image pixel (i, j) covers [i, i + 1) x [j, j + 1) in image coordinates; the view maps them to the widget
with `widget = image * scale + offset`. Rendering is nearest-neighbour at every zoom, so each label pixel
stays a crisp square.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QWidget

from .document.painting import Patch
from .session import EditorSession
from .theme import canvas_colours
from .tools import Pointer, Tool, brush_outline

OVERLAY, SIDE_BY_SIDE = "overlay", "side by side"
GAP = 8  # image pixels between the two panels in side-by-side mode
MIN_SCALE, MAX_SCALE = 0.05, 64.0
TOOL_KEYS = {Qt.Key.Key_Return: "enter", Qt.Key.Key_Enter: "enter", Qt.Key.Key_Backspace: "backspace"}


# Cached images are kept in the raster engine's native format: drawing an RGB888 or Indexed8 image
# would convert it on every paint (about 10 ms per frame for a 256x256 map zoomed to fill the window).
NATIVE = QImage.Format.Format_ARGB32_Premultiplied


def rgb_qimage(rgb: np.ndarray) -> QImage:
    h, w, _ = rgb.shape
    rgb = np.ascontiguousarray(rgb)
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).convertToFormat(NATIVE)


def labels_qimage(labels: np.ndarray, colour_table: list[int]) -> QImage:
    h, w = labels.shape
    data = np.ascontiguousarray(labels, dtype=np.uint8)
    im = QImage(data.data, w, h, w, QImage.Format.Format_Indexed8)
    im.setColorTable(colour_table)
    return im.convertToFormat(NATIVE)


def mask_qimage(mask: np.ndarray, colour: QColor, alpha: float) -> QImage:
    h, w = mask.shape
    argb = np.zeros((h, w, 4), np.uint8)  # BGRA in memory for Format_ARGB32 on little-endian
    argb[mask] = (colour.blue(), colour.green(), colour.red(), int(255 * alpha))
    return QImage(argb.data, w, h, 4 * w, QImage.Format.Format_ARGB32).convertToFormat(NATIVE)


def hatch_qimage(mask: np.ndarray) -> QImage:
    """Diagonal stripes over masked pixels: how locked noise regions are shown."""
    h, w = mask.shape
    yy, xx = np.mgrid[:h, :w]
    stripes = ((xx + yy) // 3) % 2 == 0
    argb = np.zeros((h, w, 4), np.uint8)
    argb[mask & stripes] = (255, 160, 60, 150)
    argb[mask & ~stripes] = (255, 160, 60, 50)
    return QImage(argb.data, w, h, 4 * w, QImage.Format.Format_ARGB32).convertToFormat(NATIVE)


class CanvasWidget(QWidget):
    cursorInfo = Signal(str)
    zoomChanged = Signal(float)

    def __init__(self, session: EditorSession, parent=None):
        super().__init__(parent)
        self.session = session
        self.tool: Tool | None = None
        self.mode = OVERLAY
        self.opacity = 0.5
        self.scale = 1.0
        self.offset = QPointF(0, 0)
        self._labels_img: QImage | None = None
        self._image_img: QImage | None = None
        self._locked_img: QImage | None = None
        self._colour_table: list[int] = []
        self._mouse = None  # last cursor position in widget coordinates
        self._panning = None
        self._space = False
        self._fitted = True
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(320, 240)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        session.changed.connect(self._on_changed)
        session.documentReplaced.connect(self._on_replaced)
        session.modelChanged.connect(self._on_replaced)  # another palette
        self._on_replaced()

    # -- document -> cached QImages --------------------------------------------------------------
    def _on_replaced(self):
        if self.tool is not None:
            self.tool.drop()  # a gesture begun on the previous document or model
        pal = self.session.doc.model.palette
        self._colour_table = [QColor(*c).rgb() for c in pal] + [0xFF000000] * (256 - len(pal))
        self._on_changed({"labels", "image", "locked"})
        self.fit()

    def _on_changed(self, layers):
        doc = self.session.doc
        if "labels" in layers:
            self._labels_img = labels_qimage(doc.labels, self._colour_table)
        if "image" in layers:
            self._image_img = rgb_qimage(doc.image) if doc.image is not None else None
        if "locked" in layers:
            self._locked_img = hatch_qimage(doc.locked) if doc.locked.any() else None
        self.update()

    def labels_changed(self):
        """Tools call this while painting into the label map (before their undo step exists)."""
        self._on_changed({"labels"})

    def class_colour(self, index: int) -> QColor:
        return QColor(*self.session.doc.model.palette[index])

    # -- view ------------------------------------------------------------------------------------
    def _content_size(self) -> tuple[float, float]:
        h, w = self.session.doc.shape
        return (2 * w + GAP, h) if self.mode == SIDE_BY_SIDE else (w, h)

    def fit(self):
        cw, ch = self._content_size()
        margin = 16
        s = min((self.width() - 2 * margin) / cw, (self.height() - 2 * margin) / ch)
        self.scale = float(min(max(s, MIN_SCALE), MAX_SCALE))
        self.offset = QPointF((self.width() - cw * self.scale) / 2, (self.height() - ch * self.scale) / 2)
        self._fitted = True
        self.zoomChanged.emit(self.scale)
        self.update()

    def zoom_by(self, factor: float, anchor: QPointF | None = None):
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        new = float(min(max(self.scale * factor, MIN_SCALE), MAX_SCALE))
        image_pt = (anchor - self.offset) / self.scale
        self.scale = new
        self.offset = anchor - image_pt * new
        self._fitted = False
        self.zoomChanged.emit(self.scale)
        self.update()

    def set_mode(self, mode: str):
        self.mode = mode
        self.fit()

    def set_opacity(self, opacity: float):
        self.opacity = float(opacity)
        self.update()

    def set_tool(self, tool: Tool):
        if self.tool is not None:
            self.tool.cancel()
        self.tool = tool
        self._update_cursor()
        self.update()

    def to_view(self, p: QPointF) -> QPointF:
        return p * self.scale + self.offset

    def to_image(self, p: QPointF) -> QPointF:
        q = (p - self.offset) / self.scale
        w = self.session.doc.shape[1]
        if self.mode == SIDE_BY_SIDE and q.x() >= w + GAP / 2:
            q = QPointF(q.x() - (w + GAP), q.y())  # the image panel edits the same pixels
        return q

    def resizeEvent(self, event):
        if self._fitted:
            self.fit()
        super().resizeEvent(event)

    # -- painting --------------------------------------------------------------------------------
    def _panel_rect(self, index: int) -> QRectF:
        h, w = self.session.doc.shape
        x = index * (w + GAP)
        return QRectF(self.to_view(QPointF(x, 0)), self.to_view(QPointF(x + w, h)))

    def paintEvent(self, event):
        p = QPainter(self)
        colours = canvas_colours(self.palette())  # follows the light/dark palette
        p.fillRect(self.rect(), colours.background)
        if not self.isEnabled() or self._labels_img is None:  # no model yet
            p.setPen(colours.text)
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                       "Open a model to start painting\nModel ▸ Open model folder…  (Ctrl+M)")
            p.end()
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        if self.mode == SIDE_BY_SIDE:
            p.drawImage(self._panel_rect(0), self._labels_img)
            self._draw_locks(p, 0)
            if self._image_img is not None:
                p.drawImage(self._panel_rect(1), self._image_img)
            else:
                self._draw_placeholder(p, self._panel_rect(1))
        else:
            rect = self._panel_rect(0)
            if self._image_img is not None:
                p.drawImage(rect, self._image_img)
                p.setOpacity(self.opacity)
                p.drawImage(rect, self._labels_img)
                p.setOpacity(1.0)
            else:
                p.drawImage(rect, self._labels_img)
            self._draw_locks(p, 0)
        p.setPen(QPen(colours.frame, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(self._panel_rect(0))
        try:
            if self.tool is not None:
                p.setRenderHint(QPainter.RenderHint.Antialiasing, True)  # previews only; the data never is
                self.tool.paint_overlay(p, self.to_view)
                if self.tool.uses_brush and self._mouse is not None and not self._space:
                    brush_outline(p, self._mouse, self.session_brush_px())
        finally:
            p.end()  # a painter left open by a failing preview crashes the next grab()

    def _draw_locks(self, p: QPainter, panel: int):
        if self._locked_img is not None and self.tool is not None and self.tool.edits_noise:
            p.drawImage(self._panel_rect(panel), self._locked_img)

    def _draw_placeholder(self, p: QPainter, rect: QRectF):
        colours = canvas_colours(self.palette())
        p.fillRect(rect, colours.placeholder)
        p.setPen(colours.text)
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "Generate (Ctrl+G)\nto see the image here")

    def session_brush_px(self) -> float:
        """The brush diameter in widget pixels at the current zoom."""
        size = self.tool.ctx.state.brush_size if self.tool is not None else 1
        return size * self.scale

    def draw_mask(self, p: QPainter, patch: Patch, colour: QColor, alpha: float):
        """Draw a patch's mask in both panels (used by tool previews)."""
        if patch.empty:
            return
        img = mask_qimage(patch.mask, colour, alpha)
        panels = (0, 1) if self.mode == SIDE_BY_SIDE else (0,)
        h, w = self.session.doc.shape
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        for panel in panels:
            x = patch.x0 + panel * (w + GAP)
            p.drawImage(QRectF(self.to_view(QPointF(x, patch.y0)),
                               self.to_view(QPointF(x + patch.mask.shape[1], patch.y1))), img)

    # -- input -----------------------------------------------------------------------------------
    def _pointer(self, event) -> Pointer:
        """The one place a Qt mouse event becomes what tools read: image coordinates and modifiers."""
        q = self.to_image(event.position())
        mods = event.modifiers()
        return Pointer(q.x(), q.y(), shift=bool(mods & Qt.KeyboardModifier.ShiftModifier),
                       alt=bool(mods & Qt.KeyboardModifier.AltModifier),
                       ctrl=bool(mods & Qt.KeyboardModifier.ControlModifier))

    def _update_cursor(self):
        if self._panning is not None or self._space:
            shape = Qt.CursorShape.ClosedHandCursor if self._panning is not None else Qt.CursorShape.OpenHandCursor
        elif self.tool is not None and self.tool.uses_brush:
            shape = Qt.CursorShape.BlankCursor
        else:
            shape = Qt.CursorShape.CrossCursor
        self.setCursor(shape)

    def mousePressEvent(self, event):
        self.setFocus()
        pos = event.position()
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (self._space and button == Qt.MouseButton.LeftButton):
            self._panning = pos
            self._update_cursor()
            return
        if event.button() == Qt.MouseButton.RightButton and self.tool is not None:
            if self.tool.active:
                self.tool.cancel()
            else:
                self.tool.ctx.pick_class(self._pointer(event))
            return
        if event.button() == Qt.MouseButton.LeftButton and self.tool is not None:
            self.tool.press(self._pointer(event))

    def _cursor_rect(self, pos: QPointF | None):
        if pos is None or self.tool is None or not self.tool.uses_brush:
            return None
        r = self.session_brush_px() / 2 + 3
        return QRectF(pos.x() - r, pos.y() - r, 2 * r, 2 * r).toAlignedRect()

    def mouseMoveEvent(self, event):
        pos = event.position()
        old_cursor = self._cursor_rect(self._mouse)
        self._mouse = pos
        if self._panning is not None:
            self.offset += pos - self._panning
            self._panning = pos
            self._fitted = False
            self.update()
            return
        pointer = self._pointer(event)
        if self.tool is not None:
            self.tool.move(pointer)
        self._report(pointer)
        if self.tool is not None and self.tool.active:
            self.update()
        else:  # hovering: repaint only where the brush outline was and is (a full repaint costs ~10 ms)
            new_cursor = self._cursor_rect(pos)
            for r in (old_cursor, new_cursor):
                if r is not None:
                    self.update(r)

    def mouseReleaseEvent(self, event):
        if self._panning is not None and event.button() in (Qt.MouseButton.MiddleButton, Qt.MouseButton.LeftButton):
            self._panning = None
            self._update_cursor()
            return
        if event.button() == Qt.MouseButton.LeftButton and self.tool is not None:
            self.tool.release(self._pointer(event))

    def mouseDoubleClickEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton and self.tool is not None:
            self.tool.double_click(self._pointer(event))

    def leaveEvent(self, event):
        self._mouse = None
        self.update()

    def wheelEvent(self, event):
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.zoom_by(1.15 ** steps, event.position())

    def keyPressEvent(self, event):
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self._update_cursor()
            return
        if event.key() == Qt.Key.Key_Escape and self.tool is not None and self.tool.active:
            self.tool.cancel()
            return
        if self.tool is not None and event.key() in TOOL_KEYS and self.tool.key(TOOL_KEYS[event.key()]):
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event):
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self._panning = None
            self._update_cursor()
            return
        super().keyReleaseEvent(event)

    def _report(self, p: Pointer):
        doc = self.session.doc
        x, y = p.pixel
        h, w = doc.shape
        if 0 <= x < w and 0 <= y < h:
            c = int(doc.labels[y, x])
            lock = "  (noise locked)" if doc.locked[y, x] else ""
            self.cursorInfo.emit(f"{x}, {y}   {doc.model.class_names[c]} [{c}]{lock}")
        else:
            self.cursorInfo.emit("")
