"""Which fast path a precision name means on a device.

'fp32'  exact: the same float32 arithmetic as the reference (reordered sums only, ~1e-6 relative).
'auto'  the best fast path for the device: bfloat16 on CPUs with AMX (bf16 matrix units), float16 on
        CUDA, otherwise float32 (on CPUs without bf16 hardware, bf16 convolutions are emulated and
        several times slower than fp32, so the fast path keeps fp32 and relies on the algorithmic
        savings alone).
"""

from __future__ import annotations

import functools

import torch

from ..errors import InputError

PRECISIONS = ("fp32", "auto")


@functools.lru_cache(maxsize=1)
def cpu_has_amx() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return "amx_bf16" in line.split()
    except OSError:
        pass
    return "AMX" in torch.backends.cpu.get_cpu_capability().upper()


def compute_dtype(precision: str, device: torch.device) -> torch.dtype:
    """The dtype the trunk convolutions run in for a precision name on a device."""
    if precision == "fp32":
        return torch.float32
    if precision == "auto":
        if device.type == "cuda":
            return torch.float16
        return torch.bfloat16 if cpu_has_amx() else torch.float32
    if precision in ("bf16", "fp16"):  # explicit choices for benchmarks and tests
        return torch.bfloat16 if precision == "bf16" else torch.float16
    raise InputError(f"precision must be one of {PRECISIONS}, not {precision!r}")
