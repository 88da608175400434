"""The document as a layered OpenRaster picture (Krita, GIMP, MyPaint open it); no Qt.

Layers, top first:
  "Locked noise"          locked pixels (hidden at first; show it in Krita/GIMP)
  "Noise edited"          pixels whose noise differs from the seed's global vector, coloured by their
                          vector (one restyled region = one colour; per-pixel noise looks speckled; hidden)
  "Label map"             class colours, half transparent over the image
  "Generated image"       the last image (absent before the first generation)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.ora import OraLayer, rgb_layer, write_ora

from .export import colourise
from .label_document import LabelDocument

LOCK_COLOUR = (255, 0, 200)
LABEL_OPACITY_OVER_IMAGE = 0.5


def seed_vector(doc: LabelDocument) -> np.ndarray:
    from engine.api import global_noise  # torch: only when exporting

    return global_noise(doc.model.z_dim, doc.seed).astype(np.float32)


def noise_edited_mask(doc: LabelDocument) -> np.ndarray:
    """H x W bool: the pixel's noise vector is not the seed's global vector."""
    return np.any(doc.noise != seed_vector(doc)[:, None, None], axis=0)


def noise_colours(noise: np.ndarray) -> np.ndarray:
    """H x W x 3 uint8: a colour per noise vector (fixed random projection; equal vectors, equal colour)."""
    z = noise.shape[0]
    directions = np.random.default_rng(0).standard_normal((3, z)).astype(np.float32) / np.sqrt(z)
    projected = np.tensordot(directions, noise, axes=1)  # 3 x H x W, about unit variance
    return (127.5 + 127.5 * np.tanh(projected)).astype(np.uint8).transpose(1, 2, 0)


def document_layers(doc: LabelDocument) -> list[OraLayer]:
    h, w = doc.shape
    edited = noise_edited_mask(doc)
    locked_rgb = np.broadcast_to(np.array(LOCK_COLOUR, np.uint8), (h, w, 3))
    layers = [
        OraLayer("Locked noise", rgb_layer(locked_rgb, doc.locked.astype(np.uint8) * 255), visible=False,
                 opacity=0.6),
        OraLayer("Noise edited", rgb_layer(noise_colours(doc.noise), edited.astype(np.uint8) * 255),
                 visible=False, opacity=0.8),
        OraLayer("Label map", rgb_layer(colourise(doc.labels, doc.model.palette)),
                 opacity=LABEL_OPACITY_OVER_IMAGE if doc.image is not None else 1.0),
    ]
    if doc.image is not None:
        layers.append(OraLayer("Generated image", rgb_layer(doc.image)))
    return layers


def export_ora(path: Path, doc: LabelDocument) -> None:
    write_ora(Path(path), document_layers(doc))
