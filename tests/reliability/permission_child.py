"""The editor meets real permission errors (run by test_real_permissions as an unprivileged user).

    python -m tests.reliability.permission_child MODEL_DIR READONLY_DIR RESULT_JSON

Paints, then saves the project into a folder it may not write and autosaves into a recovery folder
it may not write. Writes what the user was shown and whether the open document survived.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(model_dir: str, readonly: str, result_path: str) -> int:
    import numpy as np
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setOrganizationName("OASIS Studio tests")
    QCoreApplication.setApplicationName("OASIS Studio tests")
    app = QApplication([])
    from editor import file_actions
    from editor.autosave import Autosaver
    from editor.dialogs import ERRORS_SHOWN
    from editor.document.commands import diff_edit
    from editor.engine_client import EngineClient
    from editor.main_window import MainWindow

    engine = EngineClient(synchronous=True, torch_threads=1)
    win = MainWindow(engine)
    win.ask_to_save = False
    loaded = []
    engine.modelLoaded.connect(lambda *a: loaded.append(True))
    win.load_model(model_dir)
    while not loaded:
        app.processEvents()
    session = win.session
    saver = Autosaver(win, path=Path(readonly) / "recovery.oasisproj")  # recovery folder not writable
    saver.timer.stop()
    labels = session.doc.labels.copy()
    labels[5:20, 7:30] = 3
    session.push(diff_edit("labels", session.doc.labels, labels, "paint"))
    noise_before = session.doc.noise.copy()

    target = Path(readonly) / "work.oasisproj"
    file_actions.save_file = lambda *a, **k: str(target)  # the user picked this folder in the dialog
    saved = win.files.save_project(True)

    autosaved = saver.autosave()

    result = {
        "saved": saved,
        "errors_shown": list(ERRORS_SHOWN),
        "autosaved": autosaved,
        "autosave_error": saver.last_error,
        "status_bar": win.statusBar().currentMessage(),
        "labels_kept": bool(np.array_equal(session.doc.labels, labels)),
        "noise_kept": bool(np.array_equal(session.doc.noise, noise_before)),
        "still_unsaved": not session.stack.isClean(),
        "target_exists": target.exists(),
        "project_path": str(session.project_path) if session.project_path else None,
    }
    Path(result_path).write_text(json.dumps(result))
    win.close()
    engine.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:4]))
