"""GenerationSession: random edits of the label map and the noise map give the image of a full regenerate."""

import numpy as np
import pytest
import torch

from engine.api import load_model
from engine.fast.session import GenerationSession
from engine.fast.synthetic import (
    paint,
    random_model,
    resample_noise,
    scene_labels,
    stroke_mask,
)
from tests.conftest import VECTORS
from tests.engine.fast.precision_bounds import EXACT_MAX_ABS as EXACT_TOL
from tests.engine.fast.precision_bounds import max_abs_bound


@pytest.fixture(scope="module")
def small_model():
    torch.manual_seed(0)
    return random_model("ade20k", seed=3, base_width=2, height=96, width=64, semantic_nc=9, with_discriminator=False)


@pytest.fixture(scope="module")
def bilinear_model():
    """Our upsampling variant: its incremental pass reads a ring of kept block outputs around an edit."""
    return random_model("ade20k", seed=4, base_width=2, height=96, width=64, semantic_nc=9, with_discriminator=False,
                        upsample="bilinear")


def _random_edit(rng, labels, noise, num_classes):
    h, w = labels.shape
    if rng.random() < 0.5:  # a rectangle anywhere, often touching a border
        y0, x0 = rng.integers(0, h), rng.integers(0, w)
        mask = np.zeros((h, w), bool)
        mask[y0:y0 + rng.integers(1, 20), x0:x0 + rng.integers(1, 20)] = True
    else:
        mask = stroke_mask(h, w, rng.uniform(0.005, 0.05), int(rng.integers(1 << 30)), radius=int(rng.integers(1, 5)))
    if rng.random() < 0.5:
        return paint(labels, mask, int(rng.integers(0, num_classes))), noise
    return labels, resample_noise(noise, mask, int(rng.integers(1 << 30)))


@pytest.mark.parametrize("precision,model,amx_decision", [
    ("fp32", "small_model", False), ("auto", "small_model", False), ("auto", "small_model", True),
    ("fp32", "bilinear_model", False)], indirect=["amx_decision"])
def test_random_edits_match_full_regenerate(request, precision, model, amx_decision):
    m = request.getfixturevalue(model)
    bound = max_abs_bound(amx_decision if precision == "auto" else torch.float32)
    h, w = m.config.height, m.config.width
    rng = np.random.default_rng(1)
    labels = scene_labels(h, w, m.config.num_classes, seed=2, regions=6)
    noise = rng.standard_normal(m.config.z_dim).astype(np.float32)
    session = GenerationSession(m, precision)
    session.generate(labels, noise)
    assert session.last_stats["mode"] == "full"
    modes = []
    for _ in range(12):
        labels, noise = _random_edit(rng, labels, noise, m.config.num_classes)
        image = session.generate(labels, noise)
        modes.append(session.last_stats["mode"])
        exact = m.generate(labels, noise)
        fresh = GenerationSession(m, precision).generate(labels, noise)
        assert np.abs(image - fresh).max() <= EXACT_TOL  # incremental == full pass of the same path
        assert np.abs(image - exact).max() <= bound  # and == the reference within the precision's bound
    assert modes.count("incremental") >= 10


def test_edit_far_from_coarse_grid_recomputes_little(small_model):
    m = small_model
    labels = np.full((m.config.height, m.config.width), 3, np.int64)
    noise = np.zeros(m.config.z_dim, np.float32)
    session = GenerationSession(m, "fp32")
    session.generate(labels, noise)
    edited = labels.copy()
    edited[73, 41] = 5  # odd coordinates: a pixel no coarser resolution samples
    image = session.generate(edited, noise)
    stats = session.last_stats
    assert stats["mode"] == "incremental" and stats["computed_fraction"] < 0.05
    assert np.abs(image - m.generate(edited, noise)).max() <= EXACT_TOL


def test_no_change_new_global_z_and_new_size(small_model):
    m = small_model
    h, w = m.config.height, m.config.width
    labels = scene_labels(h, w, m.config.num_classes, seed=4, regions=5)
    z1 = np.ones(m.config.z_dim, np.float32)
    session = GenerationSession(m, "fp32")
    first = session.generate(labels, z1)
    again = session.generate(labels, z1)
    assert session.last_stats["computed_fraction"] == 0 and np.array_equal(first, again)
    z2 = -z1
    out = session.generate(labels, z2)
    assert session.last_stats["mode"] == "full"
    assert np.abs(out - m.generate(labels, z2)).max() <= EXACT_TOL
    small = labels[:64, :32]
    out = session.generate(small, z2)
    assert session.last_stats["mode"] == "full" and out.shape == (3, 64, 32)
    assert np.abs(out - m.generate(small, z2)).max() <= EXACT_TOL
    session.reset()
    session.generate(small, z2)
    assert session.last_stats["mode"] == "full"


def test_caller_editing_arrays_in_place_is_seen(small_model):
    m = small_model
    labels = scene_labels(m.config.height, m.config.width, m.config.num_classes, seed=5, regions=4)
    noise = np.zeros(m.config.z_dim, np.float32)
    session = GenerationSession(m, "fp32")
    session.generate(labels, noise)
    labels[10:20, 10:20] = 1  # the editor mutates its label array between calls
    out = session.generate(labels, noise)
    assert np.abs(out - m.generate(labels, noise)).max() <= EXACT_TOL


def test_fixture_model_edits(tiny_model_dir):
    m = load_model(tiny_model_dir)
    labels = np.load(VECTORS / "label_index.npy").reshape(m.config.height, m.config.width).astype(np.int64)
    noise = np.load(VECTORS / "noise_spatial.npy").reshape(m.config.z_dim, m.config.height, m.config.width)
    session = GenerationSession(m, "fp32")
    assert np.abs(session.generate(labels, noise) - np.load(VECTORS / "expected_EMA_spatial.npy")).max() <= 1e-5
    rng = np.random.default_rng(7)
    for _ in range(6):
        labels, noise = _random_edit(rng, labels, noise, m.config.num_classes)
        image = session.generate(labels, noise)
        assert session.last_stats["mode"] == "incremental"
        assert np.abs(image - m.generate(labels, noise)).max() <= EXACT_TOL
