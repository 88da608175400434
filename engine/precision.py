"""The one place that decides what a precision name means on a device.

'fp32'  exact: the same float32 arithmetic as the reference (reordered sums only, ~1e-6 relative).
'auto'  the best fast path for the device: bfloat16 on CPUs with AMX (bf16 matrix units), float16 on
        CUDA, otherwise float32 (on CPUs without bf16 hardware, bf16 convolutions are emulated and
        several times slower than fp32, so the fast path keeps fp32 and relies on the algorithmic
        savings alone).
'bf16', 'fp16'  one dtype whatever the device (benchmarks and tests; bf16 runs on any CPU, slowly
        without AMX).

OASIS_FORCE_AMX=1 / =0 overrides the CPU probe, so both branches of 'auto' can be run (and tested)
on any CPU; unset or empty means "probe /proc/cpuinfo".
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:  # imported inside the functions: the CLIs read PRECISIONS without loading torch
    import torch

PRECISIONS = ("fp32", "auto")  # what users choose (CLI, editor, engine protocol)
_FIXED_DTYPES = {"bf16": "bfloat16", "fp16": "float16"}
ALL_PRECISIONS = PRECISIONS + tuple(_FIXED_DTYPES)
FORCE_AMX_ENV = "OASIS_FORCE_AMX"


@functools.lru_cache(maxsize=1)
def _probe_amx() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return "amx_bf16" in line.split()
    except OSError:
        pass
    import torch

    return "AMX" in torch.backends.cpu.get_cpu_capability().upper()


def cpu_has_amx() -> bool:
    """Whether 'auto' treats this CPU as having bf16 matrix units (OASIS_FORCE_AMX overrides the probe)."""
    forced = os.environ.get(FORCE_AMX_ENV, "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    if forced:
        raise InputError(f"{FORCE_AMX_ENV} must be 0, 1 or unset, not {forced!r}")
    return _probe_amx()


def check_precision(precision: str) -> str:
    if precision not in ALL_PRECISIONS:
        raise InputError(f"precision must be one of {ALL_PRECISIONS}, not {precision!r}")
    return precision


def compute_dtype(precision: str, device: torch.device) -> torch.dtype:
    """The dtype the trunk convolutions run in for a precision name on a device."""
    import torch

    check_precision(precision)
    if precision == "fp32":
        return torch.float32
    if precision == "auto":
        if device.type == "cuda":
            return torch.float16
        return torch.bfloat16 if cpu_has_amx() else torch.float32
    return getattr(torch, _FIXED_DTYPES[precision])


TRAINING_PRECISIONS = ("auto", "fp32", "bf16")


def training_dtype(precision: str, device: torch.device) -> torch.dtype:
    """The autocast dtype of a training step: 'auto' is bfloat16 on CUDA and on CPUs with AMX, float32
    elsewhere. (Not float16 on CUDA as for inference: bf16 keeps fp32's range, so no loss scaling.)"""
    import torch

    if precision not in TRAINING_PRECISIONS:
        raise InputError(f"training precision must be one of {', '.join(TRAINING_PRECISIONS)}, not {precision!r}")
    if precision == "auto":
        return torch.bfloat16 if device.type == "cuda" or cpu_has_amx() else torch.float32
    return torch.bfloat16 if precision == "bf16" else torch.float32
