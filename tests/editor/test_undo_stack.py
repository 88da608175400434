"""The Qt face of the plain history (editor/undo_stack.py): the QUndoStack of the History panel mirrors
the History whichever side moves, and the canvas hands tools plain pointers."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QUndoView

from editor.document import LabelDocument, ModelReference, painting
from editor.document.commands import SetSeed, diff_edit
from editor.session import EditorSession

MODEL = ModelReference(folder="/nowhere", class_names=("unknown", "a", "b", "c"), palette=((0, 0, 0),) * 4,
                       unknown_index=0, z_dim=4, height=32, width=32)


def mirrored(session) -> tuple:
    st, h = session.stack, session.history
    assert [st.text(i) for i in range(st.count())] == [s.text for s in h.steps]
    assert st.index() == h.index and st.isClean() == h.is_clean
    return st.count(), st.index()


def paint(session, value, text):
    labels = session.doc.labels.copy()
    labels[value:value + 4] = value % 4
    return session.push(diff_edit("labels", session.doc.labels, labels, text))


def test_the_stack_follows_the_history_and_drives_it_from_the_history_panel(qapp):
    session = EditorSession(LabelDocument.new(MODEL, seed=1))
    view = QUndoView(session.stack)
    undo, redo = session.undo.action(redo=False), session.undo.action(redo=True)
    cleans = []
    session.cleanChanged.connect(cleans.append)
    assert not undo.isEnabled() and undo.text() == "Undo"
    for i in (1, 5, 9):
        paint(session, i, f"paint {i}")
    session.push(SetSeed(session.doc.seed, 7, "seed 7"))
    assert mirrored(session) == (4, 4) and view.model().rowCount() == 5
    assert undo.text() == "Undo seed 7" and undo.isEnabled() and not redo.isEnabled()
    session.history.undo()  # the history moves: the stack follows without running anything twice
    assert mirrored(session) == (4, 3) and redo.text() == "Redo seed 7" and session.doc.seed == 1
    session.stack.setIndex(1)  # a click in the History panel drives the history
    assert mirrored(session) == (4, 1) and session.history.index == 1
    assert (session.doc.labels[5:9] == 1).sum() == 0
    session.mark_saved()
    assert mirrored(session) == (4, 1) and cleans == [False, True]
    session.stack.redo()
    assert not session.is_clean and cleans[-1] is False
    session.stack.undo()
    assert session.is_clean
    undo.trigger()
    assert mirrored(session) == (4, 0)
    session.stack.setClean()  # marked on the stack itself: the history takes it over
    assert session.history.clean_index == 0 and mirrored(session) == (4, 0)


def test_undo_from_the_history_panel_during_a_stroke_ends_with_stack_and_history_alike(qtbot):
    session = EditorSession(LabelDocument.new(MODEL, seed=1))
    paint(session, 1, "paint 1")
    stroke = session.history.begin_stroke("brush a")
    stroke.paint(painting.stroke(session.doc.shape, [(20, 20), (28, 25)], 3), 2)
    painted = session.doc.labels.copy()
    session.stack.undo()  # the stroke is committed, then undone, inside QUndoStack.undo
    qtbot.waitUntil(lambda: session.stack.count() == 2)
    assert mirrored(session) == (2, 1) and not stroke.open
    assert (session.doc.labels == 2).sum() == 0
    session.history.redo()
    np.testing.assert_array_equal(session.doc.labels, painted)
    assert mirrored(session) == (2, 2)


def test_the_oldest_steps_dropped_and_another_document_rebuild_the_stack(qapp):
    session = EditorSession(LabelDocument.new(MODEL, seed=1))
    session.history.limit = 3
    for i in range(6):
        paint(session, i, f"paint {i}")
    assert mirrored(session) == (3, 3) and session.stack.text(0) == "paint 3"
    session.replace_document(LabelDocument.new(MODEL, seed=2))
    assert mirrored(session) == (0, 0)


def test_the_canvas_gives_tools_image_coordinates_and_modifiers(window):
    """Alt+click with the brush picks the class under the cursor (Pointer.alt); no stroke is made."""
    canvas = window.canvas
    window.select_tool("brush")
    doc = window.session.doc
    doc.labels[20, 30] = 7
    window.state.set_class(3)
    v = canvas.to_view(QPointF(30.5, 20.5))
    for kind in (QMouseEvent.Type.MouseButtonPress, QMouseEvent.Type.MouseButtonRelease):
        QApplication.sendEvent(canvas, QMouseEvent(kind, v, v, Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton,
                                                   Qt.KeyboardModifier.AltModifier))
    assert window.state.current_class == 7 and window.session.history.count == 0
