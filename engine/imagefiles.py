"""Reading and writing pictures and label maps, with clear messages for bad files.

Label maps on disk are indexed PNGs (mode P) whose palette holds the class colours, or .npy integer
arrays. Pictures are any format Pillow reads; their pixel count is capped so a decompression bomb is
refused before it is decoded.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from .errors import InputError
from .fileio import atomic_write_bytes

MAX_PIXELS = 64_000_000  # about 8000 x 8000; larger pictures are refused, not decoded


def open_picture(path: Path) -> Image.Image:
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path)
            if im.width * im.height > MAX_PIXELS:
                raise InputError(f"picture is {im.width}x{im.height}, above the limit of {MAX_PIXELS} pixels", path)
            im.load()
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(f"picture exceeds the limit of {MAX_PIXELS} pixels", path) from None
    except UnidentifiedImageError:
        raise InputError("not a picture file Pillow can read", path) from None
    except (OSError, SyntaxError, ValueError) as e:
        raise InputError(f"corrupt or truncated picture ({str(e)[:120]})", path) from None
    return im


def read_picture(path: Path) -> np.ndarray:
    """H x W x 3 uint8 RGB."""
    im = open_picture(path)
    if im.mode not in ("RGB", "RGBA", "L", "P", "LA", "I;16", "I", "CMYK", "YCbCr"):
        raise InputError(f"unsupported picture mode {im.mode}", path)
    return np.asarray(im.convert("RGB"))


def picture_to_model_input(rgb: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize (bicubic, like the public data loader) and scale to 3 x H x W float32 in [-1, 1]."""
    im = Image.fromarray(rgb)
    if im.size != (width, height):
        im = im.resize((width, height), Image.Resampling.BICUBIC)
    arr = np.asarray(im, dtype=np.float32) / 127.5 - 1.0
    return np.ascontiguousarray(arr.transpose(2, 0, 1))


def image_to_uint8(image: np.ndarray) -> np.ndarray:
    """3 x H x W in [-1, 1] -> H x W x 3 uint8 (round to nearest)."""
    arr = (np.clip(image, -1.0, 1.0) + 1.0) * 127.5
    return np.ascontiguousarray(np.rint(arr).astype(np.uint8).transpose(1, 2, 0))


def encode_png(im: Image.Image) -> bytes:
    import io

    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def write_picture(path: Path, rgb: np.ndarray) -> None:
    atomic_write_bytes(Path(path), encode_png(Image.fromarray(rgb)))


def read_label_map(path: Path) -> np.ndarray:
    """H x W int64 class indices from an indexed/greyscale PNG or an integer .npy array."""
    path = Path(path)
    if path.suffix.lower() == ".npy":
        arr = read_npy(path)
        if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.integer):
            raise InputError(f"label array must be 2-D integers, got shape {arr.shape} dtype {arr.dtype}", path)
        return arr.astype(np.int64)
    im = open_picture(path)
    if im.mode in ("P", "L"):
        return np.asarray(im, dtype=np.int64)
    if im.mode in ("I", "I;16"):
        return np.asarray(im).astype(np.int64)
    raise InputError(f"label map must be an indexed (mode P) or greyscale PNG, not mode {im.mode}; "
                     "import colour-coded maps with a colour table", path)


def label_map_png_bytes(labels: np.ndarray, palette) -> bytes:
    if labels.max(initial=0) > 255:
        raise ValueError("indexed PNG holds at most 256 classes")
    im = Image.fromarray(labels.astype(np.uint8), mode="P")
    flat = [v for c in palette for v in c]
    im.putpalette(flat + [0] * (768 - len(flat)))
    return encode_png(im)


def write_label_map(path: Path, labels: np.ndarray, palette) -> None:
    atomic_write_bytes(Path(path), label_map_png_bytes(labels, palette))


def read_npy(path: Path) -> np.ndarray:
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path)
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as e:
        raise InputError(f"not a plain numpy array file ({str(e)[:120]})", path) from None
    except Exception as e:  # numpy parses the header with ast/tokenize: any failure means a damaged file
        raise InputError(f"corrupt or truncated .npy file ({e.__class__.__name__})", path) from None


def write_npy(path: Path, arr: np.ndarray) -> None:
    import io

    buf = io.BytesIO()
    np.save(buf, arr)
    atomic_write_bytes(Path(path), buf.getvalue())
