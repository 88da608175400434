"""Screenshots of the real window for the user guide: `python -m tests.tools.screenshots OUTDIR --model DIR`.

Drives the editor as a person would (open a label map, paint, generate, noise brush, variations, photo
to layout) and saves docs/images/editor_*.png. Run under Xvfb (xvfb-run) or QT_QPA_PLATFORM=offscreen.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAYOUT = REPO / "resources" / "landscapes" / "labels" / "hill_sunset.png"


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("outdir", type=Path)
    p.add_argument("--model", type=Path, required=True)
    p.add_argument("--layout", type=Path, default=LAYOUT)
    p.add_argument("--photo", type=Path, help="a photo for the photo-to-layout shot")
    args = p.parse_args(argv)

    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from editor.canvas import SIDE_BY_SIDE
    from editor.engine_client import EngineClient
    from editor.main_window import MainWindow

    QCoreApplication.setOrganizationName("OASIS Studio screenshots")
    _app = QApplication.instance() or QApplication([sys.argv[0]])  # kept alive for the whole run
    engine = EngineClient()
    win = MainWindow(engine)
    win.ask_to_save = False
    # The 576x384 layout on a 256x256 model: stretched, as opening did before it asked crop / pad /
    # stretch (the question is a modal dialog nobody would answer here).
    win.ask_label_fit = lambda name, shape, model_shape: "stretch"  # type: ignore[attr-defined]  # read by getattr
    win.resize(1360, 860)
    win.show()

    def wait_for(signal, timeout_ms=120_000):
        loop = QEventLoop()
        signal.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        signal.disconnect(loop.quit)

    def settle(ms=200):
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    def shot(name):
        settle()
        path = args.outdir / f"editor_{name}.png"
        win.grab().save(str(path))
        print(path)

    args.outdir.mkdir(parents=True, exist_ok=True)
    win.load_model(args.model)
    wait_for(engine.modelLoaded)
    win.files.open_label_map(str(args.layout))
    doc = win.session.doc
    h, w = doc.shape
    # a few strokes on top, the way a person refines a layout
    from editor.document import painting
    from editor.document.commands import diff_edit

    names = list(doc.model.class_names)
    before = doc.labels.copy()
    tree = names.index("tree") if "tree" in names else 6
    painting.paint(doc.labels, painting.ellipse(doc.shape, (w * 0.62, h * 0.50), (w * 0.80, h * 0.72)), tree)
    painting.paint(doc.labels, painting.stroke(doc.shape, [(w * 0.1, h * 0.9), (w * 0.45, h * 0.8)], max(2, w // 20)),
                   names.index("flower") if "flower" in names else 11)
    win.session.push(diff_edit("labels", before, doc.labels, "brush"))
    win.state.set_class(tree)
    win.state.note_used(names.index("sky") if "sky" in names else 1)
    win.state.note_used(tree)
    win.state.set_brush_size(max(2, w // 12))
    win.generation.generate()
    wait_for(win.generation.imageAdopted)
    win.opacity.setValue(30)
    win.canvas.fit()
    shot("main")

    win.view_mode.setCurrentText(SIDE_BY_SIDE)
    win.select_tool("noise")
    win.noise.brush_action = "Lock region"
    from editor.document import noise_ops

    win.session.push(noise_ops.set_lock(doc, painting.rectangle(doc.shape, (0, 0), (w - 1, h // 3)), True))
    win.noise_panel.action.setCurrentText("Resample (one vector)")
    win.session.push(noise_ops.resample_region(doc, painting.ellipse(doc.shape, (w * 0.55, h * 0.45),
                                                                     (w * 0.9, h * 0.8)), win.session.rng))
    win.generation.generate()
    wait_for(win.generation.imageAdopted)
    win.noise_dock.raise_()
    shot("noise")

    win.view_mode.setCurrentText("overlay")
    win.variations_dock.raise_()
    win.variations_panel.count.setValue(6)
    win.generation.make_variations(6)
    wait_for(win.generation.variationsReady)
    shot("variations")

    if args.photo:
        dlg = win.show_photo_dialog()
        dlg.resize(900, 700)
        dlg.open_photo(str(args.photo))
        dlg.segment()
        wait_for(win.session.pushed)
        dlg.count.setValue(4)
        dlg.recreate()
        wait_for(engine.batchGenerated)
        settle(300)
        dlg.grab().save(str(args.outdir / "editor_photo_to_layout.png"))
        print(args.outdir / "editor_photo_to_layout.png")
    win.close()
    engine.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
