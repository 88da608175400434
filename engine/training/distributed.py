"""Distributed data parallel training under torchrun (gloo on CPU, NCCL on CUDA).

`torchrun --nproc_per_node N -m engine train-oasis ...` starts N copies of the CLI with RANK,
LOCAL_RANK and WORLD_SIZE set; `Distributed.from_environment()` joins them into one process group.
What makes N processes x batch b take the same step as one process x batch N*b:
- DistributedDataParallel averages the gradients (every loss is a mean over the local batch);
- the generator's BatchNorm moments are those of the global batch: torch's SyncBatchNorm on CUDA, and
  on CPU (where SyncBatchNorm does not run) `GlobalBatchNorm2d`, which all-reduces the sums itself;
- the class-balancing weights of the OASIS loss come from class counts summed over processes;
- every random draw of the trainer (noise, augmentation, LabelMix coins) is made for the whole global
  batch on every process from the same generator, and each process keeps its rows (slot i*N + r for
  its i-th sample, the same slots as the data shards of engine.training.stream).
A single process uses the same class with world 1, where all of this is the identity.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta

import torch
import torch.distributed as td
from torch import nn


@dataclass
class Distributed:
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    backend: str | None = None  # None: not distributed
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @staticmethod
    def from_environment(device: str = "auto") -> Distributed:
        """The process group torchrun describes in the environment, or a single process without one."""
        world = int(os.environ.get("WORLD_SIZE", "1"))
        cuda = torch.cuda.is_available() if device == "auto" else device == "cuda"
        local = int(os.environ.get("LOCAL_RANK", "0"))
        dev = torch.device("cuda", local) if cuda else torch.device("cpu")
        if world == 1:
            return Distributed(device=dev)
        backend = "nccl" if cuda else "gloo"
        if cuda:
            torch.cuda.set_device(dev)
        if not td.is_initialized():
            # rank 0 checks every file of the dataset before training while the others wait in a
            # broadcast: NCCL's default 10-minute timeout is too short for a first check of COCO-Stuff
            td.init_process_group(backend, timeout=timedelta(hours=2))
        return Distributed(td.get_rank(), td.get_world_size(), local, backend, dev)

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world > 1

    @property
    def rows(self) -> slice:
        """This process's rows of a tensor drawn for the global batch."""
        return slice(self.rank, None, self.world)

    # -- models -------------------------------------------------------------------------------------
    def synchronise_batchnorm(self, model: nn.Module) -> None:
        if not self.active:
            return
        if self.device.type == "cuda":
            _replace_batchnorm(model, lambda bn: nn.SyncBatchNorm.convert_sync_batchnorm(bn))
        else:
            _replace_batchnorm(model, GlobalBatchNorm2d.like)

    def wrap(self, model: nn.Module) -> nn.Module:
        """DDP for the training forward passes; buffers (spectral-norm vectors, BN statistics) evolve
        identically on every process, so they are not broadcast at every forward."""
        if not self.active:
            return model
        import inspect

        ids = [self.device.index] if self.device.type == "cuda" else None
        ddp = nn.parallel.DistributedDataParallel
        no_sync: dict = ({"forward_sync_buffers": False} if "forward_sync_buffers" in inspect.signature(ddp).parameters
                         else {"broadcast_buffers": False})  # the name changed in torch 2.13
        return ddp(model, device_ids=ids, **no_sync)

    # -- collectives ----------------------------------------------------------------------------------
    def sum_counts(self, counts: torch.Tensor) -> torch.Tensor:
        if not self.active:
            return counts
        counts = counts.clone()
        td.all_reduce(counts)
        return counts

    def share_params(self, p, device):
        """This process's rows of augmentation parameters drawn for the global batch; the colour
        factors go to the device, the integer geometry stays on the CPU (read with int())."""
        rows = self.rows
        return type(p)(p.brightness[rows].to(device), p.saturation[rows].to(device), p.contrast[rows].to(device),
                       p.shift[rows], p.cutout[rows])

    def agree(self, flag: bool) -> bool:
        """True on every process if it is True on any (a stop request seen by one stops all)."""
        if not self.active:
            return bool(flag)
        t = torch.tensor([1.0 if flag else 0.0], device=self.device)
        td.all_reduce(t)
        return bool(t.item() > 0)

    def mean_losses(self, losses: dict) -> dict:
        if not self.active or not losses:
            return losses
        keys = sorted(losses)
        t = torch.tensor([losses[k] for k in keys], dtype=torch.float64, device=self.device)
        td.all_reduce(t)
        return {k: float(v) / self.world for k, v in zip(keys, t.tolist(), strict=True)}

    def broadcast_flag(self, flag: bool) -> bool:
        """Rank 0's flag on every process (e.g. the dataset check's verdict)."""
        if not self.active:
            return bool(flag)
        t = torch.tensor([1.0 if flag else 0.0], device=self.device)
        td.broadcast(t, 0)
        return bool(t.item() > 0)

    def barrier(self) -> None:
        if self.active:
            td.barrier()

    def close(self) -> None:
        if self.active and td.is_initialized():
            td.destroy_process_group()


def _replace_batchnorm(model: nn.Module, make) -> None:
    for name, child in list(model.named_children()):
        if isinstance(child, nn.BatchNorm2d) and not isinstance(child, GlobalBatchNorm2d):
            setattr(model, name, make(child))
        else:
            _replace_batchnorm(child, make)


class _SumOverProcesses(torch.autograd.Function):
    """y = sum of x over the processes; every process's loss depends on y, so the gradient of x is the
    sum of the processes' gradients of y (what torch.distributed.nn's deprecated all_reduce did)."""

    @staticmethod
    def forward(ctx, x):
        y = x.clone()
        td.all_reduce(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        grad = grad.clone()
        td.all_reduce(grad)
        return grad


class GlobalBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d whose training-mode moments are those of the global batch of all processes (CPU).

    The per-channel sums of x and x^2 and the element count are all-reduced with the autograd-aware
    collective, so gradients flow through the global moments as in SyncBatchNorm. Same parameters and
    buffers as BatchNorm2d (checkpoints are interchangeable); eval mode is plain BatchNorm.
    """

    @staticmethod
    def like(bn: nn.BatchNorm2d) -> GlobalBatchNorm2d:
        new = GlobalBatchNorm2d(bn.num_features, bn.eps, bn.momentum, bn.affine, bn.track_running_stats)
        new.load_state_dict(bn.state_dict())
        return new.to(bn.running_mean.device if bn.running_mean is not None else "cpu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training and td.is_initialized() and td.get_world_size() > 1):
            return super().forward(x)
        xf = x.float()
        local = torch.cat([xf.sum(dim=(0, 2, 3)), (xf * xf).sum(dim=(0, 2, 3)),
                           xf.new_tensor([x.numel() / x.shape[1]])])
        total = _SumOverProcesses.apply(local)
        c = x.shape[1]
        n = total[-1]
        mean = total[:c] / n
        var = (total[c:2 * c] / n - mean * mean).clamp(min=0)
        if self.running_mean is not None and self.running_var is not None and self.num_batches_tracked is not None:
            with torch.no_grad():
                self.num_batches_tracked += 1
                m = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
                self.running_mean.mul_(1 - m).add_(mean.detach(), alpha=m)
                self.running_var.mul_(1 - m).add_(var.detach() * (n / (n - 1)), alpha=m)
        y = (xf - mean[None, :, None, None]) * torch.rsqrt(var + self.eps)[None, :, None, None]
        if self.affine:
            y = y * self.weight[None, :, None, None] + self.bias[None, :, None, None]
        return y.to(x.dtype)
