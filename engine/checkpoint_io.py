"""Reading foreign checkpoint files safely, and our own safetensors weights.

`.pth` files are zip archives holding a pickle. Unpickling runs arbitrary code, so they are opened
only with `weights_only=True`: a file that needs anything beyond tensors and plain containers is
refused instead of executed.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import torch

from .errors import InputError


def read_pth_state_dict(path: Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise InputError("checkpoint file not found", path)
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else "unsupported object"
        raise InputError(f"refused: the checkpoint carries Python objects or code, not only tensors ({first[:160]})",
                         path) from None
    except Exception as e:  # a damaged archive/pickle stream fails in many ways (IndexError, KeyError, ...)
        msg = str(e).strip().splitlines()[0] if str(e).strip() else e.__class__.__name__
        raise InputError(f"cannot read checkpoint: corrupt or truncated file ({msg[:160]})", path) from None
    if not isinstance(obj, dict) or not all(isinstance(k, str) for k in obj):
        raise InputError("not a state_dict (expected a mapping of parameter names to tensors)", path)
    for k, v in obj.items():
        if not isinstance(v, torch.Tensor):
            raise InputError(f"entry {k!r} is a {type(v).__name__}, not a tensor", path)
    return obj


def check_finite(state: dict, path) -> None:
    for k, v in state.items():
        if v.is_floating_point() and not torch.isfinite(v).all():
            raise InputError(f"weight {k!r} contains NaN or infinite values", path)


def check_state_against(expected: dict, state: dict, path, what: str) -> None:
    """Compare key names and shapes; the first problem is reported by name."""
    for k, shape in expected.items():
        if k not in state:
            raise InputError(f"{what}: missing key {k!r}", path)
        got = tuple(state[k].shape)
        if got != tuple(shape):
            raise InputError(f"{what}: key {k!r} has shape {list(got)}, expected {list(shape)}", path)
    extra = sorted(set(state) - set(expected))
    if extra:
        more = f" (and {len(extra) - 1} more)" if len(extra) > 1 else ""
        raise InputError(f"{what}: unexpected key {extra[0]!r}{more}", path)


def read_safetensors(path: Path) -> dict:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise InputError("weights file not found", path)
    try:
        return load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError, RuntimeError) as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else e.__class__.__name__
        raise InputError(f"cannot read weights: corrupt or truncated safetensors file ({msg[:160]})", path) from None
