"""Reads one file out of a compiled Qt resource archive (.rcc), as shipped by e.g. GCompris.

Some Debian packages keep their photos inside such archives rather than as loose files. The format:
a "qres" header (version, then offsets of the entry tree, the data blocks and the names), a tree of
fixed-size entries (directory: child count + first child index; file: data offset), names stored as
UTF-16 with a length and a hash, and data blocks prefixed by their length -- zlib-compressed ones
additionally by their uncompressed length.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from engine.errors import InputError

_DIRECTORY, _COMPRESSED = 0x02, 0x01


def read_member(archive: Path, member: str) -> bytes:
    """The bytes of `member` (e.g. '/gcompris/src/.../photo.webp') inside the .rcc file `archive`."""
    blob = Path(archive).read_bytes()
    if blob[:4] != b"qres" or len(blob) < 20:
        raise InputError("not a compiled Qt resource archive", archive)
    version, tree, data, names = struct.unpack(">IIII", blob[4:20])
    entry_size = 14 if version == 1 else 22  # version 2+ adds a modification time to each entry

    def name(offset: int) -> str:
        length = struct.unpack(">H", blob[names + offset:names + offset + 2])[0]
        start = names + offset + 6  # after the length and a 4-byte hash
        return blob[start:start + 2 * length].decode("utf-16-be")

    index = 0  # the root directory
    parts = [p for p in member.split("/") if p]
    for depth, part in enumerate(parts):
        entry = tree + index * entry_size
        flags = struct.unpack(">H", blob[entry + 4:entry + 6])[0]
        if not flags & _DIRECTORY:
            raise InputError(f"{'/'.join(parts[:depth])} is a file, not a folder, in the resource archive", archive)
        count, first = struct.unpack(">II", blob[entry + 6:entry + 14])
        for child in range(first, first + count):
            if name(struct.unpack(">I", blob[tree + child * entry_size:tree + child * entry_size + 4])[0]) == part:
                index = child
                break
        else:
            raise InputError(f"{member} is not in the resource archive", archive)
    entry = tree + index * entry_size
    flags = struct.unpack(">H", blob[entry + 4:entry + 6])[0]
    if flags & _DIRECTORY:
        raise InputError(f"{member} is a folder in the resource archive", archive)
    offset = data + struct.unpack(">I", blob[entry + 10:entry + 14])[0]
    length = struct.unpack(">I", blob[offset:offset + 4])[0]
    payload = blob[offset + 4:offset + 4 + length]
    return zlib.decompress(payload[4:]) if flags & _COMPRESSED else payload
