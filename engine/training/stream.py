"""Training batches streamed from disk through a torch DataLoader, the same for 1 or N processes.

Every training sample has a key (iteration, slot): `slot` is its place in the *global* batch of that
iteration. Which file it shows comes from a per-epoch permutation (torch's DistributedSampler: process
r of N takes permutation positions r, r+N, ..., so its i-th sample has slot i*N + r), and all of its
augmentation draws come from a random generator seeded by (seed, iteration, slot). A global batch is
therefore the same whether one process loads all of it or N processes load a share each, and a run
resumed at iteration t with another process count draws the same samples. Workers only read and cut
pictures; they hold nothing but the file list.

Two augmentations:
- "ours": a random scale such that the photo's short side maps to `frame * zoom` pixels with zoom in
  [min_zoom, max_zoom] (1..3 = from the whole scene at model scale to 3x closer), a random crop of the
  training size at that scale (only the window is resized: high-resolution photos stay cheap), a
  horizontal flip and, for some samples, one class region of another photo pasted in (copy-paste);
- "public": the public OASIS loaders' resize to `load_scale` x the training size (bicubic image,
  nearest labels), a random crop of the training size and a flip.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from ..datasets.readers import DatasetSource, read_pair

CROP_MODES = ("ours", "public")


@dataclass(frozen=True)
class CropSettings:
    mode: str  # "ours" or "public"
    height: int  # training crop
    width: int
    frame: int = 256  # ours: the model-scale short side (zoom 1)
    min_zoom: float = 1.0
    max_zoom: float = 3.0
    flip: bool = True
    copy_paste_prob: float = 0.3  # ours only
    load_scale: float = 286 / 256  # public only


class FileSource:
    """Pairs read from disk on demand (the readers' file list), decoded pairs kept in memory up to
    `cache_bytes`: decoding one high-resolution landscape pair (PNG, ~1536 x 2400) takes ~0.5 s, more
    than a training step's share of the work, and the same few dozen photos are read again and again.
    Labels are cached as uint8 when the classes fit (8x smaller). Each DataLoader worker has its own."""

    def __init__(self, source: DatasetSource, cache_bytes: int = 2 << 30):
        self.samples, self.coding = source.samples, source.coding
        self.cache_bytes, self._cached_bytes = cache_bytes, 0
        self._cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self.samples)

    def read(self, i: int):
        hit = self._cache.get(i)
        if hit is not None:
            return hit[0], hit[1].astype(np.int64)
        image, labels = read_pair(self.samples[i], self.coding)
        small = labels.astype(np.uint8) if labels.size and 0 <= labels.min() and labels.max() < 256 else labels
        size = image.nbytes + small.nbytes
        if self._cached_bytes + size <= self.cache_bytes:
            self._cache[i] = (image, small)
            self._cached_bytes += size
        return image, labels

    def name(self, i: int) -> str:
        return self.samples[i].name


class MemorySource:
    """Pairs already in memory (engine.training.data.load_pairs: a few dozen photos)."""

    def __init__(self, pairs):
        self.pairs = pairs

    def __len__(self) -> int:
        return len(self.pairs)

    def read(self, i: int):
        return self.pairs[i].image, self.pairs[i].labels

    def name(self, i: int) -> str:
        return self.pairs[i].name


def _resize_pair(image, labels, height, width):
    shrink = image.shape[0] > height and image.shape[1] > width
    image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    labels = cv2.resize(labels.astype(np.uint8 if labels.max(initial=0) < 256 else np.uint16), (width, height),
                        interpolation=cv2.INTER_NEAREST).astype(np.int64)
    return image, labels


def crop_ours(image, labels, s: CropSettings, rng: np.random.Generator):
    h, w = labels.shape
    zoom = rng.uniform(s.min_zoom, s.max_zoom)
    scale = s.frame * zoom / min(h, w)  # model pixels per photo pixel
    wh = max(8, min(h, int(round(s.height / scale))))  # the window, in photo pixels
    ww = max(8, min(w, int(round(s.width / scale))))
    y = int(rng.integers(0, h - wh + 1))
    x = int(rng.integers(0, w - ww + 1))
    image, labels = _resize_pair(image[y:y + wh, x:x + ww], labels[y:y + wh, x:x + ww], s.height, s.width)
    if s.flip and rng.random() < 0.5:
        image, labels = image[:, ::-1], labels[:, ::-1]
    return image, labels


def crop_public(image, labels, s: CropSettings, rng: np.random.Generator):
    lh, lw = max(s.height, round(s.height * s.load_scale)), max(s.width, round(s.width * s.load_scale))
    image = cv2.resize(image, (lw, lh), interpolation=cv2.INTER_CUBIC)
    labels = cv2.resize(labels.astype(np.uint8 if labels.max(initial=0) < 256 else np.uint16), (lw, lh),
                        interpolation=cv2.INTER_NEAREST).astype(np.int64)
    y = int(rng.integers(0, lh - s.height + 1))
    x = int(rng.integers(0, lw - s.width + 1))
    image, labels = image[y:y + s.height, x:x + s.width], labels[y:y + s.height, x:x + s.width]
    if s.flip and rng.random() < 0.5:
        image, labels = image[:, ::-1], labels[:, ::-1]
    return image, labels


class CropDataset(Dataset):
    """Map-style dataset whose keys are (data index, iteration, slot): one augmented sample per key,
    as uint8 3 x H x W and int64 H x W."""

    def __init__(self, source, crop: CropSettings, seed: int, unknown_index: int | None = 0, stream: int = 0):
        self.source, self.crop, self.seed, self.unknown_index, self.stream = source, crop, seed, unknown_index, stream

    def __len__(self) -> int:
        return len(self.source)

    def rng(self, iteration: int, slot: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.stream, iteration, slot])

    def _cut(self, i, rng):
        image, labels = self.source.read(i)
        cut = crop_public if self.crop.mode == "public" else crop_ours
        return cut(image, labels, self.crop, rng)

    def __getitem__(self, key):
        i, iteration, slot = key
        rng = self.rng(iteration, slot)
        image, labels = self._cut(i, rng)
        if self.crop.mode == "ours" and len(self.source) > 1 and rng.random() < self.crop.copy_paste_prob:
            image, labels = self._copy_paste(image, labels, rng)
        image = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1)))
        return image, torch.from_numpy(np.ascontiguousarray(labels))

    def _copy_paste(self, image, labels, rng):
        """Every pixel of one class of another photo's crop (same position) over this crop."""
        d_image, d_labels = self._cut(int(rng.integers(len(self.source))), rng)
        classes = [c for c in np.unique(d_labels) if c != self.unknown_index]
        if not classes:
            return image, labels
        c = classes[int(rng.integers(len(classes)))]
        mask = d_labels == c
        image, labels = image.copy(), labels.copy()
        image[mask], labels[mask] = d_image[mask], c
        return image, labels


class _Indices:
    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n


class GlobalBatchSampler:
    """This process's share of every global batch from `start` to `stop` (exclusive), as lists of keys.

    Epochs run over max(n, global batch) positions (a dataset smaller than one batch repeats) and
    drop the incomplete last batch, so an epoch is the same number of iterations for any process count.
    """

    def __init__(self, n: int, global_batch: int, rank: int, world: int, seed: int, start: int, stop: int):
        if global_batch % world:
            raise ValueError(f"global batch {global_batch} is not divisible by {world} processes")
        self.n, self.b, self.rank, self.world = n, global_batch // world, rank, world
        self.start, self.stop = start, stop
        length = n * math.ceil(global_batch / n)
        self.per_epoch = length // global_batch
        # DistributedSampler only asks its dataset for len()
        self.shards: DistributedSampler = DistributedSampler(_Indices(length), num_replicas=world, rank=rank,  # type: ignore[arg-type]
                                                             shuffle=True, seed=seed, drop_last=True)

    def __len__(self) -> int:
        return max(0, self.stop - self.start)

    def __iter__(self):
        t = self.start
        while t < self.stop:
            epoch, offset = divmod(t, self.per_epoch)
            self.shards.set_epoch(epoch)
            shard = list(self.shards)
            for j in range(offset, self.per_epoch):
                if t >= self.stop:
                    return
                chunk = shard[j * self.b:(j + 1) * self.b]
                yield [(i % self.n, t, k * self.world + self.rank) for k, i in enumerate(chunk)]
                t += 1


def batch_loader(dataset: CropDataset, sampler: GlobalBatchSampler, workers: int, pin_memory: bool) -> DataLoader:
    # own generator: the loader's worker base seed must not consume the global torch RNG (resumption)
    return DataLoader(dataset, batch_sampler=sampler, num_workers=workers, pin_memory=pin_memory,
                      persistent_workers=False, prefetch_factor=2 if workers else None,
                      generator=torch.Generator().manual_seed(0))


def to_model_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 B x 3 x H x W -> float32 in [-1, 1] (the same arithmetic as the in-memory sampler had)."""
    return images.float() / 127.5 - 1.0
