"""A label map of another size comes to the model's size the way the user chose (issue 15 item 11)."""

import numpy as np
import pytest

from editor.document.label_io import fit_labels, size_difference


def wide_map():
    """40 x 80: class 1 on the left quarter, 2 in the middle half, 3 on the right quarter."""
    labels = np.full((40, 80), 2, np.uint8)
    labels[:, :20] = 1
    labels[:, 60:] = 3
    return labels


def test_size_difference(model_ref):  # model 64 x 96 (h x w)
    assert size_difference((64, 96), model_ref) is None
    assert size_difference((128, 192), model_ref) == "scale"
    assert size_difference((40, 80), model_ref) == "aspect"


def test_crop_keeps_the_centre(model_ref):
    out = fit_labels(wide_map(), model_ref, "x.png", "crop")  # 40 x 80 -> centre 40 x 60 -> 64 x 96
    assert out.shape == (64, 96)
    # the crop drops 10 columns each side: 10 of the 20 class-1 columns are left, a sixth of the width
    assert abs((out == 1).mean() - 10 / 60) < 0.02 and abs((out == 3).mean() - 10 / 60) < 0.02


def test_pad_keeps_everything_and_fills_with_the_unknown_class(model_ref):
    out = fit_labels(wide_map(), model_ref, "x.png", "pad")  # 40 x 80 -> 53 x 80 padded -> 64 x 96
    assert out.shape == (64, 96)
    assert (out[0] == model_ref.unknown_index).all() and (out[-1] == model_ref.unknown_index).all()
    middle = out[32]
    assert middle[0] == 1 and middle[-1] == 3  # nothing of the map was cut
    assert abs((middle == 1).mean() - 0.25) < 0.02


def test_stretch_is_the_old_squash(model_ref):
    out = fit_labels(wide_map(), model_ref, "x.png", "stretch")
    assert out.shape == (64, 96) and abs((out == 1).mean() - 0.25) < 0.02
    with pytest.raises(ValueError):
        fit_labels(wide_map(), model_ref, "x.png", "squash")
