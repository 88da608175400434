"""Paint, generate, undo/redo of every kind of edit, project round trip -- with the real tiny model."""

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from editor.document.project_file import load_project
from tests.editor.conftest import assert_same, drag, generate_and_wait, snapshot


def test_paint_then_generate(qtbot, window):
    doc = window.session.doc
    assert doc.shape == (64, 64) and doc.model.num_classes == 12
    assert window.state.current_class == 1  # the first real class, not the eraser's unknown
    window.state.set_class(5)
    window.state.set_brush_size(9)
    drag(qtbot, window, [(10, 10), (30, 12), (50, 40)])
    assert (doc.labels == 5).sum() > 300
    assert set(np.unique(doc.labels)) <= {0, 5}
    assert window.session.stack.count() == 1  # one stroke, one step
    image = generate_and_wait(qtbot, window)
    assert image.shape == (64, 64, 3) and image.dtype == np.uint8 and image.std() > 1
    assert "12 classes" in window.model_label.text() and "64×64" in window.model_label.text()


def _undo_redo_roundtrip(qtbot, window, edit):
    before = snapshot(window.session.doc)
    n = window.session.stack.count()
    edit()
    qtbot.wait(1)
    after = snapshot(window.session.doc)
    assert window.session.stack.count() == n + 1, "exactly one undo step"
    changed = [k for k in before if k != "seed" and (before[k] is None) != (after[k] is None)
               or k != "seed" and before[k] is not None and not np.array_equal(before[k], after[k])]
    changed += ["seed"] if before["seed"] != after["seed"] else []
    assert changed, "the edit changed something"
    window.undo_action.trigger()
    assert_same(snapshot(window.session.doc), before)
    window.redo_action.trigger()
    assert_same(snapshot(window.session.doc), after)
    return changed


def _click(window, x, y, double=False):
    canvas = window.canvas
    v = canvas.to_view(QPointF(x + 0.5, y + 0.5))
    kinds = [QMouseEvent.Type.MouseButtonPress, QMouseEvent.Type.MouseButtonRelease]
    if double:
        kinds = [QMouseEvent.Type.MouseButtonDblClick]
    for kind in kinds:
        buttons = Qt.MouseButton.NoButton if kind == QMouseEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
        QApplication.sendEvent(canvas, QMouseEvent(kind, v, v, Qt.MouseButton.LeftButton, buttons,
                                                   Qt.KeyboardModifier.NoModifier))


def test_undo_redo_of_every_kind_of_edit(qtbot, window, tmp_path):
    w = window
    w.state.set_brush_size(5)

    def with_tool(name, fn):
        def run():
            w.select_tool(name)
            fn()
        return run

    edits = {
        "brush": with_tool("brush", lambda: drag(qtbot, w, [(5, 5), (40, 20)])),
        "eraser": with_tool("eraser", lambda: drag(qtbot, w, [(5, 5), (20, 10)])),
        "fill": with_tool("fill", lambda: (w.state.set_class(3), _click(w, 60, 60))),
        "line": with_tool("line", lambda: (w.state.set_class(8), drag(qtbot, w, [(0, 50), (30, 55), (63, 60)]))),
        "rectangle": with_tool("rectangle", lambda: (w.state.set_class(4), drag(qtbot, w, [(20, 20), (30, 35)]))),
        "ellipse": with_tool("ellipse", lambda: (w.state.set_class(6), drag(qtbot, w, [(35, 5), (60, 25)]))),
        "polygon": with_tool("polygon", lambda: (w.state.set_class(7), _click(w, 2, 30), _click(w, 20, 40),
                                                 _click(w, 5, 60), _click(w, 5, 60, double=True))),
        "noise resample": with_tool("noise", lambda: drag(qtbot, w, [(10, 10), (20, 20)])),
        "noise lock": with_tool("noise", lambda: (setattr(w.noise, "brush_action", "Lock region"),
                                                  drag(qtbot, w, [(40, 40), (50, 50)]))),
        "reseed": lambda: w.noise.set_seed(77),
        "resample class": lambda: w.noise.resample_class(3),
        "generate": lambda: generate_and_wait(qtbot, w),
    }
    layers = {}
    for name, edit in edits.items():
        w.noise.brush_action = "Resample (one vector)" if name == "noise resample" else w.noise.brush_action
        layers[name] = _undo_redo_roundtrip(qtbot, w, edit)
    assert layers["brush"] == ["labels"] and layers["polygon"] == ["labels"]
    assert layers["noise resample"] == ["noise"] and layers["noise lock"] == ["locked"]
    assert set(layers["reseed"]) == {"noise", "seed"}
    # locks held during the reseed: the locked square kept its noise
    assert w.session.doc.locked[45, 45]

    # blend: one undo step for the whole slider drag
    w.noise.brush_action = "Select for blending"
    w.select_tool("noise")
    drag(qtbot, w, [(30, 5), (35, 10)])
    assert w.noise.blend is not None
    before = snapshot(w.session.doc)
    n = w.session.stack.count()
    for v in (20, 50, 80):
        w.noise_panel.blend_slider.setValue(v)  # each position regenerates a preview (no undo step)
    qtbot.waitUntil(lambda: not w.engine.busy, timeout=60_000)
    assert w.session.stack.count() == n
    assert not np.array_equal(w.session.doc.image, before["image"])  # the preview is shown
    w.noise.commit_blend()
    assert w.session.stack.count() == n + 1
    w.undo_action.trigger()
    assert_same(snapshot(w.session.doc), before)  # noise and the image from before the drag


def test_shortcuts_reach_their_actions(qtbot, window):
    from PySide6.QtCore import Qt

    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Tab)
    assert window.canvas.mode == "side by side"
    qtbot.keyClick(window.canvas, Qt.Key.Key_E)
    assert window.canvas.tool.name == "eraser"
    size = window.state.brush_size
    qtbot.keyClick(window.canvas, Qt.Key.Key_BracketRight)
    assert window.state.brush_size > size


def test_live_mode_attaches_the_image_to_the_stroke(qtbot, window):
    w = window
    generate_and_wait(qtbot, w)
    w.live_action.setChecked(True)
    first = w.session.doc.image.copy()
    n = w.session.stack.count()
    w.state.set_class(9)
    w.state.set_brush_size(20)
    with qtbot.waitSignal(w.generation.imageAdopted, timeout=60_000):
        drag(qtbot, w, [(10, 30), (55, 30)])
    assert w.session.stack.count() == n + 1  # stroke and its image are one step
    assert not np.array_equal(w.session.doc.image, first)
    w.undo_action.trigger()
    np.testing.assert_array_equal(w.session.doc.image, first)
    assert not (w.session.doc.labels == 9).any()


def test_variations_adopt_is_undoable(qtbot, window):
    w = window
    with qtbot.waitSignal(w.generation.variationsReady, timeout=60_000):
        w.generation.make_variations(3)
    assert w.variations_panel.grid.count() == 3
    before = snapshot(w.session.doc)
    item = w.variations_panel.grid.item(1)
    w.variations_panel._adopt(item)
    seed = w.variations_panel.seeds[1]
    assert w.session.doc.seed == seed
    np.testing.assert_array_equal(w.session.doc.image, w.variations_panel.images[1])
    # the adopted noise regenerates the very same image
    again = generate_and_wait(qtbot, w)
    np.testing.assert_array_equal(again, w.variations_panel.images[1])
    w.undo_action.trigger()
    w.undo_action.trigger()
    assert_same(snapshot(w.session.doc), before)


def test_project_save_and_reopen_restores_identical_arrays(qtbot, window, tmp_path):
    w = window
    w.state.set_class(2)
    drag(qtbot, w, [(3, 3), (60, 50)])
    w.select_tool("noise")
    w.noise.brush_action = "Resample (per pixel)"
    drag(qtbot, w, [(30, 30), (40, 35)])
    w.noise.brush_action = "Lock region"
    drag(qtbot, w, [(5, 50), (10, 55)])
    w.noise.set_seed(4242)
    generate_and_wait(qtbot, w)
    saved = snapshot(w.session.doc)
    w.session.project_path = tmp_path / "scene.oasisproj"
    assert w.files.save_project()
    assert w.session.stack.isClean()
    # scribble over everything, then reopen
    w.noise.set_seed(1)
    w.select_tool("fill")
    _click(w, 0, 0)
    w.files.open_project(str(tmp_path / "scene.oasisproj"))
    qtbot.waitUntil(lambda: w.session.doc.seed == 4242, timeout=30_000)
    assert_same(snapshot(w.session.doc), saved)
    assert_same(snapshot(load_project(tmp_path / "scene.oasisproj")), saved)
    assert w.session.stack.count() == 0


def test_polygon_preview_paints_without_error_and_shows_corner_handles(qtbot, window):
    """The preview used to slice a QPolygonF (TypeError on every repaint) and so never drew its handles."""
    from PySide6.QtGui import QColor

    w = window
    w.select_tool("polygon")
    w.state.set_class(7)
    corners = [(8, 8), (50, 12), (30, 52)]
    for x, y in corners:
        _click(w, x, y)
    assert len(w.canvas.tool.points) == 3
    from PySide6.QtGui import QImage, QPainter

    shot = QImage(w.canvas.size(), QImage.Format.Format_RGB32)
    shot.fill(QColor(0, 0, 0))
    painter = QPainter(shot)
    try:
        w.canvas.tool.paint_overlay(painter, w.canvas.to_view)  # what paintEvent calls on every repaint
    finally:
        painter.end()
    for x, y in corners:
        v = w.canvas.to_view(QPointF(x + 0.5, y + 0.5))
        # a filled white disc of radius 3 sits on every corner: a pixel just off the corner is white
        for dx, dy in ((1, 1), (-1, 1), (1, -1), (-1, -1)):
            c = QColor(shot.pixel(int(round(v.x())) + dx, int(round(v.y())) + dy))
            assert min(c.red(), c.green(), c.blue()) > 230, (x, y, dx, dy, c.getRgb())
    with qtbot.captureExceptions() as exceptions:
        w.canvas.grab()  # and the whole canvas paints with the preview on
    assert not exceptions, exceptions
    w.canvas.tool.cancel()
