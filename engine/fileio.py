"""Atomic file writes: a crash or a full disk never leaves a half-written file in place of a good one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PathLike = str | os.PathLike[str]


def named_for(error: OSError, path: PathLike) -> OSError:
    """The same error naming the file the user asked for, not our hidden temporary sibling
    (`.image.png.x1y2.tmp: Permission denied` would send them looking for a file that never existed)."""
    return type(error)(error.errno, error.strerror or str(error), str(path))


def atomic_write_bytes(path: PathLike, data: bytes) -> None:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise named_for(e, path) from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(e, OSError) and e.errno is not None:
            raise named_for(e, path) from e
        raise


def atomic_write_text(path: PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_save_safetensors(tensors: dict, path: PathLike, metadata: dict | None = None) -> None:
    from safetensors.torch import save

    tensors = {k: v.detach().contiguous().cpu() for k, v in tensors.items()}
    atomic_write_bytes(path, save(tensors, metadata=metadata))
