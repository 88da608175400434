"""Moved to engine/precision.py: the trainers decide their dtype there too, and they sit beside the fast
paths, not above them. This name stays only until the trainer work in flight imports the new one."""

from ..precision import (  # noqa: F401
    ALL_PRECISIONS,
    FORCE_AMX_ENV,
    PRECISIONS,
    TRAINING_PRECISIONS,
    check_precision,
    compute_dtype,
    cpu_has_amx,
    training_dtype,
)
