"""Fuzzing the file loaders: a damaged file may load or be refused with an InputError, nothing else.

Each case starts from a valid file, then truncates it or overwrites random bytes (hypothesis picks
where), and checks the loader never raises anything but InputError (so the CLI exits 2 with one line
and the editor shows a dialog instead of a traceback).
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
        loaders[name](target)
    except InputError as e:
        assert str(target) in str(e) or name in str(e)


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
            load_model_folder(folder)
        except InputError:
            pass
        shutil.copy(tiny_model_dir / name, p)


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
