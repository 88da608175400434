"""Worker processes for the distributed tests: build a tiny trainer on a dataset folder, join the gloo group
torch.multiprocessing.spawn starts (the same environment torchrun sets), take steps, save the networks."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import torch


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_trainer(run_dir, data_root, batch, dist, iterations=10, checkpoint_every=100):
    from engine.datasets.readers import read_folder
    from engine.training.presets import ARCH_PRESETS
    from engine.training.settings import TrainSettings
    from engine.training.trainer import OasisTrainer, RunSpec

    source = read_folder(Path(data_root))
    settings = TrainSettings(iterations=iterations, batch_size=batch, bn_batches=1, checkpoint_every=checkpoint_every,
                             sample_every=0, snapshot_every=0, seed=3, copy_paste_prob=0.5, per_class_noise_prob=0.5,
                             precision="fp32")  # the 1e-5 equivalence is an fp32 statement (auto: bf16 on AMX)
    spec = RunSpec("tiny", ARCH_PRESETS["tiny"], source.class_names, source.palette, 0, settings, {"name": "test"})
    return OasisTrainer(Path(run_dir), spec, source, workers=0, dist=dist)


def networks(trainer) -> dict:
    return {f"{n}.{k}": v.detach().clone() for n, m in (("G", trainer.G), ("D", trainer.D), ("EMA", trainer.EMA))
            for k, v in m.state_dict().items()}


def run(rank: int, world: int, port: int, run_dir: str, data_root: str, batch: int, steps: int, out: str,
        mode: str = "steps") -> None:
    """mode "steps": `steps` trainer.step() calls; "train": trainer.train() to `steps` iterations (checkpoints);
    "resume": resume the run folder, then train to `steps`."""
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank), MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port))
    torch.set_num_threads(1)
    from engine.training.distributed import Distributed

    dist = Distributed.from_environment("cpu")
    try:
        trainer = make_trainer(run_dir, data_root, batch, dist, iterations=steps, checkpoint_every=2)
        if mode == "steps":
            for _ in range(steps):
                trainer.step()
        else:
            if mode == "resume":
                trainer.resume()
            trainer.train()
        if rank == 0:
            torch.save(networks(trainer), out)
    finally:
        dist.close()
