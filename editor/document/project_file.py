"""The project file (*.oasisproj): a zip with a JSON manifest and lossless arrays, written atomically.

    manifest.json   format, version, seed, size, model reference (folder, classes, palette, z_dim)
    labels.png      indexed PNG, palette = class colours (opens in any image viewer)
    noise.npy       z x H x W float32, the per-pixel noise map
    locked.npy      H x W bool
    image.png       H x W RGB, the last generated image (absent before the first generation)

Every array round-trips bit-exactly: PNG is lossless for uint8 and .npy stores the float32 bytes.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from engine.errors import InputError
from engine.fileio import atomic_write_bytes
from engine.imagefiles import encode_png, label_map_png_bytes

from .label_document import LabelDocument, ModelReference

FORMAT = "oasis-studio-project"
VERSION = 1
SUFFIX = ".oasisproj"
MAX_MEMBER_BYTES = 2_000_000_000  # refuse absurd members before inflating them


def _npy_bytes(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()


def project_bytes(doc: LabelDocument) -> bytes:
    doc.check()
    manifest = {"format": FORMAT, "version": VERSION, "seed": int(doc.seed), "height": doc.shape[0],
                "width": doc.shape[1], "model": doc.model.to_dict(), "has_image": doc.image is not None}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("manifest.json", json.dumps(manifest, indent=2), compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("labels.png", label_map_png_bytes(doc.labels, doc.model.palette))
        # Noise is Gaussian and does not compress; storing it keeps save and open fast.
        z.writestr("noise.npy", _npy_bytes(doc.noise), compress_type=zipfile.ZIP_STORED)
        z.writestr("locked.npy", _npy_bytes(doc.locked), compress_type=zipfile.ZIP_DEFLATED)
        if doc.image is not None:
            z.writestr("image.png", encode_png(Image.fromarray(doc.image, "RGB")))
    return buf.getvalue()


def save_project(path: Path, doc: LabelDocument) -> None:
    atomic_write_bytes(Path(path), project_bytes(doc))


def _member(z: zipfile.ZipFile, name: str, path: Path) -> bytes:
    try:
        info = z.getinfo(name)
    except KeyError:
        raise InputError(f"project is missing {name}", path) from None
    if info.file_size > MAX_MEMBER_BYTES:
        raise InputError(f"{name} is implausibly large ({info.file_size} bytes)", path)
    return z.read(name)


def _npy(z, name, path) -> np.ndarray:
    try:
        return np.load(io.BytesIO(_member(z, name, path)), allow_pickle=False)
    except ValueError as e:
        raise InputError(f"{name} is not a plain numpy array ({str(e)[:100]})", path) from None
    except InputError:
        raise
    except Exception as e:  # numpy parses the header with ast: any failure means a damaged member
        raise InputError(f"{name} is a damaged numpy array ({e.__class__.__name__})", path) from None


def _png(z, name, path, mode) -> np.ndarray:
    try:
        im = Image.open(io.BytesIO(_member(z, name, path)))
        im.load()
    except (OSError, SyntaxError, ValueError) as e:
        raise InputError(f"{name} is not a readable PNG ({str(e)[:100]})", path) from None
    if im.mode != mode:
        raise InputError(f"{name} has mode {im.mode}, expected {mode}", path)
    return np.asarray(im)


def load_project(path: Path) -> LabelDocument:
    path = Path(path)
    if not path.is_file():
        raise InputError("project file not found", path)
    try:
        with zipfile.ZipFile(path) as z:
            try:
                manifest = json.loads(_member(z, "manifest.json", path).decode("utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise InputError("manifest.json is not valid JSON", path) from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise InputError("not an OASIS Studio project (manifest format)", path)
            version = manifest.get("version")
            if isinstance(version, bool) or not isinstance(version, int):
                raise InputError(f"project version must be an integer, got {version!r}", path)
            if version > VERSION:
                raise InputError(f"project version {version} is newer than this app reads", path)
            model = ModelReference.from_dict(manifest.get("model", {}), path)
            labels = _png(z, "labels.png", path, "P").astype(np.uint8)
            noise = _npy(z, "noise.npy", path)
            locked = _npy(z, "locked.npy", path)
            image = _png(z, "image.png", path, "RGB").copy() if manifest.get("has_image") else None
            seed = manifest.get("seed")
            if isinstance(seed, bool) or not isinstance(seed, int):  # JSON true/false are ints to Python
                raise InputError(f"seed must be an integer, got {seed!r}", path)
    except zipfile.BadZipFile:
        raise InputError("not a project file (not a zip archive)", path) from None
    except (zlib.error, EOFError, NotImplementedError, RuntimeError) as e:  # damaged or unsupported zip member
        raise InputError(f"damaged project archive ({e.__class__.__name__}: {str(e)[:100]})", path) from None
    doc = LabelDocument(labels=np.array(labels), noise=np.array(noise), seed=seed, locked=np.array(locked),
                        model=model, image=image)
    try:
        doc.check()
    except InputError as e:
        raise InputError(str(e), path) from None
    return doc
