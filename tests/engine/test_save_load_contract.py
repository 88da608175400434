"""Save -> load -> same output, for every architecture preset and every discriminator kind: a model folder
written by save_model_folder and read by load_model generates and segments exactly what the networks
that were saved do (random weights, 3 classes, 64 x 64)."""

import dataclasses

import numpy as np
import pytest
import torch

from engine.api import OasisModel, global_noise, load_model
from engine.config import ModelConfig
from engine.discriminators import build_discriminator
from engine.model_folder import save_model_folder
from engine.oasis_generator import OasisGenerator
from engine.training.presets import ARCH_PRESETS

D_KINDS = ("unet", "efficientnet-lite0")
NAMES, PALETTE = ("unknown", "sky", "grass"), ((0, 0, 0), (0, 0, 255), (0, 255, 0))


# `public` (74M-parameter generator) took 30-38 s a case on the loaded 2-core Xeon, the others 1-11 s
PRESETS = [pytest.param(name, marks=pytest.mark.slow) if name == "public" else name for name in sorted(ARCH_PRESETS)]


@pytest.mark.parametrize("kind", D_KINDS)
@pytest.mark.parametrize("preset", PRESETS)
def test_saved_model_folder_gives_the_same_images_and_segmentation(tmp_path, preset, kind):
    arch = dataclasses.replace(ARCH_PRESETS[preset], d_kind=kind)
    torch.manual_seed(0)
    gen = OasisGenerator(arch.generator(len(NAMES))).eval()
    disc = build_discriminator(arch.discriminator(len(NAMES))).eval()
    cfg = ModelConfig(generator=arch.generator(len(NAMES)), discriminator=arch.discriminator(len(NAMES)),
                      height=64, width=64, class_names=NAMES, palette=PALETTE)
    save_model_folder(tmp_path / "model", cfg, gen.state_dict(), disc.state_dict())
    before = OasisModel(cfg, gen, disc, torch.device("cpu"))
    after = load_model(tmp_path / "model")

    assert after.config == cfg
    labels = np.zeros((64, 64), np.int64)
    labels[:32], labels[40:, 10:50] = 1, 2
    noise = global_noise(cfg.z_dim, seed=3)
    image = before.generate(labels, noise)
    assert image.shape == (3, 64, 64) and image.std() > 0  # a real image, not a constant
    np.testing.assert_array_equal(after.generate(labels, noise), image)
    np.testing.assert_array_equal(after.segment_logits(image), before.segment_logits(image))
