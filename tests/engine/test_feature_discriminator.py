"""The discriminator on frozen EfficientNet-lite0 features as a kind of our model format."""

import json

import numpy as np
import pytest
import torch

from engine.api import load_model
from engine.cli import main
from engine.config import DiscriminatorConfig, ModelConfig
from engine.discriminators import build_discriminator, trainable_parameters
from engine.errors import InputError
from engine.fast import inference
from engine.layers import folded_state_dict
from engine.model_folder import save_model_folder
from engine.oasis_generator import OasisGenerator
from engine.training.presets import ARCH_PRESETS

N = 5


def _cfg():
    return DiscriminatorConfig(semantic_nc=N, widths=(), kind="efficientnet-lite0", last_width=4,
                               decoder_widths=(4, 4, 8, 8))


def _trained_like(seed=0):
    torch.manual_seed(seed)
    d = build_discriminator(_cfg(), trainable=True, pretrained=True)
    d.fit_conditioning(torch.rand(4, 3, 64, 64) * 2 - 1, seed=seed)
    return d


def test_logits_have_n_plus_1_channels_at_the_label_resolution():
    d = _trained_like()
    assert d(torch.zeros(2, 3, 64, 96)).shape == (2, N + 1, 64, 96)


def test_the_backbone_gets_no_gradient_but_the_image_does():
    d = _trained_like().train()
    image = torch.rand(2, 3, 64, 64, requires_grad=True)
    d(image).square().mean().backward()
    assert image.grad is not None and image.grad.abs().sum() > 0
    frozen = [p for n, p in d.named_parameters() if n.startswith(("backbone.", "condition."))]
    assert frozen and all(p.grad is None and not p.requires_grad for p in frozen)
    trainable = trainable_parameters(d)
    assert trainable and all(p.grad is not None for p in trainable)
    assert not d.backbone.training  # train() keeps the backbone in eval mode


def test_conditioning_standardises_the_features():
    d = _trained_like()
    images = torch.rand(4, 3, 64, 64) * 2 - 1
    d.fit_conditioning(images, seed=1)
    from engine.pretrained.efficientnet_lite import normalize_imagenet

    with torch.no_grad():
        mixed = [c(f) for c, f in zip(d.condition, d.backbone.features(normalize_imagenet(images)), strict=True)]
    for m in mixed:  # standardised channels mixed by unit-norm rows: zero mean, unit-order spread
        assert m.mean(dim=(0, 2, 3)).abs().max() < 1e-3
        assert 0.2 < m.std(dim=(0, 2, 3)).mean() < 3


def _save(tmp_path, disc):
    g = ARCH_PRESETS["tiny"].generator(N)
    gen = OasisGenerator(g, trainable=True)
    cfg = ModelConfig(generator=g, discriminator=disc.cfg, height=64, width=64, class_names=tuple("abcde"),
                      palette=tuple((i, i, i) for i in range(N)))
    return save_model_folder(tmp_path / "model", cfg, folded_state_dict(gen), folded_state_dict(disc))


def test_save_and_load_give_the_same_logits(tmp_path):
    d = _trained_like()
    for p in trainable_parameters(d):  # away from the initialisation, as after training
        p.data.add_(torch.randn_like(p) * 0.01)
    image = torch.rand(1, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        want = d.eval()(image)
    model = load_model(_save(tmp_path, d))
    assert model.config.discriminator.kind == "efficientnet-lite0"
    got = model.segment_logits(image[0].numpy())
    np.testing.assert_allclose(got, want[0].numpy(), rtol=1e-4, atol=1e-5)
    labels, _ = inference.segment(model, image[0].numpy(), "auto")  # the reference forward in the device dtype
    assert labels.shape == (64, 64) and labels.min() >= 0 and labels.max() < N


def test_unknown_kind_is_refused_by_name(tmp_path):
    folder = _save(tmp_path, _trained_like())
    cfg = json.loads((folder / "config.json").read_text())
    cfg["discriminator"]["kind"] = "convnext-tiny"
    (folder / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(InputError, match="unknown discriminator kind 'convnext-tiny'") as e:
        load_model(folder)
    assert "config.json" in str(e.value)


def test_a_config_without_kind_reads_as_the_unet():
    text = json.dumps({"architecture": "oasis", "format_version": 1, "height": 64, "width": 64,
                       "generator": {"semantic_nc": 2}, "discriminator": {"semantic_nc": 2},
                       "class_names": ["a", "b"], "palette": [[0, 0, 0], [1, 1, 1]]})
    assert ModelConfig.from_json(text).discriminator.kind == "unet"


def test_segment_cli_end_to_end(tmp_path):
    import cv2

    folder = _save(tmp_path, _trained_like())
    photo = tmp_path / "photo.png"
    cv2.imwrite(str(photo), (np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8))
    out = tmp_path / "labels.png"
    assert main(["segment", "--model", str(folder), "--image", str(photo), "--out", str(out)]) == 0
    assert out.is_file()
