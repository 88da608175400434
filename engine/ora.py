"""OpenRaster (.ora) export: a layered picture Krita, GIMP and MyPaint open.

An .ora file is a zip whose first entry is the uncompressed `mimetype`, then `stack.xml` (layers, top
first), one PNG per layer, `mergedimage.png` and `Thumbnails/thumbnail.png`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import quoteattr

import numpy as np
from PIL import Image

from .errors import InputError
from .fileio import atomic_write_bytes
from .imagefiles import encode_png

MIMETYPE = b"image/openraster"


@dataclass
class OraLayer:
    name: str
    rgba: np.ndarray  # H x W x 4 uint8
    visible: bool = True
    opacity: float = 1.0


def _composite(layers: list[OraLayer]) -> Image.Image:
    h, w = layers[0].rgba.shape[:2]
    out = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    for layer in reversed(layers):  # bottom first
        if not layer.visible:
            continue
        im = Image.fromarray(layer.rgba, "RGBA")
        if layer.opacity < 1.0:
            a = (np.asarray(im)[..., 3].astype(np.float32) * layer.opacity).astype(np.uint8)
            im.putalpha(Image.fromarray(a))
        out = Image.alpha_composite(out, im)
    return out


def ora_bytes(layers: list[OraLayer]) -> bytes:
    """Layers are given top first, as in stack.xml."""
    if not layers:
        raise ValueError("an OpenRaster file needs at least one layer")
    h, w = layers[0].rgba.shape[:2]
    for layer in layers:
        if layer.rgba.shape != (h, w, 4) or layer.rgba.dtype != np.uint8:
            raise ValueError(f"layer {layer.name!r} must be {h}x{w}x4 uint8")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), MIMETYPE, compress_type=zipfile.ZIP_STORED)
        stack = [f'<?xml version="1.0" encoding="UTF-8"?>\n<image version="0.0.5" w="{w}" h="{h}">', "<stack>"]
        for i, layer in enumerate(layers):
            src = f"data/layer{i}.png"
            z.writestr(src, encode_png(Image.fromarray(layer.rgba, "RGBA")), compress_type=zipfile.ZIP_DEFLATED)
            stack.append(f'<layer name={quoteattr(layer.name)} src="{src}" x="0" y="0" '
                         f'opacity="{layer.opacity:.3f}" visibility="{"visible" if layer.visible else "hidden"}"/>')
        stack += ["</stack>", "</image>"]
        z.writestr("stack.xml", "\n".join(stack), compress_type=zipfile.ZIP_DEFLATED)
        merged = _composite(layers)
        z.writestr("mergedimage.png", encode_png(merged), compress_type=zipfile.ZIP_DEFLATED)
        thumb = merged.copy()
        thumb.thumbnail((256, 256))
        z.writestr("Thumbnails/thumbnail.png", encode_png(thumb), compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def write_ora(path: Path, layers: list[OraLayer]) -> None:
    atomic_write_bytes(Path(path), ora_bytes(layers))


def read_ora(path: Path) -> list[OraLayer]:
    """Read the layers back (top first); used for round-trip tests and re-import."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as z:
            if z.read("mimetype") != MIMETYPE:
                raise InputError("not an OpenRaster file (wrong mimetype)", path)
            root = ET.fromstring(z.read("stack.xml"))
            layers = []
            for el in root.iter("layer"):
                src = el.get("src")
                if src is None:
                    raise InputError("corrupt OpenRaster file (a layer without a src)", path)
                rgba = np.asarray(Image.open(io.BytesIO(z.read(src))).convert("RGBA"))
                layers.append(OraLayer(el.get("name", ""), rgba, el.get("visibility", "visible") == "visible",
                                       float(el.get("opacity", "1"))))
    except InputError:
        raise
    except Exception as e:  # damaged zip members fail as zlib.error, BadZipFile, PIL errors, ...
        raise InputError(f"corrupt OpenRaster file ({e.__class__.__name__}: {str(e)[:100]})", path) from None
    return layers


def rgb_layer(rgb: np.ndarray, alpha: np.ndarray | None = None) -> np.ndarray:
    a = np.full(rgb.shape[:2], 255, np.uint8) if alpha is None else alpha.astype(np.uint8)
    return np.dstack([rgb.astype(np.uint8), a])
