"""Our model format: a folder with `config.json` and safetensors weights in the folded inference form.

    config.json                  ModelConfig (architecture, hyperparameters, classes, palette, provenance)
    generator.safetensors        generator weights (the EMA generator for imported public runs)
    discriminator.safetensors    optional; needed for photo -> layout segmentation. Its kind is in
                                 config.json (a feature D holds its frozen backbone's weights here too)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import torch

from .checkpoint_io import check_finite, check_state_against, read_safetensors
from .config import ModelConfig
from .discriminators import build_discriminator
from .errors import InputError
from .fileio import atomic_save_safetensors, mode_for, named_for
from .oasis_generator import OasisGenerator

CONFIG_FILE = "config.json"
GENERATOR_FILE = "generator.safetensors"
DISCRIMINATOR_FILE = "discriminator.safetensors"


def _expected(module: torch.nn.Module) -> dict:
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def _load_into(module: torch.nn.Module, path: Path, what: str) -> None:
    state = read_safetensors(path)
    check_state_against(_expected(module), state, path, what)
    for k, v in state.items():
        if v.dtype != torch.float32:
            dtype = str(v.dtype).replace("torch.", "")
            raise InputError(f"{what}: key {k!r} has dtype {dtype}, expected float32", path)
    check_finite(state, path)
    module.load_state_dict(state, strict=True)


def load_model_folder(folder: Path) -> tuple[ModelConfig, OasisGenerator, torch.nn.Module | None]:
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("model folder not found", folder)
    cfg = ModelConfig.load(folder / CONFIG_FILE)
    gen = OasisGenerator(cfg.generator).eval()
    _load_into(gen, folder / GENERATOR_FILE, "generator")
    disc = None
    if cfg.discriminator is not None:
        disc = build_discriminator(cfg.discriminator).eval()
        _load_into(disc, folder / DISCRIMINATOR_FILE, "discriminator")
    for p in list(gen.parameters()) + (list(disc.parameters()) if disc else []):
        p.requires_grad_(False)
    return cfg, gen, disc


def save_model_folder(folder: Path, cfg: ModelConfig, generator_state: dict, discriminator_state: dict | None,
                      overwrite: bool = False) -> Path:
    """Write a complete model folder, or nothing: files go to a temporary sibling that is renamed."""
    folder = Path(folder)
    cfg.validate()
    if (cfg.discriminator is None) != (discriminator_state is None):
        raise ValueError("discriminator config and weights must come together")
    if folder.exists() and any(folder.iterdir()) and not overwrite:
        raise InputError("output folder exists and is not empty (choose another or allow overwrite)", folder)
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        mode = mode_for(folder, 0o777)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    except OSError as e:
        raise named_for(e, folder) from e
    try:
        os.chmod(tmp, mode)  # mkdtemp's 0700 would make the model folder private
        meta = {"format_version": str(cfg.format_version), "architecture": cfg.architecture}
        atomic_save_safetensors(generator_state, tmp / GENERATOR_FILE, meta)
        if discriminator_state is not None:
            atomic_save_safetensors(discriminator_state, tmp / DISCRIMINATOR_FILE, meta)
        cfg.save(tmp / CONFIG_FILE)
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(e, OSError) and e.errno is not None and str(tmp) in str(e.filename or ""):
            raise named_for(e, folder) from e
        raise
    return folder
