"""Stepwise progress for batch exports: results in order, same files as the plain export, cancel stops."""

import numpy as np
from PySide6.QtWidgets import QProgressDialog, QWidget

from editor.progress import export_variations_with_progress, run_steps


def test_export_with_progress_writes_the_same_files(qtbot, tmp_path):
    parent = QWidget()
    qtbot.addWidget(parent)
    images = [np.full((8, 8, 3), i * 40, np.uint8) for i in range(3)]
    paths = export_variations_with_progress(parent, tmp_path, images, [11, 22, 33])
    assert [p.name for p in paths] == ["variation_seed11.png", "variation_seed22.png", "variation_seed33.png"]
    assert all(p.is_file() for p in paths)


def test_cancel_stops_before_the_next_step(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    ran = []

    def cancelling_step():
        ran.append(1)
        parent.findChild(QProgressDialog).cancel()

    assert run_steps(parent, "t", [("a", cancelling_step), ("b", lambda: ran.append(2))]) is None
    assert ran == [1]
