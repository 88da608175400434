"""Class names, colour palettes and label-value mappings of the public OASIS datasets.

The public OASIS code fixes the class count and resolution per ``dataset_mode`` instead of
storing them in opt.txt, so a checkpoint of ade20k, cityscapes or coco can only be opened
correctly with these presets (see shared/docs/oasis-checkpoints.md). Class index k here is
channel k of the one-hot label map the generator receives; index 0 is always "unknown".
Custom datasets have no preset: ``get_preset`` returns None and ``default_palette`` colours them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.errors import InputError as PresetInputError

# ADE20K SceneParsing, 150 classes in official order (objectInfo150), short names as in
# mmsegmentation. Label PNG value v is class index v; 0 is "other objects"/unknown.
_ADE20K_NAMES = (
    "wall", "building", "sky", "floor", "tree", "ceiling", "road", "bed", "windowpane", "grass",
    "cabinet", "sidewalk", "person", "earth", "door", "table", "mountain", "plant", "curtain",
    "chair", "car", "water", "painting", "sofa", "shelf", "house", "sea", "mirror", "rug",
    "field", "armchair", "seat", "fence", "desk", "rock", "wardrobe", "lamp", "bathtub",
    "railing", "cushion", "base", "box", "column", "signboard", "chest of drawers", "counter",
    "sand", "sink", "skyscraper", "fireplace", "refrigerator", "grandstand", "path", "stairs",
    "runway", "case", "pool table", "pillow", "screen door", "stairway", "river", "bridge",
    "bookcase", "blind", "coffee table", "toilet", "flower", "book", "hill", "bench",
    "countertop", "stove", "palm", "kitchen island", "computer", "swivel chair", "boat", "bar",
    "arcade machine", "hovel", "bus", "towel", "light", "truck", "tower", "chandelier",
    "awning", "streetlight", "booth", "television receiver", "airplane", "dirt track",
    "apparel", "pole", "land", "bannister", "escalator", "ottoman", "bottle", "buffet",
    "poster", "stage", "van", "ship", "fountain", "conveyer belt", "canopy", "washer",
    "plaything", "swimming pool", "stool", "barrel", "basket", "waterfall", "tent", "bag",
    "minibike", "cradle", "oven", "ball", "food", "step", "tank", "trade name", "microwave",
    "pot", "animal", "bicycle", "lake", "dishwasher", "screen", "blanket", "sculpture", "hood",
    "sconce", "vase", "traffic light", "tray", "ashcan", "fan", "pier", "crt screen", "plate",
    "monitor", "bulletin board", "shower", "radiator", "glass", "clock", "flag",
)

# The ADE20K colour table used by mmsegmentation and CSAIL semantic-segmentation-pytorch
# (color150), one row per class 1..150. It really does repeat (140, 140, 140) for road and
# skyscraper; we keep it as published so images match what users know.
_ADE20K_COLOURS = (
    (120, 120, 120), (180, 120, 120), (6, 230, 230), (80, 50, 50), (4, 200, 3),
    (120, 120, 80), (140, 140, 140), (204, 5, 255), (230, 230, 230), (4, 250, 7),
    (224, 5, 255), (235, 255, 7), (150, 5, 61), (120, 120, 70), (8, 255, 51),
    (255, 6, 82), (143, 255, 140), (204, 255, 4), (255, 51, 7), (204, 70, 3),
    (0, 102, 200), (61, 230, 250), (255, 6, 51), (11, 102, 255), (255, 7, 71),
    (255, 9, 224), (9, 7, 230), (220, 220, 220), (255, 9, 92), (112, 9, 255),
    (8, 255, 214), (7, 255, 224), (255, 184, 6), (10, 255, 71), (255, 41, 10),
    (7, 255, 255), (224, 255, 8), (102, 8, 255), (255, 61, 6), (255, 194, 7),
    (255, 122, 8), (0, 255, 20), (255, 8, 41), (255, 5, 153), (6, 51, 255),
    (235, 12, 255), (160, 150, 20), (0, 163, 255), (140, 140, 140), (250, 10, 15),
    (20, 255, 0), (31, 255, 0), (255, 31, 0), (255, 224, 0), (153, 255, 0),
    (0, 0, 255), (255, 71, 0), (0, 235, 255), (0, 173, 255), (31, 0, 255),
    (11, 200, 200), (255, 82, 0), (0, 255, 245), (0, 61, 255), (0, 255, 112),
    (0, 255, 133), (255, 0, 0), (255, 163, 0), (255, 102, 0), (194, 255, 0),
    (0, 143, 255), (51, 255, 0), (0, 82, 255), (0, 255, 41), (0, 255, 173),
    (10, 0, 255), (173, 255, 0), (0, 255, 153), (255, 92, 0), (255, 0, 255),
    (255, 0, 245), (255, 0, 102), (255, 173, 0), (255, 0, 20), (255, 184, 184),
    (0, 31, 255), (0, 255, 61), (0, 71, 255), (255, 0, 204), (0, 255, 194),
    (0, 255, 82), (0, 10, 255), (0, 112, 255), (51, 0, 255), (0, 194, 255),
    (0, 122, 255), (0, 255, 163), (255, 153, 0), (0, 255, 10), (255, 112, 0),
    (143, 255, 0), (82, 0, 255), (163, 255, 0), (255, 235, 0), (8, 184, 170),
    (133, 0, 255), (0, 255, 92), (184, 0, 255), (255, 0, 31), (0, 184, 255),
    (0, 214, 255), (255, 0, 112), (92, 255, 0), (0, 224, 255), (112, 224, 255),
    (70, 184, 160), (163, 0, 255), (153, 0, 255), (71, 255, 0), (255, 0, 163),
    (255, 204, 0), (255, 0, 143), (0, 255, 235), (133, 255, 0), (255, 0, 235),
    (245, 0, 255), (255, 0, 122), (255, 245, 0), (10, 190, 212), (214, 255, 0),
    (0, 204, 255), (20, 0, 255), (255, 255, 0), (0, 153, 255), (0, 41, 255),
    (0, 255, 204), (41, 0, 255), (41, 255, 0), (173, 0, 255), (0, 245, 255),
    (71, 0, 255), (122, 0, 255), (0, 255, 184), (0, 92, 255), (184, 255, 0),
    (0, 133, 255), (255, 214, 0), (25, 194, 194), (102, 255, 0), (92, 0, 255),
)

# Cityscapes labels from cityscapesScripts labels.py, position = labelId 0..33, then
# "license plate" (labelId -1 there) at index 34 because OASIS uses semantic_nc = 35.
# cityscapesScripts never draws negative ids into *_labelIds.png, so index 34 never occurs
# in real label maps; the class exists only so the checkpoint's channel count matches.
_CITYSCAPES_LABELS = (
    ("unlabeled", (0, 0, 0)), ("ego vehicle", (0, 0, 0)),
    ("rectification border", (0, 0, 0)), ("out of roi", (0, 0, 0)),
    ("static", (0, 0, 0)), ("dynamic", (111, 74, 0)), ("ground", (81, 0, 81)),
    ("road", (128, 64, 128)), ("sidewalk", (244, 35, 232)), ("parking", (250, 170, 160)),
    ("rail track", (230, 150, 140)), ("building", (70, 70, 70)), ("wall", (102, 102, 156)),
    ("fence", (190, 153, 153)), ("guard rail", (180, 165, 180)), ("bridge", (150, 100, 100)),
    ("tunnel", (150, 120, 90)), ("pole", (153, 153, 153)), ("polegroup", (153, 153, 153)),
    ("traffic light", (250, 170, 30)), ("traffic sign", (220, 220, 0)),
    ("vegetation", (107, 142, 35)), ("terrain", (152, 251, 152)), ("sky", (70, 130, 180)),
    ("person", (220, 20, 60)), ("rider", (255, 0, 0)), ("car", (0, 0, 142)),
    ("truck", (0, 0, 70)), ("bus", (0, 60, 100)), ("caravan", (0, 0, 90)),
    ("trailer", (0, 0, 110)), ("train", (0, 80, 100)), ("motorcycle", (0, 0, 230)),
    ("bicycle", (119, 11, 32)), ("license plate", (0, 0, 142)),
)

# COCO-Stuff labels.txt ids 1..182 (= PNG value + 1), including the 11 thing ids that COCO
# never annotates (street sign, hat, shoe, eye glasses, plate, mirror, window, desk, door,
# blender, hair brush): the PNG values and the OASIS channels keep their slots.
_COCO_NAMES = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "street sign", "stop sign", "parking meter", "bench",
    "bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe",
    "hat", "backpack", "umbrella", "shoe", "eye glasses", "handbag", "tie", "suitcase",
    "frisbee", "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove",
    "skateboard", "surfboard", "tennis racket", "bottle", "plate", "wine glass", "cup", "fork",
    "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot",
    "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed", "mirror",
    "dining table", "window", "desk", "toilet", "door", "tv", "laptop", "mouse", "remote",
    "keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator",
    "blender", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
    "hair brush",
    # 91 stuff classes
    "banner", "blanket", "branch", "bridge", "building-other", "bush", "cabinet", "cage",
    "cardboard", "carpet", "ceiling-other", "ceiling-tile", "cloth", "clothes", "clouds",
    "counter", "cupboard", "curtain", "desk-stuff", "dirt", "door-stuff", "fence",
    "floor-marble", "floor-other", "floor-stone", "floor-tile", "floor-wood", "flower", "fog",
    "food-other", "fruit", "furniture-other", "grass", "gravel", "ground-other", "hill",
    "house", "leaves", "light", "mat", "metal", "mirror-stuff", "moss", "mountain", "mud",
    "napkin", "net", "paper", "pavement", "pillow", "plant-other", "plastic", "platform",
    "playingfield", "railing", "railroad", "river", "road", "rock", "roof", "rug", "salad",
    "sand", "sea", "shelf", "sky-other", "skyscraper", "snow", "solid-other", "stairs",
    "stone", "straw", "structural-other", "table", "tent", "textile-other", "towel", "tree",
    "vegetable", "wall-brick", "wall-concrete", "wall-other", "wall-panel", "wall-stone",
    "wall-tile", "wall-wood", "water-other", "waterdrops", "window-blind", "window-other",
    "wood",
)

_COCO_UNKNOWN_PNG_VALUE = 255


def default_palette(n: int) -> list[tuple[int, int, int]]:
    """The PASCAL VOC bit-shuffle colour map for classes 0..n-1 (index 0 is black).

    It spreads the bits of the index over the high bits of R, G and B, so neighbouring
    indices get clearly different colours, and it is a bijection for n <= 2**24.
    """
    if not 0 <= n <= 1 << 24:
        raise PresetInputError(f"default_palette: need 0 <= n <= 2**24 colours, got {n}")
    colours = []
    for index in range(n):
        r = g = b = 0
        bits = index
        for shift in range(7, -1, -1):
            r |= (bits & 1) << shift
            g |= ((bits >> 1) & 1) << shift
            b |= ((bits >> 2) & 1) << shift
            bits >>= 3
        colours.append((r, g, b))
    return colours


def _as_integer_array(values, what: str, preset: str) -> np.ndarray:
    array = np.asarray(values)
    if not np.issubdtype(array.dtype, np.integer):
        raise PresetInputError(f"{preset}: {what} must be integers, got dtype {array.dtype}")
    return array


@dataclass(frozen=True)
class DatasetPreset:
    name: str
    semantic_nc: int
    crop_size: int
    aspect_ratio: float
    height: int
    width: int
    class_names: tuple[str, ...]
    palette: tuple[tuple[int, int, int], ...]
    unknown_index: int

    def _png_to_class(self) -> np.ndarray:
        """PNG value -> class index, -1 where the value is not a class."""
        table = _PNG_TO_CLASS_TABLES.get(self.name)
        return table if table is not None else np.arange(self.semantic_nc, dtype=np.int64)

    def png_value_to_class(self, values: np.ndarray) -> np.ndarray:
        """Label-PNG values -> class indices, same shape and dtype; bad values raise."""
        values = _as_integer_array(values, "label PNG values", self.name)
        table = self._png_to_class()
        if values.size and (values.min() < 0 or values.max() >= len(table)):
            raise PresetInputError(
                f"{self.name}: label PNG values must be in 0..{len(table) - 1}, "
                f"got {values.min()}..{values.max()}")
        classes = table[values]
        if (classes < 0).any():
            bad = np.unique(values[classes < 0])[:5].tolist()
            raise PresetInputError(f"{self.name}: label PNG values {bad} are not classes")
        return classes.astype(values.dtype, copy=False)

    def class_to_png_value(self, classes: np.ndarray) -> np.ndarray:
        """Class indices -> label-PNG values (inverse of png_value_to_class)."""
        classes = _as_integer_array(classes, "class indices", self.name)
        if classes.size and (classes.min() < 0 or classes.max() >= self.semantic_nc):
            raise PresetInputError(
                f"{self.name}: class indices must be in 0..{self.semantic_nc - 1}, "
                f"got {classes.min()}..{classes.max()}")
        table = self._png_to_class()
        class_to_png = np.empty(self.semantic_nc, dtype=np.int64)
        valid_png = np.flatnonzero(table >= 0)
        class_to_png[table[valid_png]] = valid_png
        return class_to_png[classes].astype(classes.dtype, copy=False)


def _coco_png_to_class() -> np.ndarray:
    # COCO-Stuff PNGs store 0-based ids and 255 for unlabeled; OASIS shifts by one.
    table = np.full(256, -1, dtype=np.int64)
    table[:len(_COCO_NAMES)] = np.arange(1, len(_COCO_NAMES) + 1)
    table[_COCO_UNKNOWN_PNG_VALUE] = 0
    table.setflags(write=False)
    return table


# Only coco's label PNGs differ from the class index; every other preset (and any preset
# built by hand for a custom dataset) maps PNG value v to class v.
_PNG_TO_CLASS_TABLES = {"coco": _coco_png_to_class()}


DATASET_PRESETS: dict[str, DatasetPreset] = {
    "ade20k": DatasetPreset(
        name="ade20k", semantic_nc=151, crop_size=256, aspect_ratio=1.0, height=256, width=256,
        class_names=("unknown",) + _ADE20K_NAMES,
        palette=((0, 0, 0),) + _ADE20K_COLOURS,
        unknown_index=0),
    "cityscapes": DatasetPreset(
        name="cityscapes", semantic_nc=35, crop_size=512, aspect_ratio=2.0, height=256, width=512,
        class_names=tuple(name for name, _ in _CITYSCAPES_LABELS),
        palette=tuple(colour for _, colour in _CITYSCAPES_LABELS),
        unknown_index=0),
    "coco": DatasetPreset(
        name="coco", semantic_nc=183, crop_size=256, aspect_ratio=1.0, height=256, width=256,
        class_names=("unknown",) + _COCO_NAMES,
        # No colour table comes with the OASIS code; the PASCAL bit-shuffle map is
        # deterministic, well known and black for class 0 (unknown).
        palette=tuple(default_palette(183)),
        unknown_index=0),
}


def get_preset(name: str) -> DatasetPreset | None:
    """The preset of an OASIS dataset_mode, or None for a custom dataset."""
    return DATASET_PRESETS.get(name)
