"""A progress dialog for work done on the GUI thread in steps (batch exports): one step per item, the
dialog repaints between steps and Cancel stops before the next one. Engine tasks report through
w.Progress messages instead (see ModelActions.start_import)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QProgressDialog


def run_steps(parent, title: str, steps: Sequence[tuple[str, Callable[[], object]]],
              min_duration_ms: int = 300) -> list | None:
    """Run `(label, fn)` steps in order; returns their results, or None when the user cancelled."""
    dlg = QProgressDialog(title, "Cancel", 0, len(steps), parent)
    dlg.setWindowTitle(title)
    dlg.setWindowModality(Qt.WindowModality.WindowModal)
    dlg.setMinimumDuration(min_duration_ms)  # short batches finish without a flashing dialog
    results = []
    try:
        for i, (label, fn) in enumerate(steps):
            if dlg.wasCanceled():
                return None
            dlg.setLabelText(label)
            dlg.setValue(i)
            QApplication.processEvents()
            results.append(fn())
        dlg.setValue(len(steps))
        return results
    finally:
        dlg.close()
        dlg.deleteLater()


def export_variations_with_progress(parent, folder, images, seeds) -> list | None:
    """export.export_variations, one image per step (same file names)."""
    from pathlib import Path

    from .document import export

    folder = Path(folder)
    steps = [(f"Variation {i + 1} of {len(images)}",
              lambda i=i: export.export_variations(folder, [images[i]], "variation",
                                                   None if seeds is None else [seeds[i]])[0])
             for i in range(len(images))]
    return run_steps(parent, "Exporting variations", steps)
