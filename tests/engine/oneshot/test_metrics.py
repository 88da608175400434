import sys

import numpy as np
import pytest
import torch

from engine.frechet import frechet_distance as _frechet
from engine.oneshot.mask_alignment import SmallUNet, miou


def test_frechet_distance_of_shifted_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20000, 4))
    assert abs(_frechet(a, a)) < 1e-9
    b = a + np.array([1.0, 0, 0, 2.0])  # same covariance, mean moved by |(1, 0, 0, 2)|^2 = 5
    assert _frechet(a, b) == pytest.approx(5.0, abs=1e-6)
    c = a * 2.0  # covariance 4I vs I: trace term 4 * (1 + 4 - 2 * 2) = 4
    assert _frechet(a, c) == pytest.approx(4.0, rel=0.05)


def test_miou_and_unet_shapes():
    t = torch.tensor([[0, 0, 1, 1], [0, 2, 2, 1]])
    assert miou(t, t, 3) == 1.0
    p = torch.tensor([[0, 0, 1, 1], [0, 2, 1, 1]])  # one pixel of class 2 labelled 1
    assert miou(p, t, 3) == pytest.approx((1 + 3 / 4 + 1 / 2) / 3)
    assert SmallUNet(3, width=4)(torch.zeros(2, 3, 24, 48)).shape == (2, 3, 24, 48)


def test_stlpips_import_stubs_do_not_leak():
    pytest.importorskip("stlpips_pytorch")
    from engine.oneshot.metrics import PerceptualDistance
    before = {m for m in sys.modules if m.split(".")[0] in ("IPython", "torchsummary", "torchvision")}
    dist = PerceptualDistance()
    after = {m for m in sys.modules if m.split(".")[0] in ("IPython", "torchsummary", "torchvision")}
    assert after == before
    x = torch.rand(3, 3, 32, 48) * 2 - 1
    with torch.no_grad():
        reference = float(dist.model(x[:1], x[1:2]).sum())
    feats = dist.features(x)
    mine = float(dist.distance(feats, torch.tensor([0]), feats, torch.tensor([1]))[0])
    assert mine == pytest.approx(reference, rel=1e-5)
