import numpy as np

from engine.training.painted_layouts import layouts
from engine.training.report import _miou, _per_class_iou, fid_between


def test_iou_from_confusion_ignores_unknown_rows():
    # rows = ground truth, columns = prediction; class 0 is unknown
    conf = np.array([[5, 5, 5], [0, 3, 1], [0, 1, 3]])
    iou = _per_class_iou(conf, 0)
    # class 1: intersection 3, truth 4, predicted 4 among known pixels -> 3 / (4 + 4 - 3)
    assert iou == {1: 3 / 5, 2: 3 / 5}
    assert abs(_miou(conf, 0) - 0.6) < 1e-12


def test_fid_is_zero_for_identical_sets_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((200, 8))
    assert abs(fid_between(a, a)) < 1e-6
    assert fid_between(a, a + 1.0) > 7.9  # squared mean distance = 8


def test_painted_layouts_use_only_named_classes():
    names = ["unknown", "sky", "cloud", "water", "sand", "grass", "tree", "mountain", "ground", "building", "snow"]
    index = {n: i for i, n in enumerate(names)}
    maps = layouts(index)
    assert len(maps) >= 5
    for m in maps.values():
        assert m.shape == (256, 256) and 0 not in np.unique(m)  # no unknown pixels in a painted layout


def test_lattice_share_finds_a_16_pixel_grid_and_not_random_texture():
    from engine.training.lattice import LATTICE, OFF_LATTICE, periodic_share

    rng = np.random.default_rng(0)
    labels = np.zeros((256, 256), np.int64)
    labels[128:] = 1
    texture = rng.standard_normal((256, 256))
    yy, xx = np.mgrid[:256, :256]
    grid = ((yy % 16 == 5) | (xx % 16 == 9)).astype(float) * 2.0  # lines every 16 pixels
    noisy = periodic_share(texture, labels, LATTICE)
    # chance level: 256 phase means per class fitted to ~20000 pixels each
    assert 0.005 < noisy < 0.05 and abs(noisy - periodic_share(texture, labels, OFF_LATTICE)) < 0.02
    plaid = periodic_share(texture + grid, labels, LATTICE)
    # the lines carry a good part of the high-pass energy here; the off-lattice fit stays at chance
    assert plaid > 0.2 and plaid > 4 * periodic_share(texture + grid, labels, OFF_LATTICE)
    assert periodic_share(np.ones((3, 256, 256)), labels, LATTICE) == 0.0  # flat: no texture at all
