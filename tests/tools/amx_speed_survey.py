"""The measurement behind 'auto = bf16 on a CPU with AMX' (docs/performance.md): one run, interleaved,
exact fp32 vs 'auto' with OASIS_FORCE_AMX=0 (fp32 fast path) vs =1 (bf16), generate and segment.

    python -m tests.tools.amx_speed_survey [--width 64 | --model DIR] [--rounds 3] [--threads 1]

Only the ratios of one run mean something on a shared machine; on a CPU without AMX the bf16 column
shows the emulation's cost instead.
"""

import argparse
import os
import statistics
import time

import numpy as np
import torch

from engine.api import load_model
from engine.fast import inference
from engine.fast.bench import cpu_model
from engine.fast.synthetic import random_model, scene_labels
from engine.precision import FORCE_AMX_ENV

KINDS = ("exact", "auto_fp32", "auto_bf16")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--width", type=int, default=64, help="generator base width (64 = the ADE20K model)")
    ap.add_argument("--model", help="a model folder instead of the random ADE20K-size model")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_model(args.model) if args.model else random_model("ade20k", seed=0, base_width=args.width)
    c = model.config
    labels = scene_labels(c.height, c.width, c.num_classes, 0)
    z = np.random.default_rng(0).standard_normal(c.z_dim).astype(np.float32)
    photo = np.random.default_rng(1).uniform(-1, 1, (3, c.height, c.width)).astype(np.float32)

    def call(what, kind):
        if kind == "exact":
            return model.generate(labels, z) if what == "generate" else model.segment_logits(photo)
        os.environ[FORCE_AMX_ENV] = "1" if kind == "auto_bf16" else "0"
        if what == "generate":
            return inference.generate(model, labels, z, "auto")
        return inference.segment_logits(model, photo, "auto")

    saved = os.environ.get(FORCE_AMX_ENV)
    times: dict[tuple[str, str], list[float]] = {(w, k): [] for w in ("generate", "segment") for k in KINDS}
    try:
        for w, k in times:
            call(w, k)  # warm-up: builds the fast paths
        for _ in range(args.rounds):
            for w, k in times:
                start = time.perf_counter()
                call(w, k)
                times[w, k].append(time.perf_counter() - start)
    finally:
        if saved is None:
            os.environ.pop(FORCE_AMX_ENV, None)
        else:
            os.environ[FORCE_AMX_ENV] = saved
    with open("/proc/cpuinfo") as f:
        amx = "amx_bf16" in f.read()
    print(f"{cpu_model()} | amx_bf16 flag: {amx} | threads {args.threads} | {c.height}x{c.width}, G width "
          f"{c.generator.base_width} | load average {', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    for w in ("generate", "segment"):
        med = {k: statistics.median(times[w, k]) * 1e3 for k in KINDS}
        print(f"{w}: " + ", ".join(f"{k} {med[k]:.0f} ms ({med['exact'] / med[k]:.2f}x exact)" for k in KINDS)
              + f"; bf16 / fp32 fast path speed {med['auto_fp32'] / med['auto_bf16']:.2f}x")


if __name__ == "__main__":
    main()
