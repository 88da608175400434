"""Long OASIS training run (tiny preset) that samples the process RSS; NOT part of the test suite.

    nice -n 10 python -m tests.tools.long_memory_run --iterations 3000 --every 25 \
        --csv docs/images/reliability_memory.csv --png docs/images/reliability_memory.png

Checkpoints (with EMA BatchNorm re-collection) and sample grids are written periodically as in a real
run, so leaks in the save path show up too. RSS is read from /proc/self/statm after each sampled step.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def plot(iters, rss, png: Path, title: str) -> None:
    """A line plot with PIL (no matplotlib): axes, ticks, the RSS curve."""
    from PIL import Image, ImageDraw

    w, h, left, right, top, bottom = 900, 420, 80, 20, 40, 50
    im = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(im)
    x0, x1 = min(iters), max(iters)
    lo, hi = 0.0, max(rss) * 1.15

    def px(x):
        return left + (x - x0) / max(x1 - x0, 1) * (w - left - right)

    def py(y):
        return h - bottom - (y - lo) / (hi - lo) * (h - top - bottom)

    d.rectangle([left, top, w - right, h - bottom], outline="black")
    for k in range(6):
        yv = lo + (hi - lo) * k / 5
        d.line([left - 5, py(yv), left, py(yv)], fill="black")
        d.text((8, py(yv) - 6), f"{yv:.0f} MiB", fill="black")
        d.line([left, py(yv), w - right, py(yv)], fill=(230, 230, 230))
        xv = x0 + (x1 - x0) * k / 5
        d.line([px(xv), h - bottom, px(xv), h - bottom + 5], fill="black")
        d.text((px(xv) - 15, h - bottom + 8), f"{xv:.0f}", fill="black")
    d.text((w // 2 - 30, h - 20), "iteration", fill="black")
    d.text((left, 12), title, fill="black")
    pts = [(px(x), py(y)) for x, y in zip(iters, rss, strict=True)]
    d.line(pts, fill=(200, 30, 30), width=2)
    png.parent.mkdir(parents=True, exist_ok=True)
    im.save(png)


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--iterations", type=int, default=3000)
    p.add_argument("--every", type=int, default=25, help="sample RSS every N iterations")
    p.add_argument("--checkpoint-every", type=int, default=250)
    p.add_argument("--csv", type=Path, default=Path("docs/images/reliability_memory.csv"))
    p.add_argument("--png", type=Path, default=Path("docs/images/reliability_memory.png"))
    p.add_argument("--plot-only", action="store_true", help="plot an existing --csv (e.g. of a run still going)")
    args = p.parse_args(argv)
    if args.plot_only:
        rows = np.loadtxt(args.csv, delimiter=",", skiprows=1, ndmin=2)
        print(plot_summary(rows[:, 0].astype(int).tolist(), rows[:, 1].tolist(), args.png, int(rows[-1, 0])))
        return 0

    import torch

    torch.set_num_threads(1)
    from engine.training.cli import read_classes
    from engine.training.data import load_pairs
    from engine.training.presets import ARCH_PRESETS
    from engine.training.settings import TrainSettings
    from engine.training.trainer import OasisTrainer, RunSpec
    from tests.reliability.synthetic import write_dataset

    with tempfile.TemporaryDirectory() as tmp:
        data = write_dataset(Path(tmp) / "data")
        names, palette = read_classes(data / "classes.json")
        settings = TrainSettings(iterations=args.iterations, batch_size=2, checkpoint_every=args.checkpoint_every,
                                 sample_every=args.checkpoint_every, bn_batches=4, snapshot_every=0)
        spec = RunSpec("tiny", ARCH_PRESETS["tiny"], names, palette, 0, settings, {"name": "synthetic"})
        trainer = OasisTrainer(Path(tmp) / "run", spec, load_pairs(data / "photos", data / "labels", len(names)))
        iters, rss = [0], [rss_mib()]
        t0 = time.monotonic()
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        with open(args.csv, "w") as log:
            log.write("iteration,rss_mib,seconds\n")

            def progress(p):
                it = p.iteration
                if it % args.every == 0:
                    iters.append(it)
                    rss.append(rss_mib())
                    log.write(f"{it},{rss[-1]:.1f},{time.monotonic() - t0:.1f}\n")
                    log.flush()

            trainer.train(progress=progress)
    print(plot_summary(iters, rss, args.png, args.iterations))
    return 0


def plot_summary(iters, rss, png: Path, iterations: int, label: str = "OASIS tiny preset, batch 2") -> str:
    arr = np.array(rss)
    n = len(arr)
    first, last = arr[n // 10: max(n // 4, n // 10 + 1)].mean(), arr[-max(n // 10, 1):].mean()
    title = (f"{label}: RSS over {iterations} iterations "
             f"(mean {first:.0f} MiB early -> {last:.0f} MiB late, max {arr.max():.0f})")
    plot(iters, rss, png, title)
    return title


if __name__ == "__main__":
    raise SystemExit(main())
