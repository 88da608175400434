import torch

from engine.oneshot.diffaug import apply_transforms, sample_transforms
from engine.oneshot.feature_aug import content_augment, layout_augment
from engine.oneshot.losses import straight_through_mask


def test_content_augment_swaps_and_drops_whole_channels():
    torch.manual_seed(0)
    x = torch.arange(1, 8 * 3 * 40 + 1, dtype=torch.float32).reshape(8, 3, 40)
    assert torch.equal(content_augment(x, 0.0), x)
    y = content_augment(x, 1.0)
    assert y.shape == x.shape
    partner = x.roll(1, 0)
    for b in range(8):
        changed = (y[b] != x[b]).all(0)  # a channel changes for all objects at once
        swapped = (y[b] == partner[b]).all(0)
        dropped = (y[b] == 0).all(0)
        assert torch.equal(changed, swapped | dropped)
        assert 0.1 * 40 <= int(changed.sum()) <= 0.6 * 40


def _random_object_masks(b, n, h, w):
    masks = torch.zeros(b, n, h, w)
    masks[:, 0] = 1
    for i in range(b):
        for o in range(1, n):
            y, x = torch.randint(0, h - 3, ()), torch.randint(0, w - 3, ())
            masks[i, :, y:y + 3, x:x + 3] = 0
            masks[i, o, y:y + 3, x:x + 3] = 1
    return masks


def test_layout_augment_without_masks_pastes_partner_rectangle():
    torch.manual_seed(1)
    x = torch.randn(6, 5, 12, 20)
    y, applied = layout_augment(x, 1.0)
    assert applied.all()
    partner = x.roll(1, 0)
    for b in range(6):
        region = (y[b] != x[b]).any(0)
        assert torch.equal(y[b][:, region], partner[b][:, region])
        rows, cols = region.any(1).nonzero(), region.any(0).nonzero()
        assert 1 <= len(rows) <= 6 and 1 <= len(cols) <= 10  # at most half of each side


def test_layout_augment_with_masks_never_cuts_objects():
    torch.manual_seed(2)
    b, n, h, w = 16, 4, 16, 24
    masks = _random_object_masks(b, n, h, w)
    y, applied = layout_augment(masks.clone(), 1.0, masks, candidates=32)
    assert applied.float().mean() > 0.5
    partner = masks.roll(1, 0)
    for i in range(b):
        for o in range(1, n):
            tx, tp = int(masks[i, o].sum()), int(partner[i, o].sum())
            assert int(y[i, o].sum()) in {0, tx, tp, tx + tp}  # whole objects only


def test_diffaug_moves_image_and_mask_identically():
    torch.manual_seed(3)
    masks = _random_object_masks(6, 3, 32, 48)
    theta = sample_transforms(6, 1.0, 32 / 48)
    (img,), warped = apply_transforms(theta, [masks.clone()], masks)
    agree = (img.argmax(1) == warped.argmax(1)).float().mean()
    assert agree > 0.95
    (same,), m = apply_transforms(sample_transforms(6, 0.0, 0.5), [masks], masks)
    assert same is masks and m is masks


def test_straight_through_argmax_gradient():
    torch.manual_seed(4)
    logits = torch.randn(2, 3, 5, 5, requires_grad=True)
    weight = torch.randn(2, 3, 5, 5)
    soft = torch.softmax(logits, 1)
    hard = straight_through_mask(soft, bernoulli=False)
    assert torch.equal(hard.detach(), torch.nn.functional.one_hot(soft.argmax(1), 3).permute(0, 3, 1, 2).float())
    (hard * weight).sum().backward()
    grad_st = logits.grad.clone()
    logits.grad = None
    (torch.softmax(logits, 1) * weight).sum().backward()
    assert torch.allclose(grad_st, logits.grad)
    sampled = straight_through_mask(torch.softmax(logits, 1), bernoulli=True).detach()
    assert set(sampled.unique().tolist()) <= {0.0, 1.0}
