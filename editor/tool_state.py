"""What the tools share: the current class, brush size, recently used classes."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

MIN_BRUSH, MAX_BRUSH = 1, 256
RECENT_COUNT = 8


class ToolState(QObject):
    classChanged = Signal(int)
    brushSizeChanged = Signal(int)
    recentChanged = Signal(list)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.current_class = 1
        self.brush_size = 16
        self.recent: list[int] = []

    def set_class(self, index: int) -> None:
        index = int(index)
        if index != self.current_class:
            self.current_class = index
            self.classChanged.emit(index)

    def fit_model(self, num_classes: int) -> None:
        """Another model: its class numbers mean other classes, so the recent row starts empty and the
        current class stays only if the model has it."""
        if self.recent:
            self.recent = []
            self.recentChanged.emit(self.recent)
        if self.current_class >= num_classes:
            self.set_class(1 if num_classes > 1 else 0)

    def note_used(self, index: int) -> None:
        """Remember a class that was actually painted with (the palette's 'recent' row)."""
        recent = [index] + [c for c in self.recent if c != index]
        if recent[:RECENT_COUNT] != self.recent:
            self.recent = recent[:RECENT_COUNT]
            self.recentChanged.emit(self.recent)

    def set_brush_size(self, size: int) -> None:
        size = max(MIN_BRUSH, min(MAX_BRUSH, int(size)))
        if size != self.brush_size:
            self.brush_size = size
            self.brushSizeChanged.emit(size)

    def grow_brush(self, bigger: bool) -> None:
        """[ and ]: steps proportional to the size, so small and large brushes are both quick to adjust."""
        step = max(1, round(self.brush_size * 0.15))
        self.set_brush_size(self.brush_size + (step if bigger else -step))
