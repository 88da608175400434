"""Locked regions keep their look: composing a new result with the image the user saw (numpy only)."""

import numpy as np

from editor.document.locked_look import SEAM_PX, LockedLook, compose, keep_weights


def _scene(seed=0):
    rng = np.random.default_rng(seed)
    labels = np.ones((40, 50), np.uint8)
    labels[25:] = 2
    locked = np.zeros((40, 50), bool)
    locked[5:20, 10:30] = True
    return labels, locked, rng


def _image(rng):
    return rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)


def test_weights_are_one_on_the_lock_and_fade_to_zero_over_the_seam():
    labels, locked, _ = _scene()
    w = keep_weights(locked, labels, labels)
    assert (w[locked] == 1).all()
    assert w[5:20, 30 + SEAM_PX:].max() == 0 and w[20 + SEAM_PX:].max() == 0  # nothing beyond the seam
    ramp = w[12, 29:30 + SEAM_PX + 1]  # a row leaving the lock to the right
    assert ramp[0] == 1 and ramp[-1] == 0 and (np.diff(ramp) < 0).all()
    assert keep_weights(np.zeros_like(locked), labels, labels) is None


def test_kept_pixels_are_exactly_the_previous_ones_and_the_rest_the_new_result():
    labels, locked, rng = _scene()
    before, new = _image(rng), _image(rng)
    w = keep_weights(locked, labels, labels)
    out = compose(new, before, w)
    assert (out[locked] == before[locked]).all()
    assert (out[w == 0] == new[w == 0]).all()


def test_a_repainted_locked_pixel_is_regenerated_then_kept():
    labels, locked, rng = _scene()
    look = LockedLook()
    first = look.compose(_image(rng), look.request(labels, locked, None, labels))  # no image yet: as generated
    repainted = labels.copy()
    repainted[8:12, 12:16] = 3  # inside the lock
    raw = _image(rng)
    second = look.compose(raw, look.request(repainted, locked, first, repainted))
    changed = repainted != labels
    assert (second[changed] == raw[changed]).all()
    keep = locked & ~changed
    assert (second[keep] == first[keep]).all()
    third = look.compose(_image(rng), look.request(repainted, locked, second, repainted))
    assert (third[locked] == second[locked]).all()  # now the repainted pixels are held too


def test_generating_the_same_request_again_gives_the_same_image():
    """The seam blends with what it was blended with before, so it does not drift towards the raw result."""
    labels, locked, rng = _scene()
    look = LockedLook()
    first = look.compose(_image(rng), look.request(labels, locked, None, labels))
    raw = _image(rng)  # "new seed"
    second = look.compose(raw, look.request(labels, locked, first, labels))
    third = look.compose(raw.copy(), look.request(labels, locked, second, labels))
    assert np.array_equal(second, third)


def test_an_image_of_unknown_origin_is_taken_to_show_the_current_labels():
    labels, locked, rng = _scene()
    look = LockedLook()
    loaded = _image(rng)  # e.g. from a project file
    out = look.compose(_image(rng), look.request(labels, locked, loaded, labels))
    assert (out[locked] == loaded[locked]).all()


def test_records_go_away_with_their_images():
    labels, locked, rng = _scene()
    look = LockedLook()
    img = look.compose(_image(rng), look.request(labels, locked, None, labels))
    assert len(look._records) == 1
    del img
    assert len(look._records) == 0
