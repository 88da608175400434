"""The measurement behind tests/engine/fast/precision_bounds.py: bf16 fast path vs exact fp32.

    python -m tests.tools.bf16_error_survey      # from the repository root; ~30 s on 1 thread

Runs on any CPU (bf16 arithmetic is emulated without AMX, only slower; emulation may round
differently, so rerun it on the CPU whose numbers you quote).
"""

import dataclasses
import tempfile
from pathlib import Path

import numpy as np
import torch

from engine.api import OasisModel, load_model
from engine.config import GeneratorConfig
from engine.fast import inference
from engine.fast.bench import cpu_model
from engine.fast.session import GenerationSession
from engine.fast.synthetic import random_model, scene_labels
from engine.importer import import_oasis_run
from engine.oasis_generator import OasisGenerator
from tests.conftest import FIXTURE_RUN
from tests.engine.fast.precision_bounds import autocast_bf16_reference, rel_l2
from tests.engine.fast.test_incremental import _random_edit


def _measure(rows, name, model, labels, z):
    exact = model.generate(labels, z)
    fast = inference.generate(model, labels, z, "bf16")
    plain = autocast_bf16_reference(model, labels, z)
    row = (name, float(np.abs(fast - exact).max()), rel_l2(fast, exact),
           float(np.abs(plain - exact).max()), rel_l2(plain, exact))
    rows.append(row)
    print(f"{name:46s} fast bf16: max abs {row[1]:.4f} rel L2 {row[2]:.4f} | "
          f"autocast bf16: max abs {row[3]:.4f} rel L2 {row[4]:.4f}", flush=True)


def _measure_edits(rows, name, model, seed):
    rng = np.random.default_rng(seed)
    labels = scene_labels(96, 64, 9, seed=2, regions=6)
    noise = rng.standard_normal(64).astype(np.float32)
    session = GenerationSession(model, "bf16")
    session.generate(labels, noise)
    vs_exact, vs_full = [], []
    for _ in range(12):
        labels, noise = _random_edit(rng, labels, noise, 9)
        image = session.generate(labels, noise)
        vs_exact.append(float(np.abs(image - model.generate(labels, noise)).max()))
        vs_full.append(float(np.abs(image - GenerationSession(model, "bf16").generate(labels, noise)).max()))
    rows.append((name, max(vs_exact), np.nan, np.nan, np.nan))
    print(f"{name:46s} incremental bf16: max abs {max(vs_exact):.4f} vs exact, {max(vs_full):.1e} vs its own "
          "full pass", flush=True)


def main():
    torch.set_num_threads(1)
    print(cpu_model(), "| torch", torch.__version__)
    rows: dict[str, list[tuple]] = {"batch": [], "instance": [], "bundled": []}
    for option in ({}, {"param_free_norm": "instance"}, {"noise_3d": False}, {"upsample": "bilinear"}):
        kind = "instance" if option.get("param_free_norm") == "instance" else "batch"
        for seed in range(3):
            for width in (2, 8):
                gcfg = GeneratorConfig(semantic_nc=7, base_width=width, **option)
                base = random_model("ade20k", seed=1, base_width=width, height=64, width=32, semantic_nc=7,
                                    with_discriminator=False)
                torch.manual_seed(seed)
                model = OasisModel(dataclasses.replace(base.config, generator=gcfg), OasisGenerator(gcfg).eval(),
                                   None, torch.device("cpu"))
                z = np.random.default_rng(seed).standard_normal(64).astype(np.float32)
                _measure(rows[kind], f"{option or 'default'} seed {seed} width {width}", model,
                         scene_labels(64, 32, 7, seed=seed, regions=4), z)
    for seed in (3, 4, 5):
        model = random_model("ade20k", seed=seed, base_width=2, height=96, width=64, semantic_nc=9,
                             with_discriminator=False)
        z = np.random.default_rng(seed).standard_normal(64).astype(np.float32)
        _measure(rows["batch"], f"random_model 96x64 seed {seed}", model, scene_labels(96, 64, 9, seed=2, regions=6), z)
    for seed, upsample in ((3, "nearest"), (4, "bilinear")):  # the models of tests/engine/fast/test_incremental.py
        torch.manual_seed(0)
        model = random_model("ade20k", seed=seed, base_width=2, height=96, width=64, semantic_nc=9,
                             with_discriminator=False, upsample=upsample)
        for edits_seed in (1, 2):
            _measure_edits(rows["batch"], f"12 random edits, {upsample} model {seed}, edits {edits_seed}", model,
                           edits_seed)
    with tempfile.TemporaryDirectory() as tmp:
        import_oasis_run(FIXTURE_RUN, Path(tmp) / "tiny", height=64, width=64)
        tiny = load_model(Path(tmp) / "tiny")
        for seed in range(4):
            z = np.random.default_rng(seed).standard_normal(tiny.config.z_dim).astype(np.float32)
            _measure(rows["batch"], f"public-code fixture, layout seed {seed}", tiny,
                     scene_labels(64, 64, tiny.config.num_classes, seed), z)
    bundled = load_model(Path(__file__).resolve().parents[2] / "resources" / "default_model")
    c = bundled.config
    for seed in range(2):
        z = np.random.default_rng(seed).standard_normal(c.z_dim).astype(np.float32)
        _measure(rows["bundled"], f"bundled model {c.height}x{c.width}, layout seed {seed}", bundled,
                 scene_labels(c.height, c.width, c.num_classes, seed), z)
    for kind, rs in rows.items():
        full = [r for r in rs if not np.isnan(r[2])]
        print(f"{kind}, {len(rs)} cases: fast bf16 worst max abs {max(r[1] for r in rs):.4f}, "
              f"worst rel L2 {max(r[2] for r in full):.4f}; fast/autocast rel L2 ratio worst "
              f"{max(r[2] / r[4] for r in full):.2f}")


if __name__ == "__main__":
    main()
