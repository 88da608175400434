"""Fast full paths: error bounds against the public-code fixture, building blocks, precision switch, CLI."""

import dataclasses
import json

import numpy as np
import pytest
import torch

from engine.api import OasisModel, load_model
from engine.cli import main
from engine.config import GeneratorConfig
from engine.errors import InputError
from engine.fast import inference
from engine.fast.discriminator import FastDiscriminator
from engine.fast.generator import FastGenerator
from engine.fast.modulation import noise_ids, unique_windows
from engine.fast.session import GenerationSession
from engine.fast.synthetic import random_model, scene_labels
from engine.oasis_generator import OasisGenerator
from tests.conftest import VECTORS
from tests.engine.fast.precision_bounds import (
    BF16_VS_AUTOCAST,
    EXACT_MAX_ABS,
    autocast_bf16_reference,
    max_abs_bound,
)

FAST_REL_L2 = 0.01
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


def _rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


@pytest.fixture(scope="module")
def fixture_model(tiny_model_dir):
    return load_model(tiny_model_dir)


def _inputs(noise_name):
    labels = np.load(VECTORS / "label_index.npy").astype(np.int64)
    return labels, np.load(VECTORS / f"{noise_name}.npy")


@pytest.mark.parametrize("noise,expected", [("noise_global", "expected_EMA_global"),
                                            ("noise_spatial", "expected_EMA_spatial")])
def test_fast_generate_matches_public_code(fixture_model, noise, expected, amx_decision):
    labels, z = _inputs(noise)
    want = np.load(VECTORS / f"{expected}.npy").reshape(3, *labels.shape)
    got = inference.generate(fixture_model, labels, z, "auto")
    assert np.abs(got - want).max() <= max_abs_bound(amx_decision)


def test_bf16_path_within_bound(fixture_model):
    labels, z = _inputs("noise_spatial")
    gen = FastGenerator(fixture_model.generator, torch.device("cpu"), torch.bfloat16)
    state = gen.new_state(*labels.shape)
    gen.run(torch.from_numpy(labels), torch.from_numpy(z), state)
    want = np.load(VECTORS / "expected_EMA_spatial.npy")
    assert _rel(state.image[0].numpy(), want) <= FAST_REL_L2


@pytest.mark.parametrize("image,expected", [("image_for_D", "expected_D_on_image"),
                                            ("expected_EMA_global", "expected_D_on_EMA_global")])
def test_fast_segmentation_matches_public_code(fixture_model, image, expected, amx_decision):
    img = np.load(VECTORS / f"{image}.npy").reshape(3, 64, 64)
    want = np.load(VECTORS / f"{expected}.npy").reshape(-1, 64, 64)
    got = inference.segment_logits(fixture_model, img, "auto")
    assert _rel(got, want) <= FAST_REL_L2
    labels, _ = inference.segment(fixture_model, img, "auto")
    assert (labels == fixture_model.labels_from_logits(want)).mean() >= 0.99
    fast_bf16 = FastDiscriminator(fixture_model.discriminator, torch.device("cpu"), torch.bfloat16)
    assert _rel(fast_bf16(torch.from_numpy(img)[None])[0].numpy(), want) <= FAST_REL_L2


@pytest.mark.parametrize("option", [{"param_free_norm": "instance"}, {"noise_3d": False}, {"upsample": "bilinear"}])
def test_generator_options(option, amx_decision):
    base = random_model("ade20k", seed=1, base_width=2, height=64, width=32, semantic_nc=7, with_discriminator=False)
    gcfg = GeneratorConfig(semantic_nc=7, base_width=2, **option)
    torch.manual_seed(0)
    model = OasisModel(dataclasses.replace(base.config, generator=gcfg), OasisGenerator(gcfg).eval(), None,
                       torch.device("cpu"))
    labels = scene_labels(64, 32, 7, seed=1, regions=4)
    z = np.random.default_rng(0).standard_normal(64).astype(np.float32)
    exact = model.generate(labels, z)
    fast = inference.generate(model, labels, z, "auto")
    if amx_decision == torch.float32:
        assert np.abs(fast - exact).max() <= EXACT_MAX_ABS
    else:  # instance norm amplifies bf16 rounding past any fixed bound: compare with plain bf16 arithmetic
        assert _rel(fast, exact) <= BF16_VS_AUTOCAST * _rel(autocast_bf16_reference(model, labels, z), exact)
    session = GenerationSession(model, "fp32")
    session.generate(labels, z)
    labels[3:9, 3:9] = 2
    out = session.generate(labels, z)
    assert np.abs(out - model.generate(labels, z)).max() <= EXACT_MAX_ABS


def test_unique_windows_against_brute_force():
    rng = np.random.default_rng(0)
    m = torch.from_numpy(rng.integers(0, 3, (9, 11)))
    ids, content = unique_windows(m)
    windows = m.unfold(0, 3, 1).unfold(1, 3, 1).reshape(7, 9, 9)
    assert torch.equal(content[ids], windows)  # each id's content is exactly its window
    flat = windows.reshape(-1, 9)
    same_id = ids.reshape(-1)[:, None] == ids.reshape(-1)[None]
    same_window = (flat[:, None] == flat[None]).all(-1)
    assert torch.equal(same_id, same_window)  # equal windows <=> equal ids


def test_noise_ids_exact():
    rng = np.random.default_rng(0)
    palette = torch.from_numpy(rng.standard_normal((5, 8)).astype(np.float32))
    pick = torch.from_numpy(rng.integers(0, 5, (6, 7)))
    noise = palette[pick].permute(2, 0, 1).contiguous()
    ids, vecs = noise_ids(noise, 6, 7)
    assert vecs.shape[0] == len(pick.unique())
    assert torch.equal(vecs[ids].permute(2, 0, 1), noise)
    ids, vecs = noise_ids(noise[:, :1, :1].expand(8, 6, 7), 6, 7)  # constant map == global z
    assert vecs.shape[0] == 1 and int(ids.max()) == 0


def test_precision_names(fixture_model):
    labels, z = _inputs("noise_global")
    with pytest.raises(InputError):
        inference.generate(fixture_model, labels, z, "fp8")
    with pytest.raises(InputError):
        GenerationSession(fixture_model, "half")


def test_bench_cli_reports_errors_and_timings(tiny_model_dir, capsys, amx_decision):
    assert main(["bench-generate", "--model", str(tiny_model_dir), "--repeat", "1", "--json", "--threads", "1"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"generate_exact_fp32", "generate_fast_full", "incremental_label_edit_auto",
            "incremental_noise_edit_auto", "segment_exact_fp32", "segment_fast"} <= set(out["ms_wall"])
    assert out["compute_dtype"] == str(amx_decision).removeprefix("torch.")
    assert out["errors"]["fast_full_max_abs"] <= max_abs_bound(amx_decision)
    assert out["errors"]["incremental_auto_max_abs_vs_exact"] <= max_abs_bound(amx_decision)
    assert out["errors"]["incremental_fp32_max_abs_vs_exact"] <= EXACT_MAX_ABS
    assert out["errors"]["segment_fast_rel_l2"] <= FAST_REL_L2
    assert out["incremental_stats"]["label_fp32"]["mode"] == "incremental"
    assert main(["bench-generate", "--repeat", "1"]) == 2  # neither a model nor --random-weights


@needs_cuda
def test_cuda_fast_paths(fixture_model, tiny_model_dir):
    model = load_model(tiny_model_dir, device="cuda")
    labels, z = _inputs("noise_spatial")
    want = np.load(VECTORS / "expected_EMA_spatial.npy")
    assert _rel(inference.generate(model, labels, z, "auto"), want) <= FAST_REL_L2
    session = GenerationSession(model, "auto")
    session.generate(labels, z)
    labels = labels.copy()
    labels[10:20, 5:30] = 3
    out = session.generate(labels, z)
    assert session.last_stats["mode"] == "incremental"
    assert _rel(out, fixture_model.generate(labels, z)) <= FAST_REL_L2
    img = np.load(VECTORS / "image_for_D.npy").reshape(3, 64, 64)
    want_logits = np.load(VECTORS / "expected_D_on_image.npy").reshape(-1, 64, 64)
    assert _rel(inference.segment_logits(model, img, "auto"), want_logits) <= FAST_REL_L2
