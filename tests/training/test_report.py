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
