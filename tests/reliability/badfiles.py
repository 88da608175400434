"""Builders of bad input files, shared by the CLI and GUI tests (each returns the path it made)."""

from __future__ import annotations

import json
import shutil
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image


def png_header_only(path: Path, width: int, height: int, mode_byte: int = 3) -> Path:
    """A PNG whose IHDR claims width x height (a decompression bomb / absurd size) with a tiny IDAT."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, mode_byte, 0, 0, 0)
    plte = bytes(range(3 * 4))
    body = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + (chunk(b"PLTE", plte) if mode_byte == 3 else b"")
    body += chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    path.write_bytes(body)
    return path


def indexed_png(path: Path, labels: np.ndarray) -> Path:
    im = Image.fromarray(labels.astype(np.uint8), mode="P")
    im.putpalette(list(range(256)) * 3)
    im.save(path)
    return path


def rgb_png(path: Path, h=64, w=64) -> Path:
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (h, w, 3), dtype=np.uint8)).save(path)
    return path


def truncated(path: Path, src: Path, keep: float = 0.5) -> Path:
    data = Path(src).read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def garbage(path: Path, size: int = 300) -> Path:
    path.write_bytes(np.random.default_rng(1).integers(0, 256, size, dtype=np.uint8).tobytes())
    return path


def copy_model(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def edit_config(model: Path, fn) -> Path:
    cfg = json.loads((model / "config.json").read_text())
    fn(cfg)
    (model / "config.json").write_text(json.dumps(cfg))
    return model


def edit_weights(model: Path, fn, name="generator.safetensors") -> Path:
    from safetensors.torch import load_file, save_file

    state = load_file(str(model / name))
    fn(state)
    save_file(state, str(model / name))
    return model
