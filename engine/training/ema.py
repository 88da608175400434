"""Exponential moving average of the generator, and re-collection of its BatchNorm statistics.

The EMA generator is what gets shipped (thesis ch. 4.3.1). Its running BatchNorm statistics cannot be
averaged meaningfully from the training generator's, so before it is saved they are recomputed by
running it in training mode over a number of batches with a cumulative average (momentum None).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


@torch.no_grad()
def update_ema(ema: nn.Module, model: nn.Module, decay: float) -> None:
    for pe, pm in zip(ema.parameters(), model.parameters(), strict=True):
        pe.lerp_(pm, 1.0 - decay)
    # spectral-norm vectors and BN statistics are copied, not averaged (the BN ones are recollected)
    for be, bm in zip(ema.buffers(), model.buffers(), strict=True):
        be.copy_(bm)


def ema_decay_at(iteration: int, decay: float) -> float:
    """Warm-up so early iterations are not dominated by the random initialisation."""
    return min(decay, (1.0 + iteration) / (10.0 + iteration))


@torch.no_grad()
def recollect_batchnorm(model: nn.Module, make_condition: Callable[[int], torch.Tensor], batches: int,
                        autocast_ctx: Callable) -> None:
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    saved = [(m, m.momentum) for m in norms]
    was_training = model.training
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average: every batch counts equally
    model.train()
    try:
        for i in range(batches):
            with autocast_ctx():
                model(make_condition(i))
    finally:
        for m, momentum in saved:
            m.momentum = momentum
        model.train(was_training)
