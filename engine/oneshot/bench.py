"""Seconds per iteration: the faithful fp32 path vs the optimised paths, in one run.

(a) faithful: thesis/public settings at 128x256 with the bmx mask, batch 5, fp32, ch 32, a new
    generator batch for the G step, NCHW, plain Adam.
(b) optimised, same model and resolution: channels_last, one generator pass per iteration
    (the D-step fakes are reused for the G step), fused Adam, and the exact conv rewrites of
    pool/upsample + conv3x3 (resample_in_conv, layers.py).
(c) the cpu preset (smaller image, narrower networks) on the same input.
Configurations are timed in alternation and the median is reported, because other processes
share the machine's 2 cores.

Also prints the multiply-add count of one iteration of each (torch's FlopCounterMode: convs and
matmuls, forward and backward) and the rate achieved, which shows how close a path is to the
CPU's arithmetic limit.

python -m engine.oneshot.bench [--rounds 3] [--iters 3] [--threads 1]
"""
from __future__ import annotations

import os

# Spinning OpenMP workers are very slow when another process holds a core; set before torch.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import torch  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from .config import config_for_size  # noqa: E402
from .data import load_inputs  # noqa: E402
from .trainer import OneShotTrainer, prepare_run_data  # noqa: E402

BMX = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "one-shot" / "bmx"


def _configs(image: str, mask: str) -> dict:
    n = load_inputs(image, mask).num_mask_channels
    common: dict[str, Any] = dict(images=image, masks=mask, num_mask_channels=n)
    faithful = config_for_size(128, 256, preset="faithful", max_size=256, **common)
    optimised = config_for_size(128, 256, preset="faithful", max_size=256, channels_last=True,
                                reuse_fake_for_g=True, fused_adam=True, resample_in_conv=True, **common)
    inputs = load_inputs(image, mask)
    cpu = config_for_size(*inputs.size, preset="cpu", **common)
    return {"a_faithful_fp32": faithful, "b_optimised_same_model": optimised, "c_cpu_preset": cpu}


def conv_rate(repeats: int = 5) -> float:
    """GFLOP/s of one large 3x3 convolution forward (128 -> 128 channels, 10 x 64 x 128, the
    size of the faithful D's second block): about the best this CPU does with fp32 convs."""
    x = torch.randn(10, 128, 64, 128).contiguous(memory_format=torch.channels_last)
    conv = torch.nn.Conv2d(128, 128, 3, padding=1).to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    with torch.no_grad():
        conv(x)
        best = min(_timed(conv, x) for _ in range(repeats))
    return 2 * 128 * 128 * 9 * 10 * 64 * 128 / best / 1e9


def _timed(fn, *args) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m engine.oneshot.bench")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--image", default=str(BMX / "image.jpg"))
    ap.add_argument("--mask", default=str(BMX / "mask.png"))
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    trainers: dict[str, OneShotTrainer] = {}
    times: dict[str, list[float]] = {}
    flops: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, cfg in _configs(args.image, args.mask).items():
            run = os.path.join(tmp, name)
            os.makedirs(run)
            prepare_run_data(cfg, run)
            trainers[name] = OneShotTrainer(cfg, run)
            trainers[name].step()  # warm-up (allocations, kernel selection)
            with FlopCounterMode(display=False) as counter:
                trainers[name].step()
            flops[name] = counter.get_total_flops()
            times[name] = []
        for _ in range(args.rounds):
            for name, tr in trainers.items():
                t0 = time.perf_counter()
                for _ in range(args.iters):
                    tr.step()
                times[name].append((time.perf_counter() - t0) / args.iters)
    med = {k: statistics.median(v) for k, v in times.items()}
    for name, tr in trainers.items():
        c = tr.cfg
        print(f"{name:>24}: {med[name]:.3f} s/it  (min {min(times[name]):.3f}; "
              f"{c.train_hw[1]}x{c.train_hw[0]}, ch {c.ch_g}/{c.ch_d}, batch {c.batch_size}, "
              f"N={c.num_mask_channels}); {flops[name] / 1e9:.0f} GFLOP/it, "
              f"{flops[name] / 1e9 / med[name]:.0f} GFLOP/s")
    a = med["a_faithful_fp32"]
    print(f"speed-up same model (a/b): {a / med['b_optimised_same_model']:.2f}x")
    print(f"speed-up cpu preset (a/c): {a / med['c_cpu_preset']:.2f}x")
    print(f"one large fp32 3x3 conv forward: {conv_rate():.0f} GFLOP/s (an upper reference for the rates above)")
    print(f"threads {args.threads}; load average (1, 5, 15 min) at the end: "
          + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
