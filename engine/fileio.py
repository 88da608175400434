"""Atomic file writes: a crash or a full disk never leaves a half-written file in place of a good one."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

PathLike = str | os.PathLike[str]


def named_for(error: OSError, path: PathLike) -> OSError:
    """The same error naming the file the user asked for, not our hidden temporary sibling
    (`.image.png.x1y2.tmp: Permission denied` would send them looking for a file that never existed)."""
    return type(error)(error.errno, error.strerror or str(error), str(path))


def current_umask() -> int:
    try:  # Linux reports it without changing it; os.umask() can only read it by setting it (racy in threads)
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def mode_for(path: PathLike, new_mode: int = 0o666) -> int:
    """The permission bits a file or folder written at `path` gets: those of the one it replaces, or
    for a new one what open() / mkdir() would give (`new_mode` less the umask). mkstemp and mkdtemp
    make everything 0600 / 0700, which would leave exported images and projects private."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return new_mode & ~current_umask()


def atomic_write_bytes(path: PathLike, data: bytes) -> None:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = mode_for(path)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise named_for(e, path) from e
    try:
        os.fchmod(fd, mode)
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
