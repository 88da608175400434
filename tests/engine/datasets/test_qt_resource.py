"""Reading photos out of compiled Qt resource archives (.rcc), as GCompris ships them."""

import struct
import zlib

import pytest

from engine.datasets.qt_resource import read_member
from engine.errors import InputError


def _rcc(files: dict[str, tuple[bytes, bool]], version: int = 2) -> bytes:
    """A minimal archive in Qt's rcc layout: root -> 'res' folder -> files (optionally zlib)."""
    names, name_offsets = b"", {}
    for name in ["res", *files]:
        name_offsets[name] = len(names)
        encoded = name.encode("utf-16-be")
        names += struct.pack(">HI", len(name), 0) + encoded
    data, data_offsets = b"", {}
    for name, (payload, compress) in files.items():
        data_offsets[name] = len(data)
        block = struct.pack(">I", len(payload)) + zlib.compress(payload) if compress else payload
        data += struct.pack(">I", len(block)) + block
    extra = b"\0" * 8 if version >= 2 else b""
    tree = struct.pack(">IHII", 0, 2, 1, 1) + extra  # root: one child, at index 1
    tree += struct.pack(">IHII", name_offsets["res"], 2, len(files), 2) + extra
    for name, (_, compress) in files.items():
        tree += struct.pack(">IHHHI", name_offsets[name], 1 if compress else 0, 0, 0, data_offsets[name]) + extra
    header_size = 20
    tree_at, data_at = header_size, header_size + len(tree)
    names_at = data_at + len(data)
    return b"qres" + struct.pack(">IIII", version, tree_at, data_at, names_at) + tree + data + names


@pytest.mark.parametrize("version", [1, 2])
def test_reads_plain_and_compressed_members(tmp_path, version):
    archive = tmp_path / "photos.rcc"
    archive.write_bytes(_rcc({"a.webp": (b"plain bytes", False), "b.txt": (b"squeezed " * 20, True)}, version))
    assert read_member(archive, "/res/a.webp") == b"plain bytes"
    assert read_member(archive, "/res/b.txt") == b"squeezed " * 20


def test_missing_member_and_wrong_file_are_named(tmp_path):
    archive = tmp_path / "photos.rcc"
    archive.write_bytes(_rcc({"a.webp": (b"x", False)}))
    with pytest.raises(InputError, match="/res/nope.webp is not in the resource archive"):
        read_member(archive, "/res/nope.webp")
    with pytest.raises(InputError, match="is a folder"):
        read_member(archive, "/res")
    other = tmp_path / "not.rcc"
    other.write_bytes(b"PK\x03\x04 a zip")
    with pytest.raises(InputError, match="not a compiled Qt resource archive"):
        read_member(other, "/res/a.webp")
