"""`oasis-studio` / `python -m editor [--model DIR] [--project FILE] [--labels FILE] [--screenshot FILE]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.resources import default_model_dir

from .xcb_libraries import missing_libraries_message

STARTER_LAYOUT = default_model_dir().parent / "landscapes" / "painted" / "mountain_lake.png"
DEFAULT_MODEL = default_model_dir()  # <repo>/resources/default_model, or inside the PyInstaller bundle
SCREENSHOT_TIMEOUT_MS = 180_000
DEFAULT_SIZE = "1400x880"


def parse_args(argv):
    p = argparse.ArgumentParser(prog="oasis-studio", description="Paint label maps, generate images with OASIS.")
    p.add_argument("--model", type=Path, help="model folder (config.json + safetensors); default: the bundled model")
    p.add_argument("--project", type=Path, help="open a project file (.oasisproj)")
    p.add_argument("--labels", type=Path, help="open a label map (indexed PNG or .npy)")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1 or auto (default cpu)")
    p.add_argument("--view", choices=["overlay", "side"], default="overlay")
    p.add_argument("--size", default=DEFAULT_SIZE, help="window size WxH (default: as last time, else 1400x880)")
    p.add_argument("--screenshot", type=Path, help="generate once, save a screenshot of the window to FILE, exit")
    p.add_argument("--threads", type=int, default=None, help="torch threads of the engine worker")
    p.add_argument("paths", nargs="*", type=Path,
                   help="files or folders to open as if dropped on the window (file managers pass these)")
    return p.parse_args(argv)


def _application_exists() -> bool:
    core = sys.modules.get("PySide6.QtCore")
    return core is not None and core.QCoreApplication.instance() is not None


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    problem = None if _application_exists() else missing_libraries_message()
    if problem:  # before any Qt GUI import: Qt would abort naming only the first missing library
        print(problem, file=sys.stderr)
        return 1
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from .canvas import SIDE_BY_SIDE
    from .engine_client import EngineClient
    from .gc_tuning import freeze_long_lived
    from .main_window import MainWindow

    if not QCoreApplication.organizationName():  # tests and embedders set their own (QSettings location)
        QCoreApplication.setOrganizationName("OASIS Studio")
        QCoreApplication.setApplicationName("OASIS Studio")
    embedded = QApplication.instance() is not None  # tests or a host program own the application
    app = QApplication.instance() or QApplication([sys.argv[0]])
    from . import desktop, logfile, theme

    if not embedded:  # a host program keeps its own look and its own logging
        logfile.install()
        theme.apply(app)
        theme.follow_changes(app)
        QApplication.setWindowIcon(desktop.app_icon())
    # An embedded run uses its own event loop: QCoreApplication.quit() would also end every later loop.
    loop = QEventLoop() if embedded else app
    engine = EngineClient(torch_threads=args.threads)
    window = MainWindow(engine, device=args.device)
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
        window.resize(width, height)
    except ValueError:
        print(f"--size must look like 1400x880, not {args.size!r}", file=sys.stderr)
        return 2
    # remembered window geometry only when the size was not asked for; screenshots never touch settings
    desktop.install(window, restore_geometry=args.size == DEFAULT_SIZE, remember=not args.screenshot)
    if args.view == "side":
        window.view_mode.setCurrentText(SIDE_BY_SIDE)
    model_paths = [p for p in args.paths if (p / "config.json").is_file()]
    other_paths = [p for p in args.paths if p not in model_paths]
    model = args.model or (model_paths[0] if model_paths else None) or (
        DEFAULT_MODEL if (DEFAULT_MODEL / "config.json").is_file() else None)
    exit_code = 0

    def open_paths():
        from .dragdrop import perform_drop

        for path in other_paths:
            perform_drop(window, path)

    def after_model(_msg):
        engine.modelLoaded.disconnect(after_model)
        if args.labels:
            window.files.open_label_map(str(args.labels), as_opened=True)
        elif not other_paths and model is not None and Path(model) == DEFAULT_MODEL and STARTER_LAYOUT.is_file():
            # a first start shows a painted landscape, not an empty (all-unknown) canvas
            window.files.open_label_map(str(STARTER_LAYOUT), as_opened=True)
        open_paths()
        # the start shows an image, not only the label map: generated once, part of the opened state
        window.generation.generate(opening=True)

    restored = False
    if not args.screenshot:  # crash recovery: autosave edits, offer what a killed session left
        from .autosave import install

        _saver, restored = install(window)
    if args.project:
        window.files.open_project(str(args.project))
    elif model is not None and not restored:
        engine.modelLoaded.connect(after_model)
        window.load_model(model)
    elif other_paths:
        QTimer.singleShot(0, window, open_paths)

    if args.screenshot:
        window.ask_to_save = False

        taken: list[bool] = []
        timeout = QTimer(window, singleShot=True, interval=SCREENSHOT_TIMEOUT_MS)

        def shoot(*_):
            nonlocal exit_code
            if taken:  # a failure and a result can both arrive; one screenshot
                return
            taken.append(True)
            timeout.stop()
            window.canvas.fit()
            ok = window.grab().save(str(args.screenshot))
            if not ok:
                print(f"{args.screenshot}: could not write the screenshot", file=sys.stderr)
                exit_code = 1
            window.close()
            loop.quit()

        def fail(msg=None):
            nonlocal exit_code
            print(f"screenshot: {msg.text if msg else 'timed out'}", file=sys.stderr)
            exit_code = 1
            shoot()

        if model is None and not args.project:
            QTimer.singleShot(300, window, shoot)  # nothing to generate: the empty window
        else:
            window.generation.imageAdopted.connect(lambda _s: QTimer.singleShot(150, window, shoot))
            engine.failed.connect(fail)
            timeout.timeout.connect(fail)
            timeout.start()
        if args.project:
            engine.modelLoaded.connect(lambda _m: window.generation.generate())
    if embedded:
        window.closed.connect(loop.quit)
    window.show()
    freeze_long_lived()  # modules, widgets and Qt wrappers made at startup live for the whole session
    rc = loop.exec()
    return exit_code or rc


if __name__ == "__main__":
    sys.exit(main())
