import numpy as np

from editor.document import painting
from editor.document.commands import diff_edit, patch_edit


def test_patch_edit_stores_only_the_changed_rectangle_and_undoes(doc):
    before = doc.labels.copy()
    patch = painting.stroke(doc.shape, [(10, 10), (20, 12)], 5)
    edit = patch_edit(doc, "labels", patch, 5, "stroke")
    assert edit.old.shape == patch.mask.shape and edit.nbytes < before.nbytes / 10
    edit.apply(doc)
    assert (doc.labels[patch.slices][patch.mask] == 5).all()
    edit.revert(doc)
    np.testing.assert_array_equal(doc.labels, before)


def test_noise_patch_edit_round_trip(doc):
    before = doc.noise.copy()
    patch = painting.rectangle(doc.shape, (3, 4), (10, 12))
    edit = patch_edit(doc, "noise", patch, np.arange(8, dtype=np.float32), "noise")
    edit.apply(doc)
    np.testing.assert_array_equal(doc.noise[:, 6, 6], np.arange(8))
    assert edit.old.shape == (8, 9, 8)
    edit.revert(doc)
    np.testing.assert_array_equal(doc.noise, before)


def test_diff_edit_crops_to_differences(doc):
    after = doc.labels.copy()
    after[5:7, 30:33] = 9
    edit = diff_edit("labels", doc.labels, after, "x")
    assert (edit.y0, edit.x0, edit.old.shape) == (5, 30, (2, 3))
    assert diff_edit("labels", after, after, "x") is None


def test_noise_lent_to_a_request_is_copied_on_write(doc):
    lent = doc.noise
    frozen = lent.copy()
    doc.noise_lent = lambda a: a is lent
    edit = patch_edit(doc, "noise", painting.rectangle(doc.shape, (0, 0), (5, 5)), np.ones(8, np.float32), "x")
    edit.apply(doc)
    np.testing.assert_array_equal(lent, frozen)  # what the request reads never changes
    assert doc.noise is not lent and (doc.noise[:, 2, 2] == 1).all()
    second = doc.noise
    edit.revert(doc)  # not lent: written in place
    assert doc.noise is second
