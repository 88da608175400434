import torch

from engine.training.augment import AugmentSettings, augment_image, augment_labels, augment_mask, draw_params


def test_geometry_moves_labels_with_pixels():
    gen = torch.Generator().manual_seed(1)
    b, h, w = 6, 32, 32
    labels = torch.randint(1, 5, (b, h, w), generator=gen)
    image = (labels.float() / 10.0)[:, None].expand(b, 3, h, w).contiguous()  # pixel value encodes the class
    p = draw_params(b, h, w, AugmentSettings(colour=False, translation=0.25, cutout=0.5, cutout_prob=1.0), gen)
    assert p.shift.abs().max() > 0
    img_a, lab_a = augment_image(image, p), augment_labels(labels, p, unknown_index=0)
    known = lab_a != 0
    assert known.any() and (~known).any()  # shifted-in and cut-out pixels became unknown
    assert torch.allclose(img_a[:, 0][known], lab_a[known].float() / 10.0)
    assert (img_a[:, 0][~known] == 0).all()
    mask = augment_mask((labels == 2).float()[:, None], p)
    assert torch.equal(mask[:, 0][known], (lab_a[known] == 2).float())


def test_colour_augmentation_is_differentiable_and_shared():
    gen = torch.Generator().manual_seed(2)
    p = draw_params(2, 8, 8, AugmentSettings(), gen)
    x = torch.zeros(2, 3, 8, 8, requires_grad=True)
    augment_image(x, p).sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    y = torch.rand(2, 3, 8, 8)
    assert torch.equal(augment_image(y, p), augment_image(y.clone(), p))  # same draw, same result
