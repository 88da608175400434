"""Resumable training checkpoints: one safetensors file, written atomically, no pickled objects.

The file holds every tensor (generator, discriminator, EMA generator, Adam moments, the torch RNG
states) and, in its metadata, a JSON document with everything else (iteration, timing, Adam
hyperparameters, the numpy RNG state). A crash while writing leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
from pathlib import Path

from safetensors import SafetensorError
from safetensors.torch import load

from ..errors import InputError
from ..fileio import atomic_save_safetensors, atomic_write_text
from ..optimizer_state import optimizer_from_flat, optimizer_to_flat

CHECKPOINT_FILE = "checkpoint.safetensors"
STATE_FILE = "state.json"  # a readable copy of the JSON part; the checkpoint's own copy is authoritative
STATE_KEY = "state_json"


def save_checkpoint(run_dir: Path, modules: dict, optimizers: dict, rng_tensors: dict, state: dict) -> Path:
    tensors = {}
    for name, module in modules.items():
        for k, v in module.state_dict().items():
            tensors[f"{name}.{k}"] = v
    state = dict(state)
    state["optimizers"] = {name: optimizer_to_flat(f"opt_{name}", opt, tensors) for name, opt in optimizers.items()}
    for name, t in rng_tensors.items():
        tensors[f"rng.{name}"] = t
    text = json.dumps(state, indent=1)
    path = Path(run_dir) / CHECKPOINT_FILE
    atomic_save_safetensors(tensors, path, {STATE_KEY: text})
    atomic_write_text(Path(run_dir) / STATE_FILE, text)
    return path


def read_checkpoint(path: Path) -> tuple[dict, dict]:
    """(tensors, state) of a checkpoint file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no checkpoint here (nothing to resume or export)", path) from None
    try:
        from safetensors import safe_open  # metadata lives in the header

        tensors = load(data)
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        state = json.loads(meta[STATE_KEY])
    except (SafetensorError, KeyError, ValueError) as e:
        raise InputError(f"not a readable training checkpoint ({e.__class__.__name__})", path) from None
    return tensors, state


def restore_modules(tensors: dict, modules: dict, path=None) -> None:
    for name, module in modules.items():
        prefix = name + "."
        sd = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        try:
            module.load_state_dict(sd, strict=True)
        except RuntimeError as e:
            first_line = str(e).splitlines()[0]
            raise InputError(f"checkpoint does not match the {name} architecture ({first_line})", path) from None


def restore_optimizers(tensors: dict, state: dict, optimizers: dict) -> None:
    for name, opt in optimizers.items():
        optimizer_from_flat(f"opt_{name}", opt, state["optimizers"][name], tensors)
