"""Local noise edits stay local; photo -> label map -> recreate works end to end (real tiny model)."""

import cv2
import numpy as np

from tests.editor.conftest import drag, generate_and_wait

FAR_MARGIN = 8  # pixels: "far outside" starts this far from the brushed region


def test_noise_brush_changes_the_image_mostly_inside_the_region(qtbot, window):
    w = window
    w.session.rng = np.random.default_rng(2024)  # a fixed fresh vector: the printed ratio is reproducible
    doc = w.session.doc
    doc.labels[:, :32] = 2  # a simple scene: two halves and a top band
    doc.labels[:, 32:] = 5
    doc.labels[:20] = 7
    w.canvas.labels_changed()
    before = generate_and_wait(qtbot, w).astype(np.float32)
    w.select_tool("noise")
    w.noise.brush_action = "Resample (one vector)"
    w.state.set_brush_size(8)
    drag(qtbot, w, [(42, 38), (52, 44), (46, 54)])
    inside = (doc.noise != doc.noise[:, :1, :1]).any(axis=0)  # pixel (0, 0) still has the seed's vector
    assert 100 < inside.sum() < 600
    after = generate_and_wait(qtbot, w).astype(np.float32)
    change = np.abs(after - before).mean(axis=2)
    dist = cv2.distanceTransform((~inside).astype(np.uint8), cv2.DIST_L2, 3)
    far = dist > FAR_MARGIN
    ratio = change[inside].mean() / max(change[far].mean(), 1e-6)
    print(f"\nnoise brush: mean |change| inside {change[inside].mean():.3f}, far outside {change[far].mean():.3f} "
          f"(uint8 levels), ratio {ratio:.1f}")
    assert change[inside].mean() > 1.0  # the region visibly changed
    assert ratio > 4


def test_photo_to_layout_then_recreate(qtbot, window):
    w = window
    dialog = w.show_photo_dialog()
    qtbot.addWidget(dialog)
    rng = np.random.default_rng(7)
    photo = np.zeros((90, 150, 3), np.uint8)  # wider than the model: gets cropped to square
    photo[:45] = (90, 140, 220)  # sky-ish top
    photo[45:] = (60, 120, 40)  # grass-ish bottom
    photo = np.clip(photo + rng.integers(-20, 20, photo.shape), 0, 255).astype(np.uint8)
    dialog.set_photo_array(photo)
    assert dialog.photo.shape == (64, 64, 3)
    assert dialog.segment_btn.isEnabled()
    before = w.session.doc.labels.copy()
    with qtbot.waitSignal(w.session.pushed, timeout=60_000):
        dialog.segment()
    labels = w.session.doc.labels
    assert labels.shape == (64, 64) and not np.array_equal(labels, before)
    assert w.session.doc.model.unknown_index not in np.unique(labels)  # segmentation never predicts unknown
    with qtbot.waitSignal(w.engine.batchGenerated, timeout=60_000):
        dialog.count.setValue(3)
        dialog.recreate()
    assert dialog.results.count() == 3 and len(dialog.recreated) == 3
    dialog._adopt(dialog.results.item(0))
    np.testing.assert_array_equal(w.session.doc.image, dialog.recreated[0][1])
    w.undo_action.trigger()  # adopt
    w.undo_action.trigger()  # layout from the photo
    np.testing.assert_array_equal(w.session.doc.labels, before)


def _lock_square(w, y0, y1, x0, x1):
    from editor.document import noise_ops, painting

    mask = np.zeros(w.session.doc.shape, bool)
    mask[y0:y1, x0:x1] = True
    w.session.push(noise_ops.set_lock(w.session.doc, painting.patch_from_full(mask), True))
    return mask


def test_a_locked_region_keeps_its_look_when_the_rest_is_reseeded(qtbot, window):
    """Locking the noise alone let a new seed restyle the locked pixels through the generator's receptive
    field; the editor now keeps the locked pixels of the image shown (blended on a seam outside)."""
    w = window
    doc = w.session.doc
    doc.labels[:, :32] = 2
    doc.labels[:, 32:] = 5
    doc.labels[:20] = 7
    w.canvas.labels_changed()
    locked = _lock_square(w, 4, 28, 6, 40)
    before = generate_and_wait(qtbot, w)
    w.noise.set_seed(doc.seed + 1)
    after = generate_and_wait(qtbot, w)
    assert np.array_equal(after[locked], before[locked])
    assert np.abs(after.astype(int) - before.astype(int))[~locked].mean() > 1  # the rest did change
    # the same request again is the same image: no new undo step
    n = w.session.stack.count()
    generate_and_wait(qtbot, w)
    assert w.session.stack.count() == n
    w.undo_action.trigger()  # the generate step
    w.undo_action.trigger()  # the reseed
    assert np.array_equal(doc.image, before)
    # live mode: the reseed's own undo step carries the composed image
    w.generation.set_live(True)
    qtbot.waitUntil(lambda: not w.engine.busy, timeout=60_000)
    with qtbot.waitSignal(w.generation.imageAdopted, timeout=60_000):
        w.noise.set_seed(doc.seed + 7)
    assert np.array_equal(doc.image[locked], before[locked])
    # unlocking, in live mode, shows the region as the new seed makes it
    with qtbot.waitSignal(w.generation.imageAdopted, timeout=60_000):
        w.noise_panel._unlock_all()
    assert not doc.locked.any()
    assert np.abs(doc.image.astype(int) - before.astype(int))[locked].mean() > 1
    w.generation.set_live(False)


def test_variations_keep_the_locked_look(qtbot, window):
    w = window
    locked = _lock_square(w, 10, 40, 10, 40)
    before = generate_and_wait(qtbot, w)
    with qtbot.waitSignal(w.generation.variationsReady, timeout=60_000) as ready:
        w.generation.make_variations(2)
    seeds, images = ready.args
    for image in images:
        assert np.array_equal(image[locked], before[locked])
    w.generation.adopt_variation(seeds[0], images[0])
    assert np.array_equal(w.session.doc.image[locked], before[locked])
