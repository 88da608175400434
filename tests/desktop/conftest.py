import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest

from editor.document import ModelReference

NAMES = ("unknown", "Sky", "water", "tree", "rock", "building")
PALETTE = ((0, 0, 0), (70, 130, 230), (20, 50, 160), (20, 100, 30), (130, 90, 70), (200, 60, 60))


@pytest.fixture
def model():
    return ModelReference(folder="/nowhere", class_names=NAMES, palette=PALETTE, unknown_index=0, z_dim=8,
                          height=24, width=32)


@pytest.fixture
def rng():
    return np.random.default_rng(7)
