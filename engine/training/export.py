"""Turn a training run into a model folder of ours: the EMA generator and the discriminator, folded
into the inference form, with the classes, palette and provenance in config.json."""

from __future__ import annotations

import datetime
from pathlib import Path

from torch import nn

from ..config import DiscriminatorConfig, ModelConfig
from ..discriminators import build_discriminator
from ..errors import InputError
from ..layers import folded_state_dict
from ..model_folder import save_model_folder
from ..oasis_generator import OasisGenerator
from . import checkpoint as ckpt
from .trainer import RUN_FILE, RunSpec, frame_of


def _discriminator_of(tensors: dict, spec: RunSpec, num_labels: int, path: Path) -> nn.Module:
    disc = build_discriminator(spec.arch.discriminator(num_labels), trainable=True)
    ckpt.restore_modules(tensors, {"D": disc}, path)
    return disc


def _segmenter_of(run_dir: Path, spec: RunSpec) -> tuple[nn.Module, dict]:
    """The discriminator of another run on the same classes, to ship as the model's segmenter."""
    other = RunSpec.load(run_dir)
    if tuple(other.class_names) != tuple(spec.class_names) or other.unknown_index != spec.unknown_index:
        raise InputError("its classes differ from the generator's run (names, order or unknown class)",
                         Path(run_dir) / RUN_FILE)
    path = Path(run_dir) / ckpt.CHECKPOINT_FILE
    tensors, state = ckpt.read_checkpoint(path)
    disc = _discriminator_of(tensors, other, len(spec.class_names), path)
    return disc, {"run": str(run_dir), "iterations": state["iteration"], "d_kind": other.arch.d_kind,
                  "tuning": other.data.get("segmenter_tuning"),
                  "note": "the discriminator of another run: used for segmentation only, not trained with this G"}


def export_run(run_dir: Path, out_dir: Path, overwrite: bool = False, extra_provenance: dict | None = None,
               segmenter_run: Path | None = None) -> Path:
    """`segmenter_run`: take the discriminator (the app's segmenter) from that run instead."""
    run_dir = Path(run_dir)
    spec = RunSpec.load(run_dir)
    path = run_dir / ckpt.CHECKPOINT_FILE
    tensors, state = ckpt.read_checkpoint(path)
    n = len(spec.class_names)
    ema = OasisGenerator(spec.arch.generator(n), trainable=True)
    # the checkpoint's EMA BatchNorm statistics were recollected when it was saved
    ckpt.restore_modules(tensors, {"EMA": ema}, path)
    segmenter = None
    if segmenter_run is not None:
        disc, segmenter = _segmenter_of(Path(segmenter_run), spec)
    else:
        disc = _discriminator_of(tensors, spec, n, path)
    provenance = {
        "source": "trained with engine.training (OASIS recipe)",
        "preset": spec.preset_name,
        "iterations": state["iteration"],
        "train_seconds": round(state["train_seconds"], 1),
        "batch_size": spec.settings.batch_size,
        "training_crop": spec.arch.crop,
        "generator": "EMA",
        "ema_bn_recollected": bool(state.get("ema_bn_recollected")),
        "data": spec.data,
        "exported": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **({"segmenter": segmenter} if segmenter else {}),
        **(extra_provenance or {}),
    }
    frame = frame_of(spec)
    disc_cfg = disc.cfg
    assert isinstance(disc_cfg, DiscriminatorConfig)  # both kinds of D keep the config they were built from
    cfg = ModelConfig(generator=ema.cfg, discriminator=disc_cfg, height=frame[0], width=frame[1],
                      class_names=tuple(spec.class_names), palette=tuple(tuple(c) for c in spec.palette),
                      unknown_index=spec.unknown_index, dataset=spec.data.get("name", "custom"),
                      provenance=provenance)
    return save_model_folder(Path(out_dir), cfg, folded_state_dict(ema), folded_state_dict(disc), overwrite=overwrite)
