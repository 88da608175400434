"""The undo history as plain data (editor/document/history.py): steps, strokes, the saved point, the
budget -- no Qt anywhere."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from editor.document import LabelDocument, noise_ops, painting
from editor.document.commands import SetSeed, diff_edit
from editor.document.history import History, layers_of
from editor.document.recovery_file import load_recovery, recovery_bytes
from tests.conftest import REPO
from tests.engine.test_no_qt import BLOCK_QT


def labels_edit(doc, y0, y1, value, text="paint"):
    labels = doc.labels.copy()
    labels[y0:y1, 5:30] = value
    return diff_edit("labels", doc.labels, labels, text)


def noise_edit(doc, value):
    return diff_edit("noise", doc.noise, np.full_like(doc.noise, value), f"noise {value}")


class Events:
    def __init__(self, history):
        self.kinds = []
        history.subscribe(lambda e: self.kinds.append((e.kind, set(e.layers))))


def test_push_undo_redo_return_to_every_state_and_a_push_drops_the_redo_steps(doc):
    h = History(doc)
    seen = Events(h)
    states = [doc.labels.copy()]
    for i in range(3):
        h.push(labels_edit(doc, 10 * i, 10 * i + 5, 3 + i, f"paint {i}"))
        states.append(doc.labels.copy())
    assert (h.count, h.index, h.undo_text, h.redo_text) == (3, 3, "paint 2", "")
    assert h.undo() and h.undo()
    np.testing.assert_array_equal(doc.labels, states[1])
    assert (h.undo_text, h.redo_text) == ("paint 0", "paint 1")
    assert h.redo()
    np.testing.assert_array_equal(doc.labels, states[2])
    h.set_index(0)
    np.testing.assert_array_equal(doc.labels, states[0])
    assert not h.undo() and not h.can_undo
    h.set_index(3)
    np.testing.assert_array_equal(doc.labels, states[3])
    h.undo()
    h.push(SetSeed(doc.seed, 11, "seed 11"))  # the undone "paint 2" goes
    assert [s.text for s in h.steps] == ["paint 0", "paint 1", "seed 11"] and doc.seed == 11
    assert seen.kinds[:3] == [("push", {"labels"})] * 3
    assert ("undo", {"labels"}) in seen.kinds and seen.kinds[-1] == ("push", {"seed"})
    assert h.push(None) is None and h.count == 3


def test_the_saved_point_follows_undo_and_is_lost_when_its_redo_step_goes(doc):
    h = History(doc)
    assert h.is_clean  # a fresh document equals its (lack of a) file
    h.push(labels_edit(doc, 0, 5, 4))
    assert not h.is_clean
    h.set_clean()
    h.push(labels_edit(doc, 10, 15, 5))
    assert not h.is_clean
    h.undo()
    assert h.is_clean
    h.undo()
    assert not h.is_clean
    h.push(labels_edit(doc, 20, 25, 6))  # the saved state was a redo step: nothing reaches it now
    assert h.clean_index is None
    h.set_index(0)
    assert not h.is_clean
    h.set_clean()
    h.reset_clean()  # another model folder: no state equals the file
    assert not h.is_clean and h.clean_index is None


def test_the_byte_budget_drops_the_oldest_steps_down_to_three_quarters_and_keeps_the_saved_point(doc):
    step = noise_edit(doc, 0.5).nbytes
    h = History(doc, budget=6 * step)
    states = [doc.noise.copy()]
    for i in range(20):
        h.push(noise_edit(doc, float(i)))
        states.append(doc.noise.copy())
        assert h.nbytes() <= h.budget
        if i == 15:
            h.set_clean()
    assert 3 <= h.count <= 6
    for k in range(h.count):
        assert h.undo()
        np.testing.assert_array_equal(doc.noise, states[20 - k - 1])
        assert h.is_clean == (20 - k - 1 == 16)
    assert not h.can_undo


def test_the_count_limit_drops_the_oldest_step_and_a_saved_point_that_went_with_it(doc):
    h = History(doc, limit=3)
    h.push(SetSeed(doc.seed, 1, "seed 1"))
    h.set_clean()
    for s in (2, 3, 4):
        h.push(SetSeed(doc.seed, s, f"seed {s}"))
    assert [s.text for s in h.steps] == ["seed 2", "seed 3", "seed 4"] and h.index == 3
    assert h.clean_index == 0  # "seed 1" applied: the state before "seed 2"
    h.push(SetSeed(doc.seed, 5, "seed 5"))
    assert h.clean_index is None
    h.set_index(0)
    assert doc.seed == 2


def test_a_stroke_is_one_step_holding_only_its_changed_rectangle(doc):
    h = History(doc)
    before = doc.labels.copy()
    stroke = h.begin_stroke("brush c7")
    for a, b in [((10, 10), (30, 12)), ((30, 12), (40, 30)), ((40, 30), (12, 28))]:
        stroke.paint(painting.stroke(doc.shape, [a, b], 5), 7)
    painted = doc.labels.copy()
    assert h.count == 0  # nothing is a step until the stroke ends
    step = h.commit_stroke()
    assert step is not None and h.count == 1 and step.text == "brush c7" and layers_of(step.command) == {"labels"}
    expected = diff_edit("labels", before, painted, "brush c7")
    assert (step.command.y0, step.command.x0, step.command.old.shape) == (expected.y0, expected.x0, expected.old.shape)
    assert step.nbytes == expected.nbytes < before.nbytes  # old + new of the box, less than one whole map
    np.testing.assert_array_equal(doc.labels, painted)
    h.undo()
    np.testing.assert_array_equal(doc.labels, before)
    h.redo()
    np.testing.assert_array_equal(doc.labels, painted)


def test_an_aborted_stroke_puts_the_map_back_and_an_empty_one_makes_no_step(doc):
    h = History(doc)
    before = doc.labels.copy()
    stroke = h.begin_stroke("brush")
    stroke.paint(painting.stroke(doc.shape, [(5, 5), (60, 40)], 9), 4)
    assert h.abort_stroke() and not stroke.open
    np.testing.assert_array_equal(doc.labels, before)
    stroke.paint(painting.stroke(doc.shape, [(5, 5)], 9), 4)  # a closed stroke paints nothing
    np.testing.assert_array_equal(doc.labels, before)
    h.begin_stroke("fill").paint(painting.rectangle(doc.shape, (50, 0), (60, 10)), 2)  # already class 2
    assert h.commit_stroke() is None and h.count == 0
    assert not h.abort_stroke()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(-10, 105), st.integers(-10, 75), st.integers(1, 15), st.integers(0, 11)),
                min_size=1, max_size=12))
def test_a_stroke_growing_in_any_direction_records_exactly_what_it_changed(dabs):
    ref_doc = _doc()
    h = History(ref_doc)
    before = ref_doc.labels.copy()
    stroke = h.begin_stroke("brush")
    for x, y, size, cls in dabs:
        stroke.paint(painting.stroke(ref_doc.shape, [(x, y)], size), cls)
    painted = ref_doc.labels.copy()
    step = h.commit_stroke()
    expected = diff_edit("labels", before, painted, "brush")
    if expected is None:
        assert step is None
        return
    assert step is not None
    got = step.command
    assert (got.y0, got.x0) == (expected.y0, expected.x0)
    np.testing.assert_array_equal(got.old, expected.old)
    np.testing.assert_array_equal(got.new, expected.new)
    h.undo()
    np.testing.assert_array_equal(ref_doc.labels, before)


def _doc():
    from editor.document import ModelReference

    ref = ModelReference(folder="/nowhere", class_names=tuple(f"c{i}" for i in range(12)), palette=((0, 0, 0),) * 12,
                         unknown_index=0, z_dim=4, height=64, width=96)
    d = LabelDocument.new(ref, seed=3, fill_class=1)
    d.labels[:, 48:] = 2
    return d


def test_undo_during_a_stroke_takes_back_the_stroke_and_redo_brings_it_back(doc):
    h = History(doc)
    h.push(labels_edit(doc, 0, 5, 3))
    after_first = doc.labels.copy()
    stroke = h.begin_stroke("brush")
    stroke.paint(painting.stroke(doc.shape, [(40, 40), (70, 50)], 7), 8)
    painted = doc.labels.copy()
    assert h.undo()  # Ctrl+Z while the mouse is still down
    assert not stroke.open and h.count == 2 and h.index == 1
    np.testing.assert_array_equal(doc.labels, after_first)
    h.redo()
    np.testing.assert_array_equal(doc.labels, painted)


def test_a_step_on_the_strokes_layer_closes_the_stroke_first_and_other_layers_leave_it_open(doc):
    h = History(doc)
    stroke = h.begin_stroke("brush")
    stroke.paint(painting.stroke(doc.shape, [(10, 10)], 5), 6)
    h.push(SetSeed(doc.seed, 5, "seed 5"))  # a live generate's image, a reseed: the drag goes on
    assert stroke.open and h.count == 1
    stroke.paint(painting.stroke(doc.shape, [(20, 20)], 5), 6)
    h.push(labels_edit(doc, 50, 60, 9, "layout"))  # would make the stroke's remembered pixels stale
    assert not stroke.open and [s.text for s in h.steps] == ["seed 5", "brush", "layout"]
    h.set_index(1)
    assert (doc.labels == 6).sum() == 0


def test_another_document_empties_the_history_and_forgets_the_open_stroke_untouched(doc, model_ref):
    h = History(doc)
    h.push(labels_edit(doc, 0, 5, 3))
    stroke = h.begin_stroke("brush")
    stroke.paint(painting.stroke(doc.shape, [(10, 10)], 5), 6)
    other = LabelDocument.new(model_ref, seed=1)
    fresh = other.labels.copy()
    h.reset(other)
    assert h.doc is other and h.count == 0 and h.is_clean and h.stroke is None and not stroke.open
    assert not h.abort_stroke()
    np.testing.assert_array_equal(other.labels, fresh)


def test_an_image_attaches_only_to_the_newest_step_once(doc, rng):
    h = History(doc)
    first = h.push(labels_edit(doc, 0, 5, 3))
    image = rng.integers(0, 255, (*doc.shape, 3), dtype=np.uint8)
    assert h.attach_image(first, image) and first.image_attached and doc.image is image
    assert not h.attach_image(first, image.copy())  # has one
    second = h.push(labels_edit(doc, 10, 15, 4))
    assert not h.attach_image(first, image)  # no longer the newest
    h.undo()
    h.undo()  # the stroke and its image go together
    assert doc.image is None and second is not None


def test_a_restored_history_is_taken_as_it_is_and_undoes_exactly(doc, rng, tmp_path):
    """The recovery file stores the history's commands and its index; what comes back is a History again."""
    h = History(doc)
    states = [(doc.labels.copy(), doc.noise.copy(), doc.seed)]
    h.push(labels_edit(doc, 0, 5, 3))
    h.push(noise_ops.resample_region(doc, painting.rectangle(doc.shape, (3, 3), (20, 20)), rng))
    h.push(noise_ops.reseed(doc, 42))
    states += [(doc.labels.copy(), doc.noise.copy(), doc.seed)]
    h.undo()
    path = tmp_path / "recovery.oasisproj"
    path.write_bytes(recovery_bytes(doc, h.commands(), h.index))
    rec = load_recovery(path)
    restored = History(rec.doc)
    restored.restore(rec.steps, rec.applied)
    assert (restored.count, restored.index, restored.clean_index) == (3, 2, None)
    restored.redo()
    np.testing.assert_array_equal(rec.doc.noise, states[1][1])
    assert rec.doc.seed == 42
    restored.set_index(0)
    np.testing.assert_array_equal(rec.doc.labels, states[0][0])
    np.testing.assert_array_equal(rec.doc.noise, states[0][1])
    assert rec.doc.seed == states[0][2]
    with pytest.raises(ValueError):
        restored.restore(rec.steps, 4)


def test_the_history_imports_without_qt():
    code = BLOCK_QT + """
import editor.document.history, editor.document.recovery_file
assert not any(k.startswith(('PySide6', 'shiboken6')) for k in sys.modules)
"""
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
