"""The exact conv rewrites (resample_in_conv) give the same networks as the plain formulation."""
import torch
import torch.nn.functional as F

from engine.oneshot.discriminator import Discriminator
from engine.oneshot.generator import Generator
from engine.oneshot.layers import pooled_conv_weight, upsampled_conv_weight

from .oneshot_testdata import tiny_config


def test_pool_and_upsample_rewrites_match_plain_convs_on_odd_and_even_maps():
    g = torch.Generator().manual_seed(0)
    k = torch.randn(5, 3, 3, 3, generator=g, dtype=torch.float64)
    b = torch.randn(5, generator=g, dtype=torch.float64)
    for h, w in [(8, 12), (7, 9)]:
        x = torch.randn(2, 3, h, w, generator=g, dtype=torch.float64)
        plain = F.avg_pool2d(F.conv2d(x, k, b, padding=1), 2)
        fused = F.conv2d(x, pooled_conv_weight(k), b, stride=2, padding=1)
        torch.testing.assert_close(fused, plain, rtol=0, atol=1e-12)
        plain = F.conv2d(F.interpolate(x, scale_factor=2.0, mode="nearest"), k, b, padding=1)
        fused = F.conv_transpose2d(x, upsampled_conv_weight(k), b, stride=2, padding=1)
        torch.testing.assert_close(fused, plain, rtol=0, atol=1e-12)


def _pair(cls, masks: bool):
    # spectral norm on (the faithful G): both copies must also advance their power iterations alike
    plain, fused = (cls(tiny_config(masks, resample_in_conv=r, g_spectral_norm=True)).double()
                    for r in (False, True))
    fused.load_state_dict(plain.state_dict())
    return plain, fused


def test_generator_and_discriminator_outputs_and_gradients_are_unchanged():
    torch.manual_seed(0)
    g_plain, g_fused = _pair(Generator, masks=True)
    z = torch.randn(3, g_plain.z_dim, 1, 1, dtype=torch.float64)
    out_p, out_f = g_plain(z), g_fused(z)
    for a, b in zip(out_p.images + [out_p.mask_soft], out_f.images + [out_f.mask_soft], strict=True):
        torch.testing.assert_close(b, a, rtol=0, atol=1e-10)
    d_plain, d_fused = _pair(Discriminator, masks=True)
    scales = [img.detach().requires_grad_(True) for img in out_p.images[::-1]]
    masks = out_p.mask_soft.detach()
    losses = []
    for d in (d_plain, d_fused):
        o = d(scales, masks)
        losses.append(sum(t.square().mean() for t in o.low + o.content + o.layout))
    torch.testing.assert_close(losses[1], losses[0], rtol=0, atol=1e-10)
    for (name, p), q in zip(d_plain.named_parameters(), d_fused.parameters(), strict=True):
        gp = torch.autograd.grad(losses[0], p, retain_graph=True)
        gq = torch.autograd.grad(losses[1], q, retain_graph=True)
        torch.testing.assert_close(gq[0], gp[0], rtol=1e-8, atol=1e-10, msg=name)
