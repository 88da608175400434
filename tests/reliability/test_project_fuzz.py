"""Damaged or hand-edited project files load or are refused with InputError, never anything else; what
loads is a consistent document (and the unchanged file is the saved document); and the editor's Open
project shows one dialog and leaves the open document untouched."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editor.document.label_document import LabelDocument, ModelReference
from editor.document.project_file import load_project, project_bytes
from engine.errors import InputError

REF = ModelReference(folder="/nowhere", class_names=("unknown", "a", "b"), palette=((0, 0, 0), (1, 2, 3), (4, 5, 6)),
                     unknown_index=0, z_dim=3, height=32, width=32)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _good() -> tuple[LabelDocument, bytes]:
    doc = LabelDocument.new(REF, seed=5)
    doc.labels[3:9, 4:20] = 2
    doc.image = np.zeros((32, 32, 3), np.uint8)
    return doc, project_bytes(doc)


GOOD_DOC, GOOD = _good()


def _members(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _zip(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, b in members.items():
            z.writestr(n, b, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _load(tmp_path, data: bytes):
    p = tmp_path / "p.oasisproj"
    p.write_bytes(data)
    try:
        doc = load_project(p)
    except InputError as e:
        assert str(p) in str(e) and "\n" not in str(e)
        return None
    _assert_consistent(doc)
    if data == GOOD:
        _assert_same_document(doc, GOOD_DOC)
    return doc


def _assert_consistent(doc):
    """A document the editor can edit and generate from: every array matches the model's size."""
    h, w = doc.labels.shape
    assert doc.labels.dtype == np.uint8 and doc.labels.max() < doc.model.num_classes
    assert doc.noise.shape == (doc.model.z_dim, h, w) and doc.noise.dtype == np.float32
    assert np.isfinite(doc.noise).all()
    assert doc.locked.shape == (h, w) and doc.locked.dtype == bool
    assert doc.image is None or (doc.image.shape == (h, w, 3) and doc.image.dtype == np.uint8)
    assert isinstance(doc.seed, int)


def _assert_same_document(a, b):
    for k in ("labels", "noise", "locked", "image"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k), err_msg=k)
    assert a.seed == b.seed and a.model.class_names == b.model.class_names


def test_the_saved_project_loads_as_it_was_saved(tmp_path):
    _assert_same_document(_load(tmp_path, GOOD), GOOD_DOC)


@FUZZ
@given(cut=st.floats(0, 1), flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8))
def test_damaged_bytes(tmp_path, cut, flips):
    buf = bytearray(GOOD[: max(1, int(len(GOOD) * cut))])
    for pos, val in flips:
        buf[int(pos * (len(buf) - 1))] = val
    _load(tmp_path, bytes(buf))


JSONISH = st.recursive(st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=True)
                       | st.text(max_size=5),
                       lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
                       max_leaves=6)


@FUZZ
@given(drop=st.sets(st.sampled_from(["format", "version", "seed", "height", "width", "model", "has_image"])),
       changes=st.dictionaries(st.sampled_from(["seed", "height", "width", "version", "has_image"]), JSONISH,
                               max_size=3),
       model_drop=st.sets(st.sampled_from(["folder", "class_names", "palette", "unknown_index", "z_dim"])))
def test_edited_manifest(tmp_path, drop, changes, model_drop):
    m = _members(GOOD)
    manifest = json.loads(m["manifest.json"])
    for k in drop:
        manifest.pop(k, None)
    manifest.update(changes)
    if isinstance(manifest.get("model"), dict):
        for k in model_drop:
            manifest["model"].pop(k, None)
    m["manifest.json"] = json.dumps(manifest).encode()
    doc = _load(tmp_path, _zip(m))
    if (drop - changes.keys()) & {"format", "model", "seed"} or (model_drop and "model" not in changes):
        assert doc is None  # a required entry is missing: refused, never guessed
    if isinstance(manifest.get("seed"), bool) or isinstance(manifest.get("version"), bool):
        assert doc is None  # JSON true/false is not a number here


@FUZZ
@given(member=st.sampled_from(["noise.npy", "locked.npy", "labels.png", "image.png"]),
       kind=st.sampled_from(["nan", "shape", "dtype", "garbage", "missing", "object"]))
def test_replaced_members(tmp_path, member, kind):
    m = _members(GOOD)
    buf = io.BytesIO()
    if kind == "nan":
        np.save(buf, np.full((3, 32, 32), np.nan, np.float32))
    elif kind == "shape":
        np.save(buf, np.zeros((5, 7), np.float32))
    elif kind == "dtype":
        np.save(buf, np.zeros((3, 32, 32), np.complex64))
    elif kind == "object":
        np.save(buf, np.array([None, {}], dtype=object), allow_pickle=True)
    elif kind == "garbage":
        buf.write(b"\x93NUMPY\x01\x00garbage{{{'")
    if kind == "missing":
        del m[member]
    else:
        m[member] = buf.getvalue()
    doc = _load(tmp_path, _zip(m))
    if member == "noise.npy" or kind in ("garbage", "object", "shape") or (kind == "missing" and member != "image.png"):
        assert doc is None, (member, kind)


def test_noise_with_nan_is_refused(tmp_path):
    m = _members(GOOD)
    buf = io.BytesIO()
    noise = np.zeros((3, 32, 32), np.float32)
    noise[1, 2, 3] = np.inf
    np.save(buf, noise)
    m["noise.npy"] = buf.getvalue()
    p = tmp_path / "inf.oasisproj"
    p.write_bytes(_zip(m))
    with pytest.raises(InputError, match="NaN or infinite"):
        load_project(p)


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04broken", GOOD[: len(GOOD) // 2]],
                         ids=["empty", "bad-zip", "truncated"])
def test_gui_open_project_shows_one_dialog_and_keeps_the_document(window, qtbot, tmp_path, monkeypatch, content):
    from PySide6.QtWidgets import QFileDialog

    from editor import dialogs

    bad = tmp_path / "bäd project.oasisproj"
    bad.write_bytes(content)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    doc = window.session.doc
    before = (doc.labels.copy(), doc.noise.copy(), doc.seed)
    shown = len(dialogs.ERRORS_SHOWN)
    window.files.open_project()
    assert len(dialogs.ERRORS_SHOWN) == shown + 1
    msg = dialogs.ERRORS_SHOWN[-1]
    assert str(bad) in msg and "\n" not in msg
    assert window.session.doc is doc
    np.testing.assert_array_equal(doc.labels, before[0])
    np.testing.assert_array_equal(doc.noise, before[1])
    assert doc.seed == before[2]
