"""How much a locked region changes when the rest is reseeded: noise lock alone against the kept look.

    python -m tests.tools.locked_look_report [--model resources/default_model] [--seeds 8]

For each layout (a real label map of resources/landscapes, centre-cropped and scaled to the model's
size) the sky is locked, the image for seed 0 is made, and for each new seed the mean absolute pixel
change (grey levels 0-255, averaged over the three channels) is printed inside the lock, on the seam
(`SEAM_PX` pixels outside it), and in the rest; also the change with no lock at all. "noise lock"
is the raw generator output (what the editor showed before), "kept look" is the editor's composition
(editor/document/locked_look.py). All numbers of a row come from the same images.
"""

from __future__ import annotations

import argparse
import platform
from pathlib import Path

import numpy as np
from PIL import Image

from editor.document.label_document import seed_noise_map
from editor.document.locked_look import SEAM_PX, LockedLook, keep_weights
from engine.api import load_model
from engine.fast import inference
from engine.imagefiles import image_to_uint8

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = ("hill_sunset", "dune")  # held out of training, both with a large sky
SKY = 1


def layout(name: str, height: int, width: int) -> np.ndarray:
    labels = np.array(Image.open(ROOT / "resources/landscapes/labels" / f"{name}.png"))
    h, w = labels.shape
    scale = min(h / height, w / width)
    ch, cw = int(height * scale), int(width * scale)
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    crop = Image.fromarray(labels[y0:y0 + ch, x0:x0 + cw])
    return np.array(crop.resize((width, height), Image.Resampling.NEAREST))


def change(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean(axis=2)[where].mean())


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                flags = Path("/proc/cpuinfo").read_text()
                return line.split(":", 1)[1].strip() + (" (AMX bf16)" if "amx_bf16" in flags else " (no AMX)")
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(ROOT / "resources/default_model"))
    ap.add_argument("--seeds", type=int, default=8, help="new seeds per layout")
    ap.add_argument("--precision", default="fp32", choices=("fp32", "auto"))
    args = ap.parse_args(argv)
    model = load_model(args.model)
    cfg = model.config
    z, h, w = cfg.z_dim, cfg.height, cfg.width
    print(f"model {args.model}, {h}x{w}, precision {args.precision}, CPU {cpu_name()}")
    print("layout        sky%  | noise lock: inside  seam  outside | kept look: inside  seam  outside "
          "| no lock: everywhere")
    for name in LAYOUTS:
        labels = layout(name, h, w)
        locked = labels == SKY
        weights = keep_weights(locked, labels, labels)
        assert weights is not None, f"{name}: no sky to lock"
        seam = (weights > 0) & (weights < 1)
        outside = ~locked & ~seam
        base_noise = seed_noise_map(z, h, w, 0)
        before = image_to_uint8(inference.generate(model, labels, base_noise, args.precision))
        rows = []
        for seed in range(1, args.seeds + 1):
            free = seed_noise_map(z, h, w, seed)
            noise = free.copy()
            noise[:, locked] = base_noise[:, locked]
            raw = image_to_uint8(inference.generate(model, labels, noise, args.precision))
            unlocked = image_to_uint8(inference.generate(model, labels, free, args.precision))
            look = LockedLook()
            look.remember(before, labels)
            kept = look.compose(raw, look.request(labels, locked, before, labels))
            rows.append([change(raw, before, locked), change(raw, before, seam), change(raw, before, outside),
                         change(kept, before, locked), change(kept, before, seam), change(kept, before, outside),
                         change(unlocked, before, np.ones_like(locked))])
        m = np.mean(rows, axis=0)
        print(f"{name:12s} {100 * locked.mean():5.1f} | {m[0]:17.1f} {m[1]:5.1f} {m[2]:8.1f} | {m[3]:16.1f} "
              f"{m[4]:5.1f} {m[5]:8.1f} | {m[6]:8.1f}")
        print(f"{'':12s}       | inside/outside {m[0] / m[2]:.2f}              | inside/outside "
              f"{m[3] / m[5]:.2f}  (seam {SEAM_PX} px, {args.seeds} seeds)")


if __name__ == "__main__":
    main()
