"""Layers shared by the OASIS generator and discriminator.

Two forms of the same network exist: a *training* form (spectral-norm parametrised convolutions,
BatchNorm with running statistics) and an *inference* form where both are folded into plain weights
once (`W / sigma` and a per-channel scale and shift). Our model files hold the inference form.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

BN_EPS = 1e-5


class ChannelAffine(nn.Module):
    scale: torch.Tensor
    shift: torch.Tensor
    """An eval-mode BatchNorm without affine parameters, folded: x * scale + shift per channel."""

    def __init__(self, channels: int):
        super().__init__()
        self.register_buffer("scale", torch.ones(channels))
        self.register_buffer("shift", torch.zeros(channels))

    def forward(self, x):
        return torch.addcmul(self.shift[:, None, None], x, self.scale[:, None, None])


def param_free_norm(kind: str, channels: int, trainable: bool) -> nn.Module:
    if kind == "instance":
        return nn.InstanceNorm2d(channels, affine=False, eps=BN_EPS)
    if kind == "batch":
        return nn.BatchNorm2d(channels, affine=False, eps=BN_EPS) if trainable else ChannelAffine(channels)
    raise ValueError(f"unknown param_free_norm {kind!r}")


def sn_conv(cin: int, cout: int, k: int, trainable: bool, bias: bool = True) -> nn.Conv2d:
    """A convolution that is spectrally normalised in training and a plain conv once folded."""
    conv = nn.Conv2d(cin, cout, k, padding=k // 2, bias=bias)
    if trainable:
        spectral_norm(conv)  # parametrises the module in place; it stays a Conv2d
    return conv


def fold_spectral_norm(weight_orig: torch.Tensor, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The weight a spectrally normalised layer of the public code uses in eval mode.

    torch.nn.utils.spectral_norm does no power iteration in eval mode: sigma = u . (W_mat v).
    The same float32 operations as torch are used so the folded weight matches bit for bit.
    """
    w_mat = weight_orig.reshape(weight_orig.shape[0], -1)
    sigma = torch.dot(u, torch.mv(w_mat, v))
    return weight_orig / sigma


def fold_batch_norm(running_mean: torch.Tensor, running_var: torch.Tensor, eps: float = BN_EPS):
    scale = torch.rsqrt(running_var + eps)
    return scale, -running_mean * scale


def folded_state_dict(module: nn.Module) -> dict:
    """The inference-form state dict of a module built with trainable=True.

    Spectral-norm parametrisations are evaluated (eval mode: current u, v) and BatchNorm running
    statistics become ChannelAffine scale/shift, with key names equal to the inference module's.
    """
    was_training = module.training
    module.eval()
    out = {}
    with torch.no_grad():
        for name, sub in module.named_modules():
            prefix = f"{name}." if name else ""
            if isinstance(sub, nn.Conv2d):
                # on a parametrised conv, .weight evaluates the spectral norm (no power iteration in eval)
                out[prefix + "weight"] = sub.weight.detach().clone()
                if sub.bias is not None:
                    out[prefix + "bias"] = sub.bias.detach().clone()
            elif isinstance(sub, nn.BatchNorm2d):
                assert sub.running_mean is not None and sub.running_var is not None  # tracked statistics
                scale, shift = fold_batch_norm(sub.running_mean, sub.running_var, sub.eps)
                out[prefix + "scale"], out[prefix + "shift"] = scale.clone(), shift.clone()
    module.train(was_training)
    return out
