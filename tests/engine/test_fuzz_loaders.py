"""Fuzzing the file loaders: a damaged file may load or be refused with an InputError, nothing else.

Each case starts from a valid file, then truncates it or overwrites random bytes (hypothesis picks
where), and checks the loader never raises anything but InputError (so the CLI exits 2 with one line
and the editor shows a dialog instead of a traceback). What loads has the loader's shape and type, and a
file the damage left unchanged loads to exactly what was written.
"""

import io
import json
import os
import shutil

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.checkpoint_io import read_pth_state_dict
from engine.config import ModelConfig
from engine.errors import InputError
from engine.imagefiles import read_label_map, read_npy, read_picture, write_label_map
from engine.labelformats import LabelFile, read_cvat_mask, write_cvat_mask
from engine.model_folder import load_model_folder
from engine.ora import OraLayer, read_ora, write_ora
from engine.presets import default_palette

# FUZZ_EXAMPLES=2000 for a long fuzz run; CI uses the small default.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 40)), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def damage(data: bytes, cut: float, flips: list) -> bytes:
    buf = bytearray(data[: max(1, int(len(data) * cut))])
    for pos, val in flips:
        buf[int(pos * (len(buf) - 1))] = val
    return bytes(buf)


damages = st.tuples(st.floats(0.0, 1.0), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=6))


def _seed_files(tmp):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, (32, 32))
    write_label_map(tmp / "labels.png", labels, default_palette(5))
    from PIL import Image

    Image.fromarray(rng.integers(0, 255, (20, 30, 3), dtype=np.uint8)).save(tmp / "photo.jpg")
    np.save(tmp / "noise.npy", rng.standard_normal((4, 8, 8)).astype(np.float32))
    write_cvat_mask(tmp / "mask.png", LabelFile(labels, list("abcde")), default_palette(5), tmp / "labelmap.txt")
    write_ora(tmp / "x.ora", [OraLayer("a", rng.integers(0, 255, (8, 8, 4), dtype=np.uint8))])
    return {
        "labels.png": read_label_map, "photo.jpg": read_picture, "noise.npy": read_npy,
        "mask.png": read_cvat_mask, "x.ora": read_ora,
    }


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("seeds")
    return tmp, _seed_files(tmp)


@pytest.mark.parametrize("name", ["labels.png", "photo.jpg", "noise.npy", "mask.png", "x.ora"])
@FUZZ
@given(d=damages)
def test_picture_and_array_loaders(seeds, tmp_path, name, d):
    src, loaders = seeds
    target = tmp_path / name
    target.write_bytes(damage((src / name).read_bytes(), *d))
    if name == "mask.png":
        shutil.copy(src / "labelmap.txt", tmp_path / "labelmap.txt")
    try:
        value = loaders[name](target)
    except InputError as e:
        assert str(target) in str(e) or name in str(e)
        return
    _check_loaded(name, value)
    if target.read_bytes() == (src / name).read_bytes():
        _assert_same(value, loaders[name](src / name))


def _check_loaded(name, value):
    """What a loader that did not refuse returns, whatever the bytes were."""
    if name == "labels.png":
        assert value.ndim == 2 and value.dtype.kind in "iu" and value.min() >= 0
    elif name == "photo.jpg":
        assert value.ndim == 3 and value.shape[2] == 3 and value.dtype == np.uint8
    elif name == "noise.npy":
        assert isinstance(value, np.ndarray)
    elif name == "mask.png":
        assert isinstance(value, LabelFile) and value.labels.ndim == 2
        assert value.labels.min() >= 0 and value.labels.max() < len(value.class_names)
    else:
        assert all(isinstance(layer, OraLayer) and layer.rgba.ndim == 3 and layer.rgba.shape[2] == 4
                   and layer.rgba.dtype == np.uint8 for layer in value)


def _assert_same(a, b):
    if isinstance(a, LabelFile):
        np.testing.assert_array_equal(a.labels, b.labels)
        assert list(a.class_names) == list(b.class_names)
    elif isinstance(a, list):
        assert [x.name for x in a] == [x.name for x in b]
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x.rgba, y.rgba)
    else:
        np.testing.assert_array_equal(a, b)


def test_undamaged_files_load_to_what_was_written(tmp_path):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, (32, 32))
    photo = rng.integers(0, 255, (20, 30, 3), dtype=np.uint8)
    noise = rng.standard_normal((4, 8, 8)).astype(np.float32)
    rgba = rng.integers(0, 255, (8, 8, 4), dtype=np.uint8)
    loaders = _seed_files(tmp_path)
    np.testing.assert_array_equal(loaders["labels.png"](tmp_path / "labels.png"), labels)
    loaded = loaders["photo.jpg"](tmp_path / "photo.jpg")
    assert loaded.shape == photo.shape and loaded.dtype == np.uint8  # JPEG: lossy, only close
    assert np.abs(loaded.astype(int) - photo).mean() < 60
    np.testing.assert_array_equal(loaders["noise.npy"](tmp_path / "noise.npy"), noise)
    mask = loaders["mask.png"](tmp_path / "mask.png")
    np.testing.assert_array_equal(mask.labels, labels)
    assert list(mask.class_names) == list("abcde")
    (layer,) = loaders["x.ora"](tmp_path / "x.ora")
    assert layer.name == "a"
    np.testing.assert_array_equal(layer.rgba, rgba)


@FUZZ
@given(d=damages)
def test_pth_loader(tmp_path, d):
    buf = io.BytesIO()
    torch.save({"a.weight": torch.randn(3, 4), "b.bias": torch.zeros(2)}, buf)
    p = tmp_path / "x.pth"
    p.write_bytes(damage(buf.getvalue(), *d))
    try:
        state = read_pth_state_dict(p)
        assert all(isinstance(v, torch.Tensor) for v in state.values())
    except InputError:
        pass


@FUZZ
@given(d=damages)
def test_model_folder_loader(tiny_model_dir, tmp_path, d):
    folder = tmp_path / "m"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(tiny_model_dir, folder)
    for name in ("config.json", "generator.safetensors"):
        p = folder / name
        p.write_bytes(damage(p.read_bytes(), *d))
        try:
            cfg, gen, _ = load_model_folder(folder)
        except InputError:
            pass
        else:  # what loads is a whole model: its generator has the configured shape
            assert sum(t.numel() for t in gen.state_dict().values()) > 0
            assert cfg.num_classes == len(cfg.class_names) == len(cfg.palette)
        shutil.copy(tiny_model_dir / name, p)
    cfg, gen, disc = load_model_folder(folder)  # restored: loads again, with both networks
    assert disc is not None and cfg == load_model_folder(tiny_model_dir)[0]


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers(-5, 300) | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
                    max_leaves=10))
def test_config_from_arbitrary_json(value):
    for candidate in (value, {"architecture": "oasis", "format_version": 1, "generator": value}):
        try:
            ModelConfig.from_json(json.dumps(candidate))
        except InputError:
            pass
