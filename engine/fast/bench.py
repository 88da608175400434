"""Benchmark of the exact and fast paths, measured interleaved in one process (the machine is shared,
so only ratios from the same run mean anything). Timings are medians of wall-clock milliseconds;
CPU milliseconds (process time over all threads) are reported too because they suffer less from
other people's jobs on the same cores."""

from __future__ import annotations

import os
import platform
import resource
import statistics
import time

import numpy as np
import torch

from ..precision import compute_dtype
from . import inference
from .session import GenerationSession
from .synthetic import paint, resample_noise, scene_labels, stroke_mask


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, (time.perf_counter() - w) * 1e3, (time.process_time() - c) * 1e3


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _rel(a: np.ndarray, ref: np.ndarray) -> float:
    return float(np.linalg.norm(a - ref) / max(np.linalg.norm(ref), 1e-30))


class _Series:
    def __init__(self):
        self.wall, self.cpu = {}, {}

    def add(self, name, wall, cpu):
        self.wall.setdefault(name, []).append(wall)
        self.cpu.setdefault(name, []).append(cpu)

    def medians(self):
        return ({k: round(statistics.median(v), 1) for k, v in self.wall.items()},
                {k: round(statistics.median(v), 1) for k, v in self.cpu.items()})


def run_benchmark(model, repeat: int = 3, precision: str = "auto", edit_fraction: float = 0.05, seed: int = 0) -> dict:
    cfg = model.config
    h, w = cfg.height, cfg.width
    labels = scene_labels(h, w, cfg.num_classes, seed)
    z = np.random.default_rng(seed).standard_normal(cfg.z_dim).astype(np.float32)
    iid_noise = np.random.default_rng(seed + 1).standard_normal((cfg.z_dim, h, w)).astype(np.float32)
    mask = stroke_mask(h, w, edit_fraction, seed + 2)
    edited_labels = paint(labels, mask, int(labels[~mask].max()) % (cfg.num_classes - 1) + 1)
    edited_noise = resample_noise(z, mask, seed + 3)
    # best case of the incremental path: one pixel at odd coordinates, which no coarser layer samples
    dab_labels = labels.copy()
    dab_labels[h // 2 + 1, w // 2 + 1] = labels[0, 0] % (cfg.num_classes - 1) + 1
    series = _Series()
    load_before = os.getloadavg()

    exact_img = model.generate(labels, z)  # warm-up of both paths, and the references
    fast_img = inference.generate(model, labels, z, precision)
    sessions = {p: GenerationSession(model, p) for p in dict.fromkeys(("fp32", precision))}
    inc_errors: dict[str, list[float]] = {p: [] for p in sessions}
    for s in sessions.values():
        s.generate(labels, z)
    refs = {"label": model.generate(edited_labels, z), "noise": model.generate(labels, edited_noise),
            "pixel": model.generate(dab_labels, z)}
    stats = {}
    for _ in range(repeat):
        _, wt, ct = _timed(lambda: model.generate(labels, z))
        series.add("generate_exact_fp32", wt, ct)
        _, wt, ct = _timed(lambda: inference.generate(model, labels, z, precision))
        series.add("generate_fast_full", wt, ct)
        _, wt, ct = _timed(lambda: inference.generate(model, labels, iid_noise, precision))
        series.add("generate_fast_full_iid_noise", wt, ct)
        for p, s in sessions.items():
            for kind, (lab2, z2) in (("label", (edited_labels, z)), ("noise", (labels, edited_noise)),
                                     ("pixel", (dab_labels, z))):
                img, wt, ct = _timed(lambda s=s, lab2=lab2, z2=z2: s.generate(lab2, z2))
                series.add(f"incremental_{kind}_edit_{p}", wt, ct)
                stats[f"{kind}_{p}"] = dict(s.last_stats)
                inc_errors[p].append(float(np.abs(img - refs[kind]).max()))
                s.generate(labels, z)  # and back: another incremental edit of the same size
    seg = {}
    if model.can_segment:
        model.segment_logits(exact_img)  # warm-up (the first fast call builds the fast D)
        inference.segment_logits(model, exact_img, precision)
        for _ in range(repeat):
            _, wt, ct = _timed(lambda: model.segment_logits(exact_img))
            series.add("segment_exact_fp32", wt, ct)
            _, wt, ct = _timed(lambda: inference.segment_logits(model, exact_img, precision))
            series.add("segment_fast", wt, ct)
        ref_logits = model.segment_logits(exact_img)
        fast_logits = inference.segment_logits(model, exact_img, precision)
        seg = {"segment_fast_rel_l2": _rel(fast_logits, ref_logits),
               "segment_fast_label_agreement": float((model.labels_from_logits(fast_logits)
                                                      == model.labels_from_logits(ref_logits)).mean())}
    wall, cpu = series.medians()
    ex = wall["generate_exact_fp32"]
    speedups = {k: round(ex / v, 2) for k, v in wall.items() if k.startswith(("generate_fast", "incremental"))}
    if seg:
        speedups["segment_fast"] = round(wall["segment_exact_fp32"] / wall["segment_fast"], 2)
    ex_cpu = cpu["generate_exact_fp32"]
    speedups_cpu = {k: round(ex_cpu / v, 2) for k, v in cpu.items() if k.startswith(("generate_fast", "incremental"))}
    if seg:
        speedups_cpu["segment_fast"] = round(cpu["segment_exact_fp32"] / cpu["segment_fast"], 2)
    return {
        "cpu": cpu_model(), "torch": torch.__version__, "threads": torch.get_num_threads(),
        "device": str(model.device), "precision": precision,
        "compute_dtype": str(compute_dtype(precision, model.device)).replace("torch.", ""),
        "model": {"classes": cfg.num_classes, "height": h, "width": w, "channels_G": cfg.generator.base_width},
        "repeat": repeat, "edit_fraction": float(mask.mean()),
        "loadavg_before": [round(v, 2) for v in load_before],
        "loadavg_after": [round(v, 2) for v in os.getloadavg()],
        "ms_wall": wall, "ms_cpu": cpu, "speedup_vs_exact_wall": speedups, "speedup_vs_exact_cpu": speedups_cpu,
        "errors": {"fast_full_rel_l2": _rel(fast_img, exact_img),
                   "fast_full_max_abs": float(np.abs(fast_img - exact_img).max()),
                   **{f"incremental_{p}_max_abs_vs_exact": max(v) for p, v in inc_errors.items()}, **seg},
        "incremental_stats": stats,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
