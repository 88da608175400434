import numpy as np

from editor.document import noise_ops, painting
from editor.document.label_document import seed_noise_map


def test_new_document_noise_is_the_seed_vector_everywhere(doc):
    from engine.api import global_noise

    vec = global_noise(8, 3)
    np.testing.assert_array_equal(doc.noise[:, 17, 40], vec)
    np.testing.assert_array_equal(doc.noise[:, 0, 0], vec)


def test_resample_region_one_vector_changes_only_the_region(doc, rng):
    before = doc.noise.copy()
    patch = painting.rectangle(doc.shape, (10, 10), (19, 19))
    noise_ops.resample_region(doc, patch, rng, noise_ops.ONE_VECTOR).apply(doc)
    inside = patch.full(doc.shape)
    assert not np.array_equal(doc.noise[:, inside], before[:, inside])
    np.testing.assert_array_equal(doc.noise[:, ~inside], before[:, ~inside])
    vals = doc.noise[:, inside]
    assert np.allclose(vals, vals[:, :1])  # one vector for the whole region


def test_resample_per_pixel_differs_between_pixels(doc, rng):
    patch = painting.rectangle(doc.shape, (0, 0), (3, 3))
    noise_ops.resample_region(doc, patch, rng, noise_ops.PER_PIXEL).apply(doc)
    assert not np.allclose(doc.noise[:, 0, 0], doc.noise[:, 0, 1])


def test_resample_class_touches_only_that_class(doc, rng):
    before = doc.noise.copy()
    noise_ops.resample_class(doc, 2, rng).apply(doc)
    np.testing.assert_array_equal(doc.noise[:, :, :48], before[:, :, :48])
    assert not np.array_equal(doc.noise[:, :, 48:], before[:, :, 48:])


def test_reseed_leaves_locked_pixels_and_undoes(doc, rng):
    lock = painting.rectangle(doc.shape, (0, 0), (9, 9))
    noise_ops.set_lock(doc, lock, True).apply(doc)
    before = doc.noise.copy()
    cmd = noise_ops.reseed(doc, 99)
    cmd.apply(doc)
    assert doc.seed == 99
    np.testing.assert_array_equal(doc.noise[:, :10, :10], before[:, :10, :10])
    np.testing.assert_array_equal(doc.noise[:, 30:, 30:], seed_noise_map(8, 64, 96, 99)[:, 30:, 30:])
    cmd.revert(doc)
    assert doc.seed == 3
    np.testing.assert_array_equal(doc.noise, before)


def test_reseed_step_stores_only_local_residuals(doc, rng):
    noise_ops.resample_region(doc, painting.rectangle(doc.shape, (2, 2), (6, 5)), rng).apply(doc)
    before = doc.noise.copy()
    cmd = noise_ops.reseed(doc, 12345)
    assert cmd.nbytes < doc.noise.nbytes / 20  # not two full noise maps
    cmd.apply(doc)
    cmd.revert(doc)
    np.testing.assert_array_equal(doc.noise, before)
    cmd.apply(doc)
    np.testing.assert_array_equal(doc.noise, seed_noise_map(8, 64, 96, 12345))


def test_locked_pixels_are_not_resampled(doc, rng):
    lock = painting.rectangle(doc.shape, (0, 0), (9, 9))
    noise_ops.set_lock(doc, lock, True).apply(doc)
    before = doc.noise.copy()
    noise_ops.resample_region(doc, painting.rectangle(doc.shape, (0, 0), (19, 19)), rng).apply(doc)
    np.testing.assert_array_equal(doc.noise[:, :10, :10], before[:, :10, :10])
    assert not np.array_equal(doc.noise[:, 15, 15], before[:, 15, 15])


def test_blend_endpoints_and_midpoint(doc, rng):
    patch = painting.rectangle(doc.shape, (5, 5), (9, 9))
    before = doc.noise.copy()
    blend = noise_ops.RegionBlend(doc, patch, rng)
    e0 = blend.edit(doc, 0.0)
    np.testing.assert_array_equal(e0.new, e0.old)
    e1 = blend.edit(doc, 1.0)
    e1.apply(doc)
    target = doc.noise[:, 7, 7].copy()
    e1.revert(doc)
    eh = blend.edit(doc, 0.5)
    eh.apply(doc)
    np.testing.assert_allclose(doc.noise[:, 7, 7], 0.5 * before[:, 7, 7] + 0.5 * target, rtol=1e-6)
    eh.revert(doc)
    np.testing.assert_array_equal(doc.noise, before)
