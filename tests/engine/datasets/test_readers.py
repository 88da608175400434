"""Each reader on a tiny folder in its layout: pairing, class ids, palette, and the streamed crops."""

import numpy as np
import pytest
from PIL import Image

from engine.datasets.readers import open_dataset, read_pair
from engine.errors import InputError
from engine.presets import DATASET_PRESETS
from engine.training.stream import CropDataset, CropSettings, FileSource, GlobalBatchSampler

from . import layouts


def test_ade20k_pairs_ids_and_preset_classes(tmp_path):
    src = open_dataset("ade20k", layouts.ade20k(tmp_path, 3))
    assert len(src.samples) == 3 and not src.unmatched
    assert src.class_names == DATASET_PRESETS["ade20k"].class_names and len(src.class_names) == 151
    assert src.palette == DATASET_PRESETS["ade20k"].palette
    assert src.frame == (256, 256) and src.default_augment == "public"
    image, labels = read_pair(src.samples[2], src.coding)
    raw = np.asarray(Image.open(src.samples[2].label))
    assert image.shape == (48, 64, 3) and np.array_equal(labels, raw)  # ids are class indices, 0 = unknown
    assert 150 in labels  # the last class is a class


def test_ade20k_validation_split(tmp_path):
    layouts.ade20k(tmp_path, 2, split="validation")
    assert len(open_dataset("ade20k", tmp_path / "ADEChallengeData2016", "val").samples) == 2


def test_cityscapes_label_ids_across_cities(tmp_path):
    src = open_dataset("cityscapes", layouts.cityscapes(tmp_path, 2))
    assert [s.name for s in src.samples] == ["aachen/aachen_000000_000019", "bremen/bremen_000001_000019"]
    assert len(src.class_names) == 35 and src.frame == (256, 512)
    _, labels = read_pair(src.samples[0], src.coding)
    assert set(np.unique(labels)) == {0, 7, 23, 26}


def test_coco_stuff_shift_by_one_and_255_unknown(tmp_path):
    src = open_dataset("coco-stuff", layouts.coco_stuff(tmp_path, 1))
    assert len(src.class_names) == 183
    raw = np.asarray(Image.open(src.samples[0].label)).astype(np.int64)
    _, labels = read_pair(src.samples[0], src.coding)
    assert np.array_equal(labels[raw == 255], np.zeros((raw == 255).sum()))
    assert np.array_equal(labels[raw != 255], raw[raw != 255] + 1)
    assert src.class_names[labels[raw == 0][0]] == "person"


@pytest.mark.parametrize("colour_labels", [False, True], ids=["indexed", "colour"])
def test_folder_indexed_or_colour_labels(tmp_path, colour_labels):
    src = open_dataset("folder", layouts.folder(tmp_path, 2, colour_labels=colour_labels))
    assert src.class_names == ("unknown", "sky", "water", "grass")
    assert src.palette == tuple(c for _, c in layouts.FOLDER_CLASSES) and src.default_augment == "ours"
    _, labels = read_pair(src.samples[0], src.coding)
    assert set(np.unique(labels)) == {0, 1, 2, 3} and (labels[:, :2] == 0).all()


def test_folder_with_classes_txt(tmp_path):
    root = layouts.folder(tmp_path, 1)
    (root / "classes.json").unlink()
    (root / "classes.txt").write_text("unknown\nsky\nwater\ngrass\n")
    src = open_dataset("folder", root)
    assert src.class_names == ("unknown", "sky", "water", "grass") and len(src.palette) == 4


def test_labelme_export(tmp_path):
    src = open_dataset("folder", layouts.labelme(tmp_path))
    assert src.class_names == ("_background_", "road", "tree") and len(src.samples) == 2
    _, labels = read_pair(src.samples[0], src.coding)
    assert set(np.unique(labels)) == {0, 1, 2}


def test_cvat_export(tmp_path):
    src = open_dataset("folder", layouts.cvat(tmp_path))
    assert src.class_names == ("background", "car", "sky") and src.palette == tuple(layouts.CVAT_COLOURS)
    _, labels = read_pair(src.samples[0], src.coding)
    assert set(np.unique(labels)) == {0, 1, 2}


def test_missing_layout_names_the_folder(tmp_path):
    with pytest.raises(InputError, match="ADE20K images folder not found"):
        open_dataset("ade20k", tmp_path)
    (tmp_path / "images").mkdir()
    with pytest.raises(InputError, match="no label folder"):
        open_dataset("folder", tmp_path)


def _crop_sizes(src, crop):
    ds = CropDataset(FileSource(src), crop, seed=0)
    return [ds[(i, 0, i)] for i in range(len(src.samples))]


def test_public_and_ours_crops_have_the_training_size(tmp_path):
    src = open_dataset("cityscapes", layouts.cityscapes(tmp_path, 2))
    for image, labels in _crop_sizes(src, CropSettings("public", 32, 64, load_scale=1.0)):
        assert image.shape == (3, 32, 64) and image.dtype.is_floating_point is False and labels.shape == (32, 64)
    src = open_dataset("folder", layouts.folder(tmp_path / "f", 2, size=(300, 400)))
    for image, labels in _crop_sizes(src, CropSettings("ours", 32, 32, frame=64, min_zoom=1, max_zoom=3)):
        assert image.shape == (3, 32, 32) and labels.shape == (32, 32) and int(labels.max()) <= 3


def test_multiscale_crops_span_whole_scene_to_close_up(tmp_path):
    """zoom 1: a 64-px crop at frame 64 sees the photo's whole short side; zoom 3 a third of it. The band
    borders of the label crop show the scale: at zoom 1 all three bands are visible in most crops."""
    src = open_dataset("folder", layouts.folder(tmp_path, 1, size=(300, 300)))
    ds = CropDataset(FileSource(src), CropSettings("ours", 64, 64, frame=64, min_zoom=1, max_zoom=1,
                                                   copy_paste_prob=0), seed=0)
    close = CropDataset(FileSource(src), CropSettings("ours", 64, 64, frame=64, min_zoom=3, max_zoom=3,
                                                      copy_paste_prob=0), seed=0)
    whole = [len(np.unique(ds[(0, 0, k)][1].numpy())) for k in range(8)]
    near = [len(np.unique(close[(0, 0, k)][1].numpy())) for k in range(8)]
    assert min(whole) == 4 and np.mean(near) < np.mean(whole)


def test_the_same_key_gives_the_same_sample(tmp_path):
    src = open_dataset("folder", layouts.folder(tmp_path, 3, size=(120, 160)))
    ds = CropDataset(FileSource(src), CropSettings("ours", 32, 32, frame=64, max_zoom=3), seed=5)
    a, b, c = ds[(1, 7, 3)], ds[(1, 7, 3)], ds[(1, 7, 2)]
    assert all(np.array_equal(x.numpy(), y.numpy()) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0].numpy(), c[0].numpy())


@pytest.mark.parametrize("n,batch,world", [(10, 4, 2), (10, 4, 1), (3, 4, 2), (7, 2, 2)])
def test_shards_of_n_processes_make_the_global_batch(n, batch, world):
    one = list(GlobalBatchSampler(n, batch, 0, 1, seed=3, start=0, stop=9))
    shards = [list(GlobalBatchSampler(n, batch, r, world, seed=3, start=0, stop=9)) for r in range(world)]
    for t, keys in enumerate(one):
        merged = sorted(k for r in range(world) for k in shards[r][t])
        assert merged == sorted(keys) and all(it == t for _, it, _ in keys)
        assert sorted(slot for _, _, slot in keys) == list(range(batch))
    resumed = list(GlobalBatchSampler(n, batch, 1 % world, world, seed=3, start=5, stop=9))
    assert resumed == shards[1 % world][5:]


def test_file_source_decodes_each_pair_once_within_its_budget(tmp_path, monkeypatch):
    """Decoding a high-resolution pair costs more than a training step; a second read comes from memory
    with the same arrays (labels back as int64), and nothing beyond the byte budget is kept."""
    import engine.training.stream as stream

    src = open_dataset("folder", layouts.folder(tmp_path, 3, size=(60, 80)))
    decoded = []
    monkeypatch.setattr(stream, "read_pair", lambda s, c: decoded.append(s.name) or read_pair(s, c))
    cached = FileSource(src)
    first = [cached.read(i) for i in range(3)]
    again = [cached.read(i) for i in range(3)]
    assert len(decoded) == 3
    for (a, la), (b, lb) in zip(first, again, strict=True):
        assert np.array_equal(a, b) and np.array_equal(la, lb) and lb.dtype == np.int64
    one_pair = first[0][0].nbytes + first[0][1].size  # image + uint8 labels
    small = FileSource(src, cache_bytes=one_pair)
    decoded.clear()
    for _ in range(2):
        for i in range(3):
            small.read(i)
    assert len(decoded) == 5  # only the first pair stayed
