"""The undo history has a byte budget (oldest steps dropped), and a crash restore brings the history back
(issue 15 item 11)."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QUndoView

from editor.document import LabelDocument, ModelReference
from editor.document.commands import diff_edit
from editor.session import EditorSession

MODEL = ModelReference(folder="/nowhere", class_names=("unknown", "a", "b"), palette=((0, 0, 0),) * 3,
                       unknown_index=0, z_dim=16, height=64, width=64)


def noise_edit(session, value):
    doc = session.doc
    noise = np.full_like(doc.noise, value)  # the whole map: 2 x 16 x 64 x 64 x 4 bytes = 512 KiB a step
    return diff_edit("noise", doc.noise, noise, f"noise {value}")


def test_history_stays_within_its_byte_budget_and_what_is_left_undoes_exactly(qapp):
    session = EditorSession(LabelDocument.new(MODEL, seed=1))
    view = QUndoView(session.stack)
    step = noise_edit(session, 0.5).nbytes
    session.history_budget = 6 * step
    states = [session.doc.noise.copy()]
    for i in range(20):
        session.push(noise_edit(session, float(i)))
        states.append(session.doc.noise.copy())
        assert session.history_bytes() <= session.history_budget
        if i == 15:
            session.stack.setClean()
    count = session.stack.count()
    assert 3 <= count <= 6, count  # trimmed to 3/4 of the budget, then grown again
    assert session.steps()[-1].text == "noise 19.0"
    assert view.model().rowCount() == count + 1  # the History panel shows the rebuilt stack
    assert not session.stack.isClean()
    for k in range(count):
        session.stack.undo()
        np.testing.assert_array_equal(session.doc.noise, states[20 - k - 1])
        assert session.stack.isClean() == (20 - k - 1 == 16)  # the clean mark stayed where it was
    assert not session.stack.canUndo()


def test_restore_after_a_crash_brings_back_the_undo_history(make_window, tiny_model_dir, tmp_path, monkeypatch,
                                                            qtbot):
    from PySide6.QtWidgets import QMessageBox

    from editor.autosave import Autosaver

    path = tmp_path / "recovery.oasisproj"
    first = make_window(tiny_model_dir)
    saver = Autosaver(first, interval_ms=60_000, path=path)
    saver.timer.stop()
    session = first.session
    start = session.doc.labels.copy(), session.doc.noise.copy(), session.doc.seed
    labels = session.doc.labels.copy()
    labels[10:30, 5:50] = 3
    session.push(diff_edit("labels", session.doc.labels, labels, "paint sky"))
    first.noise.set_seed(4321)
    labels = session.doc.labels.copy()
    labels[40:60] = 6
    session.push(diff_edit("labels", session.doc.labels, labels, "paint water"))
    session.stack.undo()  # one redo step
    assert saver.autosave()
    want = session.doc.labels.copy(), session.doc.noise.copy(), session.doc.seed

    # a second window starts as after a crash: the recovery file is what is left of the first
    second = make_window(tiny_model_dir)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    restorer = Autosaver(second, interval_ms=60_000, path=path)
    restorer.timer.stop()
    assert restorer.offer_restore()
    s = second.session
    assert [s.stack.text(i) for i in range(s.stack.count())] == ["paint sky", "seed 4321", "paint water"]
    assert s.stack.index() == 2 and not s.stack.isClean() and second.isWindowModified()
    np.testing.assert_array_equal(s.doc.labels, want[0])
    assert s.doc.seed == want[2]
    second.redo_action.trigger()
    assert (s.doc.labels[40:60] == 6).all()
    s.stack.setIndex(0)
    np.testing.assert_array_equal(s.doc.labels, start[0])
    np.testing.assert_array_equal(s.doc.noise, start[1])
    assert s.doc.seed == start[2]


def test_a_recovered_history_never_lands_on_another_document(window, tmp_path):
    """If the recovered document's model fails to load, the next document must not get its history."""
    from editor.autosave import Autosaver
    from editor.document.recovery_file import Recovery

    saver = Autosaver(window, interval_ms=60_000, path=tmp_path / "r.oasisproj")
    saver.timer.stop()
    doc = window.session.doc
    recovered = LabelDocument.new(doc.model, seed=5)
    edit = diff_edit("labels", recovered.labels, np.ones_like(recovered.labels), "paint")
    saver._restoring = Recovery(recovered, [edit], 1)
    window.session.documentReplaced.connect(saver._restore_history)
    window.new_document()  # another document replaces the open one first
    assert window.session.stack.count() == 0
