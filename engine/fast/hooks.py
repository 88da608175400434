"""Fast paths attached lazily to an OasisModel (what `precision='auto'` runs).

Built once per (model, dtype) and cached on the model; the full-pass generator state (all layer
buffers) is reused between calls so nothing large is re-allocated per image. A lock serialises use of
the shared state (the editor may call from a worker thread).
"""

from __future__ import annotations

import threading

import numpy as np
import torch

from ..precision import compute_dtype
from .discriminator import FastDiscriminator
from .generator import FastGenerator

_BUILD_LOCK = threading.Lock()


def _cache(model) -> dict:
    with _BUILD_LOCK:
        cache = model.__dict__.get("_fast_paths")
        if cache is None:
            cache = model.__dict__["_fast_paths"] = {"lock": threading.RLock()}
        return cache


def fast_generator(model, precision: str) -> FastGenerator:
    dtype = compute_dtype(precision, model.device)
    winograd = precision != "fp32" and dtype == torch.float32 and model.device.type == "cpu"
    cache = _cache(model)
    with cache["lock"]:
        key = ("G", dtype, winograd)
        if key not in cache:
            cache[key] = FastGenerator(model.generator, model.device, dtype, winograd, cache.setdefault("shared", {}))
        return cache[key]


def fast_discriminator(model, precision: str) -> FastDiscriminator:
    dtype = compute_dtype(precision, model.device)
    winograd = precision != "fp32" and dtype == torch.float32 and model.device.type == "cpu"
    cache = _cache(model)
    with cache["lock"]:
        key = ("D", dtype, winograd)
        if key not in cache:
            cache[key] = FastDiscriminator(model.discriminator, model.device, dtype, winograd)
        return cache[key]


def generate(model, labels: torch.Tensor, noise: torch.Tensor | None, precision: str) -> np.ndarray:
    """Full fast pass. labels: H x W int64, noise: (z,) or (z, H, W) on the model's device."""
    gen = fast_generator(model, precision)
    cache = _cache(model)
    with cache["lock"]:
        key = ("state", tuple(labels.shape))
        state = cache.get(key)
        if state is None:
            for k in [k for k in cache if isinstance(k, tuple) and k[0] == "state"]:
                del cache[k]  # keep one full-pass state per model: bounded memory
            state = cache[key] = gen.new_state(*labels.shape)
        gen.run(labels, noise, state)
        return state.image[0].cpu().numpy().copy()


def segment_logits(model, image: torch.Tensor, precision: str) -> np.ndarray:
    if model.config.discriminator.kind != "unet":
        # no fast rewrite of the feature D (its cost is the backbone): the reference in the device dtype
        dtype = compute_dtype(precision, model.device)
        with torch.autocast(model.device.type, dtype=dtype, enabled=dtype != torch.float32):
            return model.discriminator(image)[0].float().cpu().numpy()
    return fast_discriminator(model, precision)(image)[0].cpu().numpy()
