"""Screenshots for docs/desktop.md: `python -m tests.tools.desktop_screenshots OUT_DIR [--model DIR]` (xvfb-run).

Writes desktop_mapping.png (the class-mapping dialog for a labelme file whose names partly differ from the
landscape classes), desktop_shortcuts.png (the shortcuts sheet) and, with --model, desktop_dark.png (the
main window in the dark palette).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

LANDSCAPE_CLASSES = Path(__file__).resolve().parents[2] / "resources" / "landscapes" / "classes.json"


def landscape_model():
    from editor.document import ModelReference

    classes = json.loads(LANDSCAPE_CLASSES.read_text())["classes"]
    return ModelReference("(landscape classes)", tuple(c["name"] for c in classes),
                          tuple(tuple(c["color"]) for c in classes), 0, 64, 256, 256, "custom")


def mapping_dialog_shot(out: Path) -> None:
    from editor.class_mapping_dialog import ClassMappingDialog
    from editor.document.label_import import prepare_import
    from engine import labelformats as lf

    names = ["_background_", "Sky", "WATER", "trees", "Mountain", "road", "person"]
    labels = np.repeat(np.arange(len(names)), 256 * 256 // len(names) + 1)[:256 * 256].reshape(256, 256)
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "label.png"
        lf.write_labelme(png, lf.LabelFile(labels, names), [(i * 30, i * 20, i * 10) for i in range(len(names))])
        model = landscape_model()
        _, mapping = prepare_import(png, model)
    dlg = ClassMappingDialog(mapping, model.palette, "label.png")
    dlg.combos[names.index("trees")].setCurrentIndex(model.class_names.index("tree"))  # one already chosen
    dlg.show()
    dlg.grab().save(str(out))
    dlg.close()


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("out_dir", type=Path)
    p.add_argument("--model", type=Path)
    args = p.parse_args(argv)
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from editor import desktop, theme
    from editor.engine_client import EngineClient
    from editor.main_window import MainWindow

    QCoreApplication.setOrganizationName("OASIS Studio screenshots")  # never the user's settings
    app = QApplication([sys.argv[0]])
    theme.apply(app)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    mapping_dialog_shot(args.out_dir / "desktop_mapping.png")

    window = MainWindow(EngineClient(torch_threads=1))
    window.ask_to_save = False
    desktop.install(window, remember=False)
    sheet = desktop.show_shortcuts(window)
    sheet.resize(460, 900)
    app.processEvents()
    sheet.grab().save(str(args.out_dir / "desktop_shortcuts.png"))
    sheet.close()
    window.close()

    if args.model:
        os.environ[theme.ENV_VAR] = "dark"
        theme.apply(app)
        engine = EngineClient(torch_threads=1)
        dark = MainWindow(engine)
        dark.ask_to_save = False
        desktop.install(dark, remember=False)
        dark.resize(1200, 760)
        dark.show()
        loop = QEventLoop()
        engine.modelLoaded.connect(lambda _m: dark.generation.generate())
        dark.generation.imageAdopted.connect(lambda _s: QTimer.singleShot(200, loop.quit))
        def failed(msg) -> None:
            print(msg.text, file=sys.stderr)
            loop.quit()

        engine.failed.connect(failed)
        dark.load_model(args.model)
        loop.exec()
        dark.canvas.fit()
        dark.grab().save(str(args.out_dir / "desktop_dark.png"))
        dark.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
