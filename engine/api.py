"""The Python API the editor and the CLI use: load a model, generate, segment.

Arrays in, arrays out (numpy), so callers never touch torch:
- labels: H x W integer class indices, H and W multiples of 32
- noise: (z_dim,) global or (z_dim, H, W) spatial, float32
- images: 3 x H x W float32 in [-1, 1]

OasisModel runs the reference modules: exactly what the public code computes. The fast paths and the
precisions ('auto' and the rest) live above this layer, in engine/fast (`engine.fast.inference`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .config import SIZE_MULTIPLE, ModelConfig
from .errors import InputError
from .model_folder import load_model_folder
from .oasis_generator import make_condition


def resolve_device(device: str | None) -> torch.device:
    if device in (None, "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"device {device!r} requested but CUDA is not available")
    return torch.device(device)


def global_noise(z_dim: int, seed: int) -> np.ndarray:
    """The global z for a seed: the same on every machine (CPU generator, float32)."""
    g = torch.Generator().manual_seed(int(seed))
    return torch.randn(z_dim, generator=g).numpy()


class OasisModel:
    def __init__(self, cfg: ModelConfig, generator, discriminator, device: torch.device, folder: Path | None = None):
        self.config = cfg
        self.folder = folder
        self.device = device
        self.generator = generator.to(device)
        self.discriminator = discriminator.to(device) if discriminator is not None else None

    @property
    def can_segment(self) -> bool:
        return self.discriminator is not None

    # -- input checks --------------------------------------------------------------------------
    def check_labels(self, labels: np.ndarray, source="label map") -> np.ndarray:
        labels = np.asarray(labels)
        if labels.ndim != 2:
            raise InputError(f"{source}: expected a 2-D array of class indices, got shape {labels.shape}")
        if not np.issubdtype(labels.dtype, np.integer):
            raise InputError(f"{source}: expected integer class indices, got dtype {labels.dtype}")
        h, w = labels.shape
        if h % SIZE_MULTIPLE or w % SIZE_MULTIPLE or h == 0 or w == 0:
            raise InputError(f"{source}: size {h}x{w} is not a multiple of {SIZE_MULTIPLE}")
        n = self.config.num_classes
        if labels.size and (labels.min() < 0 or labels.max() >= n):
            bad = int(labels.max() if labels.max() >= n else labels.min())
            raise InputError(f"{source}: class index {bad} out of range (model has {n} classes: 0..{n - 1})")
        return labels.astype(np.int64, copy=False)

    def check_noise(self, noise: np.ndarray, shape_hw, source="noise") -> np.ndarray:
        noise = np.asarray(noise)
        z = self.config.z_dim
        if noise.ndim in (2, 4) and noise.shape[0] == 1:
            noise = noise[0]  # a batch of one, as the public code saves its z
        if noise.dtype.kind != "f":
            raise InputError(f"{source}: expected float noise, got dtype {noise.dtype}")
        if noise.shape not in ((z,), (z, *shape_hw)):
            raise InputError(f"{source}: shape {noise.shape}, expected ({z},) or ({z}, {shape_hw[0]}, {shape_hw[1]})")
        if not np.isfinite(noise).all():
            raise InputError(f"{source}: contains NaN or infinite values")
        return noise.astype(np.float32, copy=False)

    # -- inference -----------------------------------------------------------------------------
    def check_image(self, image: np.ndarray) -> np.ndarray:
        """A photo to segment: 3 x H x W float32, sides multiples of SIZE_MULTIPLE, and a D to do it."""
        if self.discriminator is None:
            raise InputError("this model has no discriminator, so it cannot turn photos into label maps")
        image = np.asarray(image, dtype=np.float32)
        if image.ndim != 3 or image.shape[0] != 3:
            raise InputError(f"image: expected 3 x H x W, got shape {image.shape}")
        if image.shape[1] % SIZE_MULTIPLE or image.shape[2] % SIZE_MULTIPLE:
            raise InputError(f"image: size {image.shape[1]}x{image.shape[2]} is not a multiple of {SIZE_MULTIPLE}")
        return image

    @torch.inference_mode()
    def generate(self, labels: np.ndarray, noise: np.ndarray) -> np.ndarray:
        labels = self.check_labels(labels)
        noise = self.check_noise(noise, labels.shape)
        lab = torch.from_numpy(labels)[None].to(self.device)
        z = torch.from_numpy(noise)[None].to(self.device)
        cond = make_condition(lab, z, self.config.generator)
        out = self.generator(cond)
        return out[0].float().cpu().numpy()

    @torch.inference_mode()
    def segment_logits(self, image: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(self.check_image(image))[None].to(self.device)
        assert self.discriminator is not None  # check_image refuses a model without one
        logits = self.discriminator(x)
        return logits[0].float().cpu().numpy()

    def labels_from_logits(self, logits: np.ndarray) -> np.ndarray:
        """Argmax over the real classes (channels 1..N), leaving out the fake channel and the unknown class."""
        class_scores = logits[1:].copy()
        if self.config.unknown_index is not None:
            class_scores[self.config.unknown_index] = -np.inf
        return class_scores.argmax(axis=0).astype(np.int64)

    def segment(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logits = self.segment_logits(image)
        return self.labels_from_logits(logits), logits


def load_model(folder, device: str | None = "cpu") -> OasisModel:
    folder = Path(folder)
    cfg, gen, disc = load_model_folder(folder)
    return OasisModel(cfg, gen, disc, resolve_device(device), folder)
