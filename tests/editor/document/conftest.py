import numpy as np
import pytest

from editor.document import LabelDocument, ModelReference


@pytest.fixture
def model_ref():
    palette = tuple((i * 20 % 256, i * 50 % 256, i * 90 % 256) for i in range(12))
    return ModelReference(folder="/nowhere", class_names=("unknown",) + tuple(f"c{i}" for i in range(1, 12)),
                          palette=palette, unknown_index=0, z_dim=8, height=64, width=96)


@pytest.fixture
def doc(model_ref):
    d = LabelDocument.new(model_ref, seed=3, fill_class=1)
    d.labels[:, 48:] = 2
    return d


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
