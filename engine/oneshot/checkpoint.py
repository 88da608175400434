"""Crash-safe checkpoints: tensors in safetensors, everything else in JSON (no pickle).

Layout in <run>/checkpoints/: weights_<iter>.safetensors (G, D, G_ema, Adam moments, RNG
state) and state.json naming the current weights file. state.json is replaced last, so a crash
mid-write leaves the previous checkpoint intact; older weight files are deleted afterwards.
"""
from __future__ import annotations

import json
import os

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from .. import fileio
from ..optimizer_state import optimizer_from_flat, optimizer_to_flat
from .errors import OneShotInputError


def _module_tensors(prefix: str, module: torch.nn.Module, tensors: dict) -> None:
    for k, v in module.state_dict().items():
        tensors[f"{prefix}.{k}"] = v.detach().clone().contiguous()


def _load_module(prefix: str, module: torch.nn.Module, tensors: dict) -> None:
    sd = {k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
    try:
        module.load_state_dict(sd, strict=True)
    except RuntimeError as e:
        first_line = str(e).splitlines()[0][:160]
        raise OneShotInputError(f"checkpoint does not match the {prefix} network ({first_line})") from None
    for k, v in sd.items():
        if v.is_floating_point() and not torch.isfinite(v).all():
            raise OneShotInputError(f"checkpoint weight {prefix}.{k} contains NaN or infinite values")


def save_checkpoint(run_dir: str, iteration: int, modules: dict[str, torch.nn.Module],
                    optimizers: dict[str, torch.optim.Optimizer], extra: dict | None = None) -> str:
    folder = os.path.join(run_dir, "checkpoints")
    tensors: dict[str, torch.Tensor] = {}
    for name, m in modules.items():
        _module_tensors(name, m, tensors)
    opt_meta = {name: optimizer_to_flat(name, o, tensors) for name, o in optimizers.items()}
    tensors["rng.torch"] = torch.get_rng_state()
    weights_name = f"weights_{iteration:08d}.safetensors"
    fileio.atomic_write_bytes(os.path.join(folder, weights_name), st_save(tensors))
    state = {"iteration": iteration, "weights": weights_name, "optimizers": opt_meta,
             "extra": extra or {}}
    fileio.atomic_write_bytes(os.path.join(folder, "state.json"), json.dumps(state, indent=1).encode())
    for f in os.listdir(folder):  # older checkpoints are superseded now
        if f.startswith("weights_") and f != weights_name:
            os.unlink(os.path.join(folder, f))
    return os.path.join(folder, weights_name)


def read_state(run_dir: str) -> tuple[dict, dict[str, torch.Tensor]]:
    folder = os.path.join(run_dir, "checkpoints")
    path = os.path.join(folder, "state.json")
    try:
        with open(path, encoding="utf-8") as f:
            state = json.load(f)
        with open(os.path.join(folder, state["weights"]), "rb") as f:
            tensors = st_load(f.read())
    except FileNotFoundError as e:
        raise OneShotInputError(f"{e.filename}: no checkpoint in this run folder") from None
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError, SafetensorError) as e:
        raise OneShotInputError(f"{path}: unreadable checkpoint ({str(e)[:160]})") from None
    except OSError as e:
        raise OneShotInputError(f"{path}: cannot read checkpoint ({e.strerror or e})") from None
    if not isinstance(state, dict):
        raise OneShotInputError(f"{path}: unreadable checkpoint (state is not a JSON object)")
    return state, tensors


def load_checkpoint(run_dir: str, modules: dict[str, torch.nn.Module],
                    optimizers: dict[str, torch.optim.Optimizer] | None = None,
                    restore_rng: bool = True) -> dict:
    state, tensors = read_state(run_dir)
    for name, m in modules.items():
        _load_module(name, m, tensors)
    for name, o in (optimizers or {}).items():
        optimizer_from_flat(name, o, state["optimizers"][name], tensors)
    if restore_rng:
        torch.set_rng_state(tensors["rng.torch"])
    return state
