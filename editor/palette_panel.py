"""The class palette: every class of the model with its colour, a search box and recently used classes."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .session import EditorSession
from .tool_state import RECENT_COUNT, ToolState

SWATCH = 18
MIN_VISIBLE_ROWS = 8  # docks sharing the column cannot squeeze the class list below this


def swatch_icon(rgb, size: int = SWATCH) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setPen(QColor(0, 0, 0, 120))
    p.setBrush(QColor(*rgb))
    p.drawRoundedRect(0, 0, size - 1, size - 1, 3, 3)
    p.end()
    return QIcon(pm)


class PalettePanel(QWidget):
    def __init__(self, session: EditorSession, state: ToolState, parent=None):
        super().__init__(parent)
        self.session, self.state = session, state
        self.search = QLineEdit(placeholderText="Search classes…", clearButtonEnabled=True)
        self.current = QLabel()
        self.current.setTextFormat(Qt.TextFormat.RichText)
        self.recent_row = QHBoxLayout()
        self.recent_row.setSpacing(2)
        self.list = QListWidget()
        self.list.setIconSize(QSize(SWATCH, SWATCH))
        self.list.setUniformItemSizes(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.current)
        lay.addWidget(QLabel("Recently used"))
        lay.addLayout(self.recent_row)
        lay.addWidget(self.search)
        lay.addWidget(self.list, 1)
        self._recent_buttons = []
        for _ in range(RECENT_COUNT):
            b = QToolButton()
            b.setIconSize(QSize(SWATCH, SWATCH))
            b.setAutoRaise(True)
            b.clicked.connect(lambda _=False, b=b: self.state.set_class(b.property("class_index")))
            b.hide()
            self.recent_row.addWidget(b)
            self._recent_buttons.append(b)
        self.recent_row.addStretch(1)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._take_first_match)
        self.list.currentItemChanged.connect(self._on_item)
        state.classChanged.connect(self._show_current)
        state.recentChanged.connect(self._show_recent)
        session.documentReplaced.connect(self.rebuild)
        session.modelChanged.connect(self.rebuild)
        self.rebuild()

    def rebuild(self):
        model = self.session.doc.model
        self.list.blockSignals(True)
        self.list.clear()
        for i, (name, rgb) in enumerate(zip(model.class_names, model.palette, strict=False)):
            suffix = "  (eraser)" if i == model.unknown_index else ""
            item = QListWidgetItem(swatch_icon(rgb), f"{i:3d}  {name}{suffix}")
            item.setData(Qt.ItemDataRole.UserRole, i)
            item.setData(Qt.ItemDataRole.UserRole + 1, name.lower())
            self.list.addItem(item)
        self.list.blockSignals(False)
        row = self.list.sizeHintForRow(0) if self.list.count() else SWATCH + 2
        self.list.setMinimumHeight(min(MIN_VISIBLE_ROWS, max(self.list.count(), 1)) * row + 2 * self.list.frameWidth())
        if self.state.current_class >= model.num_classes or self.state.current_class == model.unknown_index:
            first_real = next((i for i in range(model.num_classes) if i != model.unknown_index), 0)
            self.state.set_class(first_real)
        self._filter(self.search.text())
        self._show_current(self.state.current_class)
        self._show_recent([c for c in self.state.recent if c < model.num_classes])

    def _filter(self, text: str):
        text = text.strip().lower()
        for row in range(self.list.count()):
            item = self.list.item(row)
            hit = not text or text in item.data(Qt.ItemDataRole.UserRole + 1) or text == str(row)
            item.setHidden(not hit)

    def _take_first_match(self):
        for row in range(self.list.count()):
            if not self.list.item(row).isHidden():
                self.state.set_class(self.list.item(row).data(Qt.ItemDataRole.UserRole))
                return

    def _on_item(self, item, _previous=None):
        if item is not None:
            self.state.set_class(item.data(Qt.ItemDataRole.UserRole))

    def _show_current(self, index: int):
        model = self.session.doc.model
        if not 0 <= index < model.num_classes:
            return
        r, g, b = model.palette[index]
        self.current.setText(f"<span style='background:rgb({r},{g},{b})'>&nbsp;&nbsp;&nbsp;&nbsp;</span>"
                             f"&nbsp;<b>{model.class_names[index]}</b> &nbsp;[{index}]")
        item = self.list.item(index)
        if item is not None and self.list.currentItem() is not item:
            self.list.blockSignals(True)
            self.list.setCurrentItem(item)
            self.list.blockSignals(False)
            self.list.scrollToItem(item)

    def _show_recent(self, recent):
        model = self.session.doc.model
        for b, c in zip(self._recent_buttons, list(recent) + [None] * RECENT_COUNT, strict=False):
            if c is None or c >= model.num_classes:
                b.hide()
                continue
            b.setIcon(swatch_icon(model.palette[c]))
            b.setToolTip(model.class_names[c])
            b.setProperty("class_index", int(c))
            b.show()
