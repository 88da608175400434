import numpy as np
import pytest

from engine.presets import DATASET_PRESETS, DatasetPreset, default_palette, get_preset

EXPECTED_SHAPES = {  # name: (semantic_nc, crop_size, aspect_ratio, height, width)
    "ade20k": (151, 256, 1.0, 256, 256),
    "cityscapes": (35, 512, 2.0, 256, 512),
    "coco": (183, 256, 1.0, 256, 256),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_SHAPES))
def test_preset_sizes_and_tables(name):
    preset = get_preset(name)
    assert preset is DATASET_PRESETS[name] and preset.name == name
    nc, crop, aspect, height, width = EXPECTED_SHAPES[name]
    assert (preset.semantic_nc, preset.crop_size, preset.aspect_ratio) == (nc, crop, aspect)
    assert (preset.height, preset.width) == (height, width)
    assert len(preset.class_names) == nc and len(preset.palette) == nc
    assert len(set(preset.class_names)) == nc, "class names must be unique"
    assert preset.unknown_index == 0
    assert preset.palette[0] == (0, 0, 0)
    for colour in preset.palette:
        assert len(colour) == 3 and all(isinstance(c, int) and 0 <= c <= 255 for c in colour)


def test_custom_dataset_has_no_preset():
    assert get_preset("my_flowers") is None


def test_ade20k_spot_checks():
    ade = DATASET_PRESETS["ade20k"]
    assert ade.class_names[:4] == ("unknown", "wall", "building", "sky")
    assert ade.class_names[150] == "flag"
    assert ade.class_names[13] == "person" and ade.palette[13] == (150, 5, 61)
    assert ade.class_names[21] == "car" and ade.palette[21] == (0, 102, 200)
    assert ade.palette[1] == (120, 120, 120) and ade.palette[150] == (92, 0, 255)
    # the published colour table repeats exactly one colour: road and skyscraper
    assert ade.palette[7] == ade.palette[49] == (140, 140, 140)
    assert len(set(ade.palette)) == 150


def test_cityscapes_spot_checks():
    city = DATASET_PRESETS["cityscapes"]
    assert city.class_names[0] == "unlabeled"
    assert city.class_names[7] == "road" and city.palette[7] == (128, 64, 128)
    assert city.class_names[26] == "car" and city.palette[26] == (0, 0, 142)
    assert city.class_names[33] == "bicycle" and city.palette[33] == (119, 11, 32)
    assert city.class_names[34] == "license plate"


def test_coco_spot_checks():
    coco = DATASET_PRESETS["coco"]
    assert coco.class_names[0] == "unknown"
    assert coco.class_names[1] == "person"
    # unused thing ids keep their slots: PNG value 11 is "street sign", 90 "hair brush"
    assert coco.class_names[11 + 1] == "street sign"
    assert coco.class_names[90 + 1] == "hair brush"
    assert coco.class_names[91 + 1] == "banner"  # first stuff class
    assert coco.class_names[182] == "wood"
    assert coco.palette[1] == (128, 0, 0) and coco.palette[2] == (0, 128, 0)


def test_coco_png_mapping_shifts_by_one_and_maps_255_to_unknown():
    coco = DATASET_PRESETS["coco"]
    values = np.array([[0, 1, 181], [255, 90, 0]], dtype=np.uint8)
    classes = coco.png_value_to_class(values)
    assert classes.dtype == np.uint8 and classes.shape == values.shape
    assert classes.tolist() == [[1, 2, 182], [0, 91, 1]]
    assert np.array_equal(coco.class_to_png_value(classes), values)


@pytest.mark.parametrize("name", sorted(EXPECTED_SHAPES))
def test_png_mapping_round_trip_over_every_class(name):
    preset = DATASET_PRESETS[name]
    classes = np.arange(preset.semantic_nc, dtype=np.int32)
    png = preset.class_to_png_value(classes)
    assert len(np.unique(png)) == preset.semantic_nc
    assert np.array_equal(preset.png_value_to_class(png), classes)
    if name != "coco":
        assert np.array_equal(png, classes)


@pytest.mark.parametrize("name,bad", [("coco", 200), ("ade20k", 151), ("cityscapes", 35)])
def test_png_values_outside_the_dataset_are_rejected(name, bad):
    with pytest.raises(ValueError, match=name):
        DATASET_PRESETS[name].png_value_to_class(np.array([0, bad]))


def test_bad_class_indices_and_dtypes_are_rejected():
    coco = DATASET_PRESETS["coco"]
    with pytest.raises(ValueError, match="class indices"):
        coco.class_to_png_value(np.array([183]))
    with pytest.raises(ValueError, match="class indices"):
        coco.class_to_png_value(np.array([-1]))
    with pytest.raises(ValueError, match="integers"):
        coco.png_value_to_class(np.array([1.0]))


def test_presets_are_immutable():
    with pytest.raises(AttributeError):
        DATASET_PRESETS["ade20k"].semantic_nc = 3  # type: ignore[misc]
    assert isinstance(DATASET_PRESETS["ade20k"], DatasetPreset)


def test_default_palette_is_deterministic_and_distinct():
    colours = default_palette(4096)
    assert colours[0] == (0, 0, 0)
    assert colours[:4] == [(0, 0, 0), (128, 0, 0), (0, 128, 0), (128, 128, 0)]
    assert len(set(colours)) == 4096
    assert default_palette(10) == colours[:10]
    assert default_palette(0) == []
    with pytest.raises(ValueError):
        default_palette(-1)
