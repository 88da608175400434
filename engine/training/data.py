"""Training pairs (photo, label map) in memory, and the batch sampler with the data-side augmentation.

A few dozen photos fit in memory as uint8; every batch is cut from them with a random scale, a random
crop and a horizontal flip, and some batches get a labelled region copied in from another photo so the
generator sees layouts that no photo has (copy-paste). All randomness comes from one numpy Generator
whose state is saved in checkpoints, so a resumed run draws the same batches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import InputError
from ..imagefiles import read_label_map, read_picture

PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


@dataclass
class TrainingPair:
    name: str
    image: np.ndarray  # H x W x 3 uint8
    labels: np.ndarray  # H x W int64 class indices


def load_pairs(photo_dir: Path, labels_dir: Path, num_classes: int, manifest: Path | None = None,
               split: str | None = "train") -> list[TrainingPair]:
    """Pair every label map in `labels_dir` with the photo of the same stem in `photo_dir`.

    Label maps decide which photos take part (a photo without labels cannot be used); with a manifest,
    only photos of the given split are kept.
    """
    photo_dir, labels_dir = Path(photo_dir), Path(labels_dir)
    if not photo_dir.is_dir():
        raise InputError("photo folder not found", photo_dir)
    if not labels_dir.is_dir():
        raise InputError("label folder not found", labels_dir)
    allowed = None
    if manifest is not None and split is not None:
        try:
            photos = json.loads(Path(manifest).read_text())["photos"]
        except (OSError, ValueError, KeyError) as e:
            raise InputError(f"cannot read the photo list ({e.__class__.__name__})", manifest) from None
        allowed = {p["id"] for p in photos if p.get("split") == split}
    pairs = []
    for label_path in sorted(labels_dir.glob("*.png")):
        name = label_path.stem
        if allowed is not None and name not in allowed:
            continue
        photo_path = next((photo_dir / (name + s) for s in PHOTO_SUFFIXES if (photo_dir / (name + s)).is_file()), None)
        if photo_path is None:
            continue  # labelled but the photo is not built (yet)
        image, labels = read_picture(photo_path), read_label_map(label_path).astype(np.int64)
        if image.shape[:2] != labels.shape:
            raise InputError(f"label map is {labels.shape[1]}x{labels.shape[0]} but the photo is "
                             f"{image.shape[1]}x{image.shape[0]}", label_path)
        if labels.max() >= num_classes:
            raise InputError(f"class index {int(labels.max())} out of range (0..{num_classes - 1})", label_path)
        pairs.append(TrainingPair(name, np.ascontiguousarray(image[..., :3]), labels))
    if not pairs:
        raise InputError(f"no photo has a label map here (labels from {labels_dir})", photo_dir)
    return pairs


@dataclass(frozen=True)
class SamplerSettings:
    """A photo's short side is shown to the model at `frame` pixels (the model's output size) times a
    random zoom; training crops are `crop` x `crop` windows at that scale. Crops smaller than the frame
    make an iteration much cheaper; the networks are fully convolutional, so a generator trained on
    crops renders whole frames at the same object scale."""

    crop: int  # square training crop side, a multiple of 32
    frame: int  # model output side a photo's short side corresponds to
    min_zoom: float = 0.9
    max_zoom: float = 1.3
    flip: bool = True
    copy_paste_prob: float = 0.3  # probability that a crop gets a class region of another photo


class BatchSampler:
    def __init__(self, pairs: list[TrainingPair], settings: SamplerSettings, rng: np.random.Generator):
        self.pairs, self.s, self.rng = pairs, settings, rng

    def _crop(self, pair: TrainingPair) -> tuple[np.ndarray, np.ndarray]:
        h, w = pair.labels.shape
        zoom = self.rng.uniform(self.s.min_zoom, self.s.max_zoom)
        side = int(round(self.s.crop * min(h, w) / (self.s.frame * zoom)))  # crop side in photo pixels
        side = max(8, min(side, h, w))
        y = int(self.rng.integers(0, h - side + 1))
        x = int(self.rng.integers(0, w - side + 1))
        image = pair.image[y:y + side, x:x + side]
        labels = pair.labels[y:y + side, x:x + side]
        n = self.s.crop
        # area filter when shrinking keeps photo detail honest; labels stay crisp with nearest
        interp = cv2.INTER_AREA if side > n else cv2.INTER_LINEAR
        image = cv2.resize(image, (n, n), interpolation=interp)
        labels = cv2.resize(labels.astype(np.uint8), (n, n), interpolation=cv2.INTER_NEAREST).astype(np.int64)
        if self.s.flip and self.rng.random() < 0.5:
            image, labels = image[:, ::-1], labels[:, ::-1]
        return np.ascontiguousarray(image), np.ascontiguousarray(labels)

    def _copy_paste(self, image, labels, unknown_index: int | None):
        """Paste every pixel of one class of another photo's crop (same position) over this crop."""
        donor = self.pairs[int(self.rng.integers(len(self.pairs)))]
        d_image, d_labels = self._crop(donor)
        classes = [c for c in np.unique(d_labels) if c != unknown_index]
        if not classes:
            return image, labels
        c = classes[int(self.rng.integers(len(classes)))]
        mask = d_labels == c
        image, labels = image.copy(), labels.copy()
        image[mask], labels[mask] = d_image[mask], c
        return image, labels

    def sample(self, batch_size: int, unknown_index: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
        """B x 3 x S x S float32 in [-1, 1] and B x S x S int64."""
        images, labels = [], []
        for _ in range(batch_size):
            pair = self.pairs[int(self.rng.integers(len(self.pairs)))]
            im, lab = self._crop(pair)
            if len(self.pairs) > 1 and self.rng.random() < self.s.copy_paste_prob:
                im, lab = self._copy_paste(im, lab, unknown_index)
            images.append(im)
            labels.append(lab)
        x = np.stack(images).astype(np.float32).transpose(0, 3, 1, 2) / 127.5 - 1.0
        return np.ascontiguousarray(x), np.stack(labels)
