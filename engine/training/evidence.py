"""The evidence issue 14 asks for, for one model folder, cheap enough for a loaded 2-core CPU:

- KID (engine/kid.py) against real crops of the HELD-OUT photos, of images generated from the layouts
  of other held-out crops and from freshly painted layouts (painted_layouts.random_layout), with the
  floor (real crops vs real crops) and two flat-colour baselines beside them: every region of a crop
  painted its own mean colour (knows the photo), and every class painted its mean colour over the
  training photos (what a model that learned one colour per class would draw; also on painted layouts);
- same-layout diversity: mean ST-LPIPS between 4 seeds on the first layouts of both sets;
- streaks/stripes, bright border (stripes.py) and the lattice measure (lattice.py) of both generated
  sets, with the real held-out crops measured the same way as the reference.

Defaults: 100 reference crops, 100 images per compared set, KID over 100 subsets of 50, diversity on
20 + 20 layouts. The model-independent part (real, flat and painted sets and their Inception features)
is cached in an npz keyed by everything it depends on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from ..errors import InputError
from ..imagefiles import image_to_uint8, write_picture
from ..kid import kernel_inception_distance
from .cli import REPO_LANDSCAPES
from .data import TrainingPair, load_pairs
from .lattice import lattice_report
from .painted_layouts import random_layout
from .report import InceptionFeatures, region_mean_colours, sample_real_crops
from .stripes import stripe_report

SEEDS_FOR_DIVERSITY = 4
PICTURE_ROWS = 8


@dataclass(frozen=True)
class EvidenceSettings:
    samples: int = 100  # reference crops, and images per compared set
    kid_subset: int = 50
    kid_subsets: int = 100
    diversity_layouts: int = 20  # per set (held-out, painted), each rendered with 4 seeds
    seed: int = 0


def split_pairs(data: Path, split: str, class_names, labels: Path | None = None,
                manifest: Path | None = None) -> list[TrainingPair]:
    """One split of a dataset: the folder layout DATA/<split>/{classes.json,images,labels}
    (notes/landscape-data-contract.md, read by engine.datasets.readers.read_folder) when it exists,
    else photos in DATA with the bundled labels and manifest. The classes must be the model's."""
    data = Path(data)
    if (data / split / "images").is_dir():
        from ..datasets.readers import read_folder, read_pair

        source = read_folder(data / split)
        if tuple(source.class_names) != tuple(class_names):
            raise InputError(f"the dataset's classes ({', '.join(source.class_names)}) are not the model's "
                             f"({', '.join(class_names)})", data / split)
        pairs = [TrainingPair(smp.name, *read_pair(smp, source.coding)) for smp in source.samples]
    else:
        pairs = load_pairs(data, labels or REPO_LANDSCAPES / "labels", len(class_names),
                           manifest or REPO_LANDSCAPES / "manifest.json", split)
    if len(class_names) <= 256:  # full-resolution photos: int64 labels would take 8 bytes a pixel
        for p in pairs:
            p.labels = p.labels.astype(np.uint8)
    return pairs


def class_mean_colours(pairs, num_classes: int) -> np.ndarray:
    """num_classes x 3 uint8: every class's mean colour over all its pixels in `pairs` (grey if absent)."""
    sums, counts = np.zeros((num_classes, 3)), np.zeros(num_classes)
    for p in pairs:
        lab = p.labels.ravel()
        counts += np.bincount(lab, minlength=num_classes)
        for ch in range(3):
            sums[:, ch] += np.bincount(lab, p.image[..., ch].ravel().astype(np.float64), minlength=num_classes)
    means = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], 128.0)
    return np.rint(means).astype(np.uint8)


def painted_set(class_names, count: int, height: int, width: int, seed: int) -> np.ndarray:
    index = {n: i for i, n in enumerate(class_names)}
    rng = np.random.default_rng(seed)
    side = max(height, width)
    maps = [random_layout(index, rng, side) for _ in range(count)]
    return np.stack([cv2.resize(m, (width, height), interpolation=cv2.INTER_NEAREST) for m in maps]).astype(np.uint8)


def _uint8_crops(pairs, size, count, unknown_index, seed):
    images, labels = sample_real_crops(pairs, size, count, unknown_index, seed)
    return ((images + 1) * 127.5).round().clip(0, 255).astype(np.uint8).transpose(0, 2, 3, 1), labels.astype(np.uint8)


def _digest(pairs) -> str:
    """Of the labels and a 1/8 subsample of the photos: a rebuilt dataset does not reuse stale crops."""
    h = hashlib.blake2b(digest_size=16)
    for p in pairs:
        h.update(p.name.encode())
        h.update(np.ascontiguousarray(p.labels).tobytes())
        h.update(np.ascontiguousarray(p.image[::8, ::8]).tobytes())
    return h.hexdigest()


def reference_sets(cfg, heldout, train, settings: EvidenceSettings, extract, cache: Path | None = None) -> dict:
    """Model-independent sets: held-out real crops A (the KID reference) and B (their layouts are
    rendered; B itself is the floor), B's flat-colour versions, painted layouts and their flat version;
    Inception features of all but the layouts."""
    key = json.dumps({"samples": settings.samples, "seed": settings.seed, "size": [cfg.height, cfg.width],
                      "classes": list(cfg.class_names), "heldout": [p.name for p in heldout],
                      "train": [p.name for p in train], "content": _digest(heldout + train), "version": 2})
    if cache is not None and Path(cache).is_file():
        with np.load(cache) as z:
            if str(z["key"]) == key:
                return {k: z[k] for k in z.files}
    if cfg.height != cfg.width:
        raise ValueError(f"evidence crops are square; the model is {cfg.width}x{cfg.height}")
    n, colours = settings.samples, class_mean_colours(train, cfg.num_classes)
    real_a, _ = _uint8_crops(heldout, cfg.height, n, cfg.unknown_index, settings.seed)
    real_b, labels_b = _uint8_crops(heldout, cfg.height, n, cfg.unknown_index, settings.seed + 1)
    painted = painted_set(cfg.class_names, n, cfg.height, cfg.width, settings.seed + 2)
    flat_own = np.stack([region_mean_colours(im, lab) for im, lab in zip(real_b, labels_b, strict=True)])
    out = {"key": np.array(key), "real_b": real_b, "labels_b": labels_b, "painted_labels": painted,
           "features_real_a": extract(real_a), "features_real_b": extract(real_b),
           "features_flat_own_b": extract(flat_own), "features_flat_class_b": extract(colours[labels_b]),
           "features_flat_class_painted": extract(colours[painted])}
    if cache is not None:
        np.savez(cache, **out)
    return out


def _render(model, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    z = rng.standard_normal(model.config.z_dim).astype(np.float32)
    return image_to_uint8(model.generate(labels.astype(np.int64), z))


def same_layout_diversity(perceptual, renders: list[np.ndarray]) -> float:
    """Mean ST-LPIPS over all seed pairs of each layout; renders[i] = S x H x W x 3 for layout i."""
    i, j = np.triu_indices(len(renders[0]), 1)
    values = []
    with torch.no_grad():
        for r in renders:
            x = torch.from_numpy(r).permute(0, 3, 1, 2).float() / 127.5 - 1
            f = perceptual.features(x)
            values.append(perceptual.distance(f, torch.from_numpy(i), f, torch.from_numpy(j)).mean())
    return float(torch.stack(values).mean())


def _defects(images, labels) -> dict:
    """images: N x H x W x 3 uint8 (lattice.py reads channels first)."""
    lattice = lattice_report([im.transpose(2, 0, 1) for im in images], list(labels))
    return {**stripe_report(images, labels), "lattice_excess": lattice["lattice_excess"]}


def evaluate_evidence(model, heldout, train, settings: EvidenceSettings = EvidenceSettings(), extract=None,
                      perceptual=None, cache: Path | None = None, pictures: Path | None = None) -> dict:
    """All numbers of the module docstring for one loaded model (`model` from engine.api.load_model).
    `pictures`: a folder for PICTURE_ROWS of each set's diversity layouts with their 4 renders
    (evidence_heldout.png, evidence_painted.png) -- what the numbers were measured on."""
    if perceptual is None:
        from ..perceptual import PerceptualDistance  # needs stlpips-pytorch (the metrics extra)

        perceptual = PerceptualDistance()
    extract = extract or InceptionFeatures()
    cfg, s = model.config, settings
    ref = reference_sets(cfg, heldout, train, s, extract, cache)
    rng = np.random.default_rng(s.seed + 3)
    generated = {"heldout": np.stack([_render(model, lab, rng) for lab in ref["labels_b"]]),
                 "painted": np.stack([_render(model, lab, rng) for lab in ref["painted_labels"]])}
    layouts = {"heldout": ref["labels_b"], "painted": ref["painted_labels"]}

    def kid(features):
        return kernel_inception_distance(features, ref["features_real_a"], s.kid_subset, s.kid_subsets, s.seed)

    result = {"settings": {"reference_crops": s.samples, "heldout_photos": [p.name for p in heldout],
                           "compared_images": s.samples, "kid_subset": s.kid_subset, "kid_subsets": s.kid_subsets,
                           "diversity_layouts": s.diversity_layouts, "diversity_seeds": SEEDS_FOR_DIVERSITY},
              "kid": {"heldout_layouts": kid(extract(generated["heldout"])),
                      "painted_layouts": kid(extract(generated["painted"])),
                      "real_floor": kid(ref["features_real_b"]),
                      "flat_own_colours_heldout": kid(ref["features_flat_own_b"]),
                      "flat_class_colours_heldout": kid(ref["features_flat_class_b"]),
                      "flat_class_colours_painted": kid(ref["features_flat_class_painted"])},
              "diversity": {}, "defects": {"real_heldout_crops": _defects(ref["real_b"], ref["labels_b"])}}
    for name in ("heldout", "painted"):
        k = min(s.diversity_layouts, len(layouts[name]))
        renders = [np.stack([generated[name][i]] + [_render(model, layouts[name][i], rng)
                                                    for _ in range(SEEDS_FOR_DIVERSITY - 1)]) for i in range(k)]
        result["diversity"][f"{name}_layouts"] = same_layout_diversity(perceptual, renders)
        if pictures is not None and k:
            palette = np.array(model.config.palette, np.uint8)
            rows = [np.concatenate([palette[layouts[name][i]], *renders[i]], axis=1)
                    for i in range(min(k, PICTURE_ROWS))]
            write_picture(Path(pictures) / f"evidence_{name}.png", np.concatenate(rows, axis=0))
        result["defects"][f"generated_{name}"] = _defects(generated[name], layouts[name])
    return result
