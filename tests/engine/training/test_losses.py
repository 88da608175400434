import numpy as np
import torch

from engine.training.losses import class_balance_weights, labelmix_loss, labelmix_mask, n_plus_1_loss


def test_class_balance_weights_hand_computed():
    # batch of 2 maps of 2x2 = 8 pixels: class 0 (unknown) x2, class 1 x4, class 2 x2
    labels = torch.tensor([[[0, 1], [1, 1]], [[1, 2], [2, 0]]])
    w = class_balance_weights(labels, num_classes=4, unknown_index=0)
    # present classes (unknown excluded): 1 and 2 -> weight_c = 8 / (2 * count_c)
    expected = torch.tensor([[[0.0, 1.0], [1.0, 1.0]], [[1.0, 2.0], [2.0, 0.0]]])
    assert torch.equal(w, expected)
    # each present class carries the same total weight
    assert w[labels == 1].sum() == w[labels == 2].sum() == 4.0


def test_class_balance_without_unknown_class():
    labels = torch.tensor([[[0, 0, 0, 1]]])
    w = class_balance_weights(labels, num_classes=2, unknown_index=None)
    assert torch.allclose(w, torch.tensor([[[4 / 6, 4 / 6, 4 / 6, 2.0]]]))


def test_labelmix_mask_assigns_whole_classes_per_sample():
    gen = torch.Generator().manual_seed(3)
    labels = torch.randint(0, 6, (8, 16, 16), generator=gen)
    mask = labelmix_mask(labels, 6, gen)
    assert mask.shape == (8, 1, 16, 16)
    assert set(mask.unique().tolist()) <= {0.0, 1.0}
    for i in range(8):
        for c in labels[i].unique():
            values = mask[i, 0][labels[i] == c].unique()
            assert len(values) == 1, "a class must go wholly to real or to fake"
    # over 8 samples x 6 classes both choices occur
    assert 0 < mask.mean() < 1


def test_labelmix_loss_is_zero_for_a_consistent_discriminator():
    gen = torch.Generator().manual_seed(0)
    mask = (torch.rand(2, 1, 4, 4, generator=gen) > 0.5).float()
    d_real, d_fake = torch.randn(2, 5, 4, 4, generator=gen), torch.randn(2, 5, 4, 4, generator=gen)
    consistent = mask * d_real + (1 - mask) * d_fake
    assert labelmix_loss(mask, consistent, d_fake, d_real).item() == 0.0
    assert labelmix_loss(mask, consistent + 1, d_fake, d_real).item() > 0.9


def test_n_plus_1_targets():
    labels = torch.tensor([[[1, 2]]])
    logits = torch.full((1, 4, 1, 2), -20.0)
    logits[0, 2, 0, 0] = logits[0, 3, 0, 1] = 20.0  # confident and right: channel = class + 1
    assert n_plus_1_loss(logits, labels, for_real=True).item() < 1e-6
    assert n_plus_1_loss(logits, labels, for_real=False).item() > 30  # fake target is channel 0
    fake_logits = torch.full((1, 4, 1, 2), -20.0)
    fake_logits[:, 0] = 20.0
    assert n_plus_1_loss(fake_logits, labels, for_real=False).item() < 1e-6
    assert np.isfinite(n_plus_1_loss(torch.randn(2, 4, 8, 8), torch.randint(0, 3, (2, 8, 8)), True).item())
