"""Training inputs: one image, a folder of images, or a video (+ optional indexed-PNG masks).

Masks are palette ('P') or greyscale ('L') PNGs whose pixel values are object indices
(0 = background). N = max index + 1 over all masks, so indices are consistent across frames.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from ..errors import InputError
from ..imagefiles import MAX_PIXELS, open_picture
from .errors import OneShotInputError

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
VIDEO_EXTENSIONS = {".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg"}
MASK_MODES = {"P", "L", "I", "I;16"}


@dataclass
class TrainingInputs:
    names: list[str]  # one name per frame (file stem or video frame index)
    images: list[np.ndarray]  # (H, W, 3) uint8 RGB
    masks: list[np.ndarray] | None  # (H, W) uint8/int index maps
    num_mask_channels: int  # N (0 without masks)

    @property
    def size(self) -> tuple[int, int]:
        return self.images[0].shape[:2]


def _open(path: str) -> Image.Image:
    """engine.imagefiles.open_picture (pixel cap, truncated/corrupt files) with this module's error type."""
    try:
        return open_picture(Path(path))
    except InputError as e:
        raise OneShotInputError(str(e)) from None


def read_image(path: str) -> np.ndarray:
    with _open(path) as im:
        return np.asarray(im.convert("RGB"))


def read_mask(path: str) -> np.ndarray:
    with _open(path) as im:
        if im.mode not in MASK_MODES:
            raise OneShotInputError(
                f"{path}: mask must be an indexed PNG (palette or greyscale), got mode {im.mode}")
        m = np.asarray(im).astype(np.int64)
    if m.min() < 0 or m.max() > 255:
        raise OneShotInputError(f"{path}: mask indices must be in 0..255")
    return m.astype(np.uint8)


def read_video(path: str, max_frames: int) -> tuple[list[str], list[np.ndarray], int]:
    """Evenly sample at most max_frames frames. Returns (names, frames, total frame count).

    Two sequential passes (seeking is unreliable across codecs): the first counts frames without
    keeping them, the second keeps only the chosen ones, so a long video never fills the memory.
    """
    def frames_of():
        cap = cv2.VideoCapture(path)
        if not cap.isOpened():
            raise OneShotInputError(f"{path}: cannot open video (not a video file or an unsupported codec)")
        try:
            while True:
                ok, frame = cap.read()
                if not ok or frame is None:
                    return
                if frame.ndim != 3 or frame.shape[0] * frame.shape[1] > MAX_PIXELS:
                    raise OneShotInputError(f"{path}: video frame of shape {frame.shape} is not a picture "
                                            f"of at most {MAX_PIXELS} pixels")
                yield frame
        finally:
            cap.release()

    total = sum(1 for _ in frames_of())
    if not total:
        raise OneShotInputError(f"{path}: video has no readable frames")
    keep = np.unique(np.linspace(0, total - 1, min(max_frames, total)).round().astype(int))
    wanted, frames = set(int(i) for i in keep), []
    for i, frame in enumerate(frames_of()):
        if i in wanted:
            frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    if len(frames) != len(keep):
        raise OneShotInputError(f"{path}: video decoded {total} frames, then fewer on the second pass (damaged file?)")
    return [f"{i:06d}" for i in keep], frames, total


def _list_images(folder: str) -> list[str]:
    files = sorted(f for f in os.listdir(folder)
                   if os.path.splitext(f)[1].lower() in IMAGE_EXTENSIONS)
    if not files:
        raise OneShotInputError(f"{folder}: folder contains no images")
    return [os.path.join(folder, f) for f in files]


def _mask_paths_for(names: list[str], masks: str, video_total: int | None) -> list[str]:
    if os.path.isfile(masks):
        if len(names) != 1:
            raise OneShotInputError(f"{masks}: a single mask file needs a single image; "
                                    f"give a folder of masks for {len(names)} frames")
        return [masks]
    if not os.path.isdir(masks):
        raise OneShotInputError(f"{masks}: mask path not found")
    if video_total is not None:
        pngs = sorted(f for f in os.listdir(masks) if f.lower().endswith(".png"))
        if len(pngs) != video_total:
            raise OneShotInputError(f"{masks}: {len(pngs)} mask PNGs for a video of {video_total}"
                                    " frames (one mask per frame, sorted by name, is required)")
        return [os.path.join(masks, pngs[int(n)]) for n in names]
    paths = []
    for name in names:
        path = os.path.join(masks, name + ".png")
        if not os.path.isfile(path):
            raise OneShotInputError(f"{path}: missing mask for image '{name}'")
        paths.append(path)
    return paths


def load_inputs(images: str, masks: str | None = None, max_frames: int = 100) -> TrainingInputs:
    if not os.path.exists(images):
        raise OneShotInputError(f"{images}: file not found")
    video_total = None
    if os.path.isdir(images):
        paths = _list_images(images)
        if max_frames and len(paths) > max_frames:  # evenly spaced, like video frames
            keep = np.unique(np.linspace(0, len(paths) - 1, max_frames).round().astype(int))
            paths = [paths[i] for i in keep]
        names = [os.path.splitext(os.path.basename(p))[0] for p in paths]
        frames = [read_image(p) for p in paths]
    elif os.path.splitext(images)[1].lower() in VIDEO_EXTENSIONS:
        names, frames, video_total = read_video(images, max_frames)
        paths = [f"{images}#frame{n}" for n in names]
    else:
        paths, names, frames = [images], [os.path.splitext(os.path.basename(images))[0]], [read_image(images)]
    size = frames[0].shape[:2]
    for p, f in zip(paths, frames, strict=True):
        if f.shape[:2] != size:
            raise OneShotInputError(f"{p}: size {f.shape[1]}x{f.shape[0]} differs from "
                                    f"{size[1]}x{size[0]} of the first image")
    mask_arrays, n = None, 0
    if masks:
        mask_paths = _mask_paths_for(names, masks, video_total)
        mask_arrays = []
        for p in mask_paths:
            m = read_mask(p)
            if m.shape != size:
                raise OneShotInputError(f"{p}: mask size {m.shape[1]}x{m.shape[0]} differs from "
                                        f"image size {size[1]}x{size[0]}")
            mask_arrays.append(m)
        n = int(max(m.max() for m in mask_arrays)) + 1
        if n < 2:
            raise OneShotInputError(f"{mask_paths[0]}: mask contains only background (index 0)")
    return TrainingInputs(names, frames, mask_arrays, n)


def resize_inputs(inputs: TrainingInputs, train_hw: tuple[int, int]) -> tuple[np.ndarray, np.ndarray | None]:
    """Resize to the training resolution: images (F, H, W, 3) uint8, masks (F, H, W) uint8."""
    h, w = train_hw
    imgs = np.stack([cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in inputs.images])
    masks = None
    if inputs.masks is not None:
        masks = np.stack([cv2.resize(m, (w, h), interpolation=cv2.INTER_NEAREST) for m in inputs.masks])
    return imgs, masks
