"""The limited-data regularisers on small hand-computable tensors."""

import math

import pytest
import torch
import torch.nn.functional as F

from engine.regularizers import (
    OnlineCovariance,
    adaptivemix_loss,
    asa_ce_bound_logits,
    asa_logistic_bound,
    dirichlet_coefficients,
    mix_pairs,
    mixdl_anchor,
    mixdl_kl,
)


def test_adaptivemix_hand_value():
    x = torch.tensor([1.0, 3.0])
    lam = torch.tensor([0.5, 0.5])
    partner = torch.tensor([1, 0])
    mixed = lam * x + (1 - lam) * x[partner]  # both 2
    # f(x) = x^2: f(mix) = 4, target = 0.5 * 1 + 0.5 * 9 = 5 -> squared error 1
    assert adaptivemix_loss(mixed ** 2, x ** 2, partner, lam).item() == pytest.approx(1.0)
    # a linear feature map has no gap at all
    assert adaptivemix_loss(3 * mixed, 3 * x, partner, lam).item() == pytest.approx(0.0)


def test_mix_pairs_shapes_and_partner():
    x = torch.arange(24.0).view(4, 1, 2, 3)
    g = torch.Generator().manual_seed(0)
    mixed, partner, lam = mix_pairs(x, g)
    assert partner.tolist() == [3, 0, 1, 2] and mixed.shape == x.shape
    assert torch.allclose(mixed[1], lam[1] * x[1] + (1 - lam[1]) * x[0])


def test_mixdl_kl_known_similarities():
    anchor = torch.tensor([[1.0, 0.0]])
    feats = torch.tensor([[[2.0, 0.0], [0.0, 5.0]]])  # cosine similarities 1 and 0
    c = torch.tensor([[0.5, 0.5]])
    q = torch.tensor([math.e / (math.e + 1), 1 / (math.e + 1)])
    expected = float((q * torch.log(q / 0.5)).sum())
    assert mixdl_kl(anchor, feats, c).item() == pytest.approx(expected, rel=1e-6)


def test_mixdl_kl_zero_when_similarities_equal_coefficients():
    c = torch.tensor([[0.7, 0.2, 0.1]])
    # unit features at angles whose cosine with the anchor equals c_i
    angles = torch.acos(c[0])
    feats = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1).unsqueeze(0)
    assert mixdl_kl(torch.tensor([[1.0, 0.0]]), feats, c).item() == pytest.approx(0.0, abs=1e-7)


def test_dirichlet_and_anchor():
    g = torch.Generator().manual_seed(1)
    c = dirichlet_coefficients(4000, 3, g)
    assert torch.allclose(c.sum(1), torch.ones(4000)) and (c > 0).all()
    assert torch.allclose(c.mean(0), torch.full((3,), 1 / 3), atol=0.02)
    z = torch.randn(2, 3, 5, generator=g)
    assert torch.allclose(mixdl_anchor(z, c[:2]), (c[:2, :, None] * z).sum(1))


def test_online_covariance_matches_batch_covariance():
    g = torch.Generator().manual_seed(2)
    data = torch.randn(300, 4, generator=g) @ torch.randn(4, 4, generator=g) + 3
    est = OnlineCovariance(4)
    for chunk in data.split(37):
        est.update(chunk)
    centred = data - data.mean(0)
    assert torch.allclose(est.mean, data.mean(0), atol=1e-5)
    assert torch.allclose(est.cov, centred.T @ centred / 300, atol=1e-4)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_asa_logistic_bound_never_below_sampled_expectation(sign):
    g = torch.Generator().manual_seed(3)
    a = torch.randn(3, 3, generator=g)
    cov, w, lam = a @ a.T, torch.randn(3, generator=g), 0.5
    logit = torch.tensor([-1.0, 0.0, 2.0])
    delta = torch.randn(200000, 3, generator=g) @ torch.linalg.cholesky(lam * cov).T
    sampled = F.softplus(-sign * (logit[None] + (delta @ w)[:, None])).mean(0)
    bound = asa_logistic_bound(logit, sign, w, cov, lam)
    assert (bound >= sampled * 0.995).all()
    assert torch.allclose(asa_logistic_bound(logit, sign, w, cov, 0.0), F.softplus(-sign * logit))


def test_asa_ce_bound_never_below_sampled_expectation():
    g = torch.Generator().manual_seed(4)
    k, d = 4, 3
    weight = torch.randn(k, d, generator=g)
    a = torch.randn(d, d, generator=g)
    cov, lam = a @ a.T * 0.3, 0.8
    logits = torch.randn(2, k, 1, 1, generator=g)
    target = torch.tensor([[[1]], [[3]]])
    bound = F.cross_entropy(asa_ce_bound_logits(logits, target, weight, cov, lam), target, reduction="none")
    delta = torch.randn(100000, d, generator=g) @ torch.linalg.cholesky(lam * cov).T
    for b in range(2):
        pert = logits[b, :, 0, 0][None] + delta @ weight.T
        sampled = F.cross_entropy(pert, target[b, 0, 0].repeat(len(pert))).item()
        assert bound[b, 0, 0].item() >= sampled * 0.995
    # the target logit is never shifted
    shifted = asa_ce_bound_logits(logits, target, weight, cov, lam)
    assert torch.allclose(shifted[0, 1], logits[0, 1]) and torch.allclose(shifted[1, 3], logits[1, 3])
