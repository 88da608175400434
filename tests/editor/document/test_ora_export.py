"""The layered OpenRaster export read back with engine.ora.read_ora."""

import numpy as np
import pytest

from editor.document import LabelDocument
from editor.document.export import colourise
from editor.document.ora_export import export_ora, noise_colours
from engine.ora import read_ora


@pytest.fixture
def rng():
    """Seed 7 (tests/editor/conftest.py), which these draws were written with, not the document folder's 1234."""
    return np.random.default_rng(7)


def test_ora_layers_round_trip(tmp_path, model, rng):
    doc = LabelDocument.new(model, seed=5)
    doc.labels[:, 10:] = 3
    doc.noise[:, 2:6, 3:9] = rng.standard_normal((8, 4, 6)).astype(np.float32)  # an edited region
    doc.locked[10:20, 20:30] = True
    doc.image = rng.integers(0, 256, size=(24, 32, 3), dtype=np.uint8)
    export_ora(tmp_path / "doc.ora", doc)
    layers = {layer.name: layer for layer in read_ora(tmp_path / "doc.ora")}
    assert list(layers) == ["Locked noise", "Noise edited", "Label map", "Generated image"]
    assert np.array_equal(layers["Generated image"].rgba[..., :3], doc.image)
    assert np.array_equal(layers["Label map"].rgba[..., :3], colourise(doc.labels, model.palette))
    edited = np.zeros((24, 32), bool)
    edited[2:6, 3:9] = True
    assert np.array_equal(layers["Noise edited"].rgba[..., 3] > 0, edited)
    assert np.array_equal(layers["Locked noise"].rgba[..., 3] > 0, doc.locked)
    assert not layers["Locked noise"].visible and layers["Label map"].visible


def test_ora_without_image_has_opaque_label_layer(tmp_path, model):
    doc = LabelDocument.new(model, seed=1)
    export_ora(tmp_path / "d.ora", doc)
    layers = read_ora(tmp_path / "d.ora")
    assert [layer.name for layer in layers][-1] == "Label map" and layers[-1].opacity == 1.0
    assert not layers[1].rgba[..., 3].any()  # fresh document: no pixel's noise differs from the seed's


def test_noise_colours_equal_vectors_equal_colours(rng):
    noise = np.repeat(rng.standard_normal((8, 1, 1)).astype(np.float32), 4, axis=1).repeat(3, axis=2)
    noise[:, 0, 0] = rng.standard_normal(8)
    colours = noise_colours(noise)
    assert (colours[1:] == colours[1, 1]).all() and not (colours[0, 0] == colours[1, 1]).all()


def test_ora_container_is_what_krita_and_gimp_expect(tmp_path, model):
    """OpenRaster readers check: first entry 'mimetype', stored (uncompressed), then stack.xml naming every
    layer PNG, plus mergedimage.png and a thumbnail of at most 256 px."""
    import io
    import zipfile
    from xml.etree import ElementTree as ET

    from PIL import Image

    doc = LabelDocument.new(model, seed=2)
    export_ora(tmp_path / "c.ora", doc)
    with zipfile.ZipFile(tmp_path / "c.ora") as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"image/openraster"
        root = ET.fromstring(z.read("stack.xml"))
        assert (root.get("w"), root.get("h")) == ("32", "24")
        for el in root.iter("layer"):
            assert Image.open(io.BytesIO(z.read(el.get("src")))).size == (32, 24)
        assert Image.open(io.BytesIO(z.read("mergedimage.png"))).size == (32, 24)
        assert max(Image.open(io.BytesIO(z.read("Thumbnails/thumbnail.png"))).size) <= 256
