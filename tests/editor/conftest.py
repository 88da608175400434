"""Editor fixtures: a main window with the real engine worker on the tiny 12-class 64x64 model (GUI
tests), and a small model reference with a seeded generator for the headless import / export tests."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QCoreApplication  # noqa: E402

from editor.document import ModelReference  # noqa: E402
from tests.conftest import release_window  # noqa: E402

QCoreApplication.setOrganizationName("OASIS Studio tests")  # keep QSettings away from the user's
QCoreApplication.setApplicationName("OASIS Studio tests")

NAMES = ("unknown", "Sky", "water", "tree", "rock", "building")
PALETTE = ((0, 0, 0), (70, 130, 230), (20, 50, 160), (20, 100, 30), (130, 90, 70), (200, 60, 60))


@pytest.fixture
def model():
    return ModelReference(folder="/nowhere", class_names=NAMES, palette=PALETTE, unknown_index=0, z_dim=8,
                          height=24, width=32)


@pytest.fixture
def rng():
    return np.random.default_rng(7)


@pytest.fixture
def make_window(qtbot):
    """make_window(model_dir, synchronous=False) -> a shown MainWindow with the model loaded."""
    from editor.engine_client import EngineClient
    from editor.main_window import MainWindow

    made = []

    def make(model_dir, synchronous=False):
        engine = EngineClient(synchronous=synchronous, torch_threads=1)
        win = MainWindow(engine)
        win.ask_to_save = False
        qtbot.addWidget(win)
        win.resize(1100, 760)
        win.show()
        with qtbot.waitSignal(engine.modelLoaded, timeout=60_000):
            win.load_model(model_dir)
        made.append(win)
        return win

    yield make
    for win in made:
        win.engine.shutdown()
        release_window(win)
    made.clear()


@pytest.fixture
def window(make_window, tiny_model_dir):
    return make_window(tiny_model_dir)


@pytest.fixture
def training_window(qtbot):
    """A main window on the bundled default model, for the training dialogs and dock; a running
    training job is cancelled before the engine shuts down."""
    from editor.engine_client import EngineClient
    from editor.main_window import MainWindow

    engine = EngineClient(torch_threads=1)
    win = MainWindow(engine)
    win.ask_to_save = False
    qtbot.addWidget(win)
    win.show()
    yield win
    win.training.controller.cancel()
    engine.shutdown(timeout=5)
    release_window(win)


def generate_and_wait(qtbot, win, timeout=60_000):
    with qtbot.waitSignal(win.generation.imageAdopted, timeout=timeout):
        win.generation.generate()
    return win.session.doc.image.copy()


def drag(qtbot, win, points, button=None):
    """Press at the first point, move through the rest, release at the last (image pixel coordinates)."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    canvas = win.canvas
    button = button or Qt.MouseButton.LeftButton

    def send(kind, p, buttons):
        v = canvas.to_view(QPointF(p[0] + 0.5, p[1] + 0.5))
        ev = QMouseEvent(kind, v, canvas.mapToGlobal(QPoint(int(v.x()), int(v.y()))), button, buttons,
                         Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(canvas, ev)

    send(QMouseEvent.Type.MouseButtonPress, points[0], button)
    for p in points[1:]:
        send(QMouseEvent.Type.MouseMove, p, button)
    send(QMouseEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.NoButton)


def snapshot(doc):
    return {k: (None if getattr(doc, k) is None else np.array(getattr(doc, k), copy=True))
            for k in ("labels", "noise", "locked", "image")} | {"seed": doc.seed}


def assert_same(a, b):
    for k in a:
        if k == "seed":
            assert a[k] == b[k]
        elif a[k] is None or b[k] is None:
            assert a[k] is None and b[k] is None, k
        else:
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)
