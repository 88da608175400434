"""The mapping dialog: one row per class found in an imported file, a combo box choosing the model class.

Thin on purpose: the matching and relabelling live in editor/document/class_mapping.py.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from .dialogs import ok_cancel_buttons
from .document.class_mapping import ClassMapping


def swatch(rgb) -> QIcon:
    pix = QPixmap(14, 14)
    pix.fill(QColor(*rgb))
    return QIcon(pix)


class ClassMappingDialog(QDialog):
    def __init__(self, mapping: ClassMapping, model_palette, file_name: str = "", parent=None):
        super().__init__(parent)
        self.mapping = mapping
        self.setWindowTitle("Match classes")
        unmatched = len(mapping.unmatched_rows)
        intro = QLabel(f"{file_name}: {unmatched} of {len(mapping.rows)} classes in the file have no model class "
                       f"of the same name (case ignored). Choose one for each; unmatched classes become "
                       f"“{mapping.model_names[mapping.fill]}”.")
        intro.setWordWrap(True)
        self.table = QTableWidget(len(mapping.rows), 3)
        self.table.setHorizontalHeaderLabels(["Class in file", "Pixels", "Model class"])
        self.table.verticalHeader().hide()
        self.combos: dict[int, QComboBox] = {}
        for row, r in enumerate(sorted(mapping.rows, key=lambda r: (r.matched, -r.pixels))):  # unmatched first
            name = QTableWidgetItem(r.file_name if r.matched else f"{r.file_name}  (no match)")
            if not r.matched:
                name.setForeground(self.palette().link())
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, QTableWidgetItem(f"{r.pixels:,}"))
            combo = QComboBox()
            for i, n in enumerate(mapping.model_names):
                combo.addItem(swatch(model_palette[i]), f"{i}  {n}")
            combo.setCurrentIndex(mapping.assignment[r.file_index])
            combo.currentIndexChanged.connect(lambda idx, f=r.file_index: self.mapping.assign(f, idx))
            self.table.setCellWidget(row, 2, combo)
            self.combos[r.file_index] = combo
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        buttons = ok_cancel_buttons(self, "Import")
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.table, 1)
        lay.addWidget(buttons)
        self.resize(560, min(640, 160 + 32 * len(mapping.rows)))
