"""The engine's long requests -- import a public OASIS run, train a one-shot or an OASIS model, sample a
one-shot run -- as typed requests and messages of the engine worker (engine/worker.py), with the code
that runs them on the worker thread.

Requests are frozen dataclasses built on the GUI thread (paths and numbers only); every one is a job
of the worker's registry (engine/jobs.py). Training jobs keep their result when cancelled: Cancel is
how a run is stopped, and the outcome (the iteration of the checkpoint it left) is what the editor
reports. Pause and resume go through `EngineWorker.pause` / `resume`; the trainer blocks in
`TaskContext.between_steps`, which keeps running interactive requests (generate, sample) meanwhile.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from .trainloop import TrainingProgress
from .worker import BACKGROUND, INTERACTIVE, Message, TaskContext

log = logging.getLogger(__name__)

GUI_PROGRESS_EVERY = 1  # one-shot runs in the editor report every iteration: it/s, ETA and the plot stay live


# -- requests ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ImportRun:
    """Convert a public OASIS run folder into a model folder (engine.importer.import_oasis_run)."""

    run_dir: Path
    out_dir: Path
    tag: str = "best"
    height: int | None = None
    width: int | None = None
    generator: str = "ema"
    class_names_file: Path | None = None
    overwrite: bool = False
    channel: str | None = None
    priority: int = BACKGROUND
    job_kind: ClassVar[str] = "import"


@dataclass(frozen=True)
class SampleOneShot:
    """`count` samples of a one-shot run's latest checkpoint (EMA generator), re-read for every batch."""

    run_dir: str
    count: int
    seed: int
    channel: str | None = None
    priority: int = INTERACTIVE  # runs before (or, during training, between steps of) background work
    job_kind: ClassVar[str] = "sample-oneshot"


@dataclass(frozen=True)
class TrainOneShot:
    """What to train (new run) or which run folder to continue (resume=True: only run_dir is used,
    plus `iterations` when it should now run longer than saved)."""

    run_dir: str
    images: str = ""
    masks: str | None = None
    preset: str = "cpu"
    iterations: int | None = None
    max_size: int | None = None
    preview_every: int | None = None
    resume: bool = False
    overrides: dict = field(default_factory=dict)  # further OneShotConfig settings (scripts, tests)
    channel: str | None = None
    priority: int = BACKGROUND
    job_kind: ClassVar[str] = "train-oneshot"
    keeps_result_when_cancelled: ClassVar[bool] = True


@dataclass(frozen=True)
class TrainOasis:
    """A run of the OASIS trainer on a dataset folder, exactly what `train-oasis argv()` would train."""

    run_dir: str
    data: str
    dataset: str = "folder"
    config: str = "light"
    iterations: int = 5000
    batch_size: int = 4
    augment: str = ""  # "" = the dataset's default (public for the public datasets, ours for folders)
    max_zoom: float | None = None
    workers: int = 0
    export_to: str = ""  # model folder written when the run finishes ("" = none)
    open_model: bool = True
    extra: tuple = ()  # further train-oasis arguments (scripts, tests)
    resume: bool = False  # the run folder holds a checkpoint: continue it
    channel: str | None = None
    priority: int = BACKGROUND
    job_kind: ClassVar[str] = "train-oasis"
    keeps_result_when_cancelled: ClassVar[bool] = True

    def argv(self) -> list[str]:
        if self.resume:
            args = ["--data", self.data, "--out", self.run_dir, "--resume", "--iterations", str(self.iterations)]
            return args + (["--dataset", self.dataset] if self.dataset else []) + ["--workers", str(self.workers),
                                                                                   *self.extra]
        args = ["--dataset", self.dataset, "--data", self.data, "--out", self.run_dir, "--config", self.config,
                "--iterations", str(self.iterations), "--batch-size", str(self.batch_size),
                "--workers", str(self.workers)]
        if self.augment:
            args += ["--augment", self.augment]
        if self.max_zoom is not None:
            args += ["--max-zoom", str(self.max_zoom)]
        return args + list(self.extra)


TRAINING_REQUESTS = (TrainOneShot, TrainOasis)


# -- messages ------------------------------------------------------------------------------------
@dataclass
class TrainingOutcome:
    """How a training job ended: the last checkpointed iteration, or a message when it failed."""

    run_dir: str
    iteration: int = 0
    total: int = 0
    stopped: bool = False
    error: str = ""
    details: str = ""
    model_dir: str = ""  # OASIS runs: the exported model folder


@dataclass(frozen=True)
class Imported(Message):
    model_dir: Path


@dataclass(frozen=True)
class Sampled(Message):
    batch: dict  # images (B,H,W,3) uint8, masks (B,H,W) uint8 for OSMIS, iteration, seed


@dataclass(frozen=True)
class TrainingProgressed(Message):
    progress: TrainingProgress
    final: ClassVar[bool] = False


@dataclass(frozen=True)
class TrainingPreview(Message):
    """Samples of the EMA generator: one-shot `images` (+ `masks`), or an OASIS sample `sheet`."""

    iteration: int
    images: Any = None
    masks: Any = None
    sheet: Any = None
    final: ClassVar[bool] = False


@dataclass(frozen=True)
class TrainingPaused(Message):
    """The trainer has really stopped stepping (it is blocked between two iterations)."""

    final: ClassVar[bool] = False


@dataclass(frozen=True)
class TrainingFinished(Message):
    outcome: TrainingOutcome  # also when it was cancelled or failed


# -- handlers (worker thread) --------------------------------------------------------------------
def execute(request, ctx: TaskContext) -> Message:
    if isinstance(request, ImportRun):
        return _import(request, ctx)
    if isinstance(request, SampleOneShot):
        return _sample(request, ctx)
    if isinstance(request, TrainOneShot):
        return TrainingFinished(ctx.request_id, _train_oneshot(request, ctx))
    if isinstance(request, TrainOasis):
        return TrainingFinished(ctx.request_id, _train_oasis(request, ctx))
    raise TypeError(f"unknown request type {type(request).__name__}")


def _import(req: ImportRun, ctx: TaskContext) -> Imported:
    from .importer import import_oasis_run

    folder = import_oasis_run(req.run_dir, req.out_dir, tag=req.tag, height=req.height, width=req.width,
                              generator=req.generator, class_names_file=req.class_names_file,
                              overwrite=req.overwrite, progress=ctx.progress)
    return Imported(ctx.request_id, Path(folder))


def _sample(req: SampleOneShot, ctx: TaskContext) -> Sampled:
    from .oneshot.sample import generate, load_generator

    _, g, iteration = load_generator(req.run_dir)
    return Sampled(ctx.request_id, {**generate(g, req.count, req.seed), "iteration": iteration, "seed": req.seed})


def oneshot_config(req: TrainOneShot):
    """The engine configuration of a new one-shot run (reads the inputs)."""
    from .oneshot.config import config_for_size
    from .oneshot.data import load_inputs

    inputs = load_inputs(req.images, req.masks)
    h, wd = inputs.size
    settings = {"iterations": req.iterations, "max_size": req.max_size, "preview_every": req.preview_every,
                "progress_every": GUI_PROGRESS_EVERY}
    settings.update(req.overrides)
    return config_for_size(h, wd, images=req.images, masks=req.masks, num_mask_channels=inputs.num_mask_channels,
                           preset=req.preset, num_frames=len(inputs.images), **settings)


def _train_oneshot(req: TrainOneShot, ctx: TaskContext) -> TrainingOutcome:
    from .oneshot.errors import OneShotInputError
    from .oneshot.trainer import train

    outcome = TrainingOutcome(req.run_dir, stopped=True)
    if ctx.should_stop():  # cancelled while still queued
        return outcome

    try:
        cfg = None if req.resume else oneshot_config(req)
        if req.resume:  # a display setting; every training setting stays as saved
            from .oneshot.config import OneShotConfig

            saved = OneShotConfig.load(req.run_dir)
            saved.progress_every = GUI_PROGRESS_EVERY
            saved.save(req.run_dir)
        trainer = train(cfg, req.run_dir, should_stop=ctx.should_stop, should_pause=ctx.between_steps,
                        resume=req.resume, progress=lambda p: ctx.emit(TrainingProgressed(ctx.request_id, p)),
                        preview=lambda d: ctx.emit(TrainingPreview(ctx.request_id, d["iteration"], d["images"],
                                                                   d.get("masks"))),
                        iterations=req.iterations if req.resume else None)
        outcome.iteration, outcome.total = trainer.iteration, trainer.cfg.iterations
        outcome.stopped = trainer.iteration < trainer.cfg.iterations
    except OneShotInputError as e:
        outcome.error = str(e)
    except MemoryError:
        outcome.error = "out of memory: try a smaller max image size or the cpu preset"
    except Exception as e:  # noqa: BLE001 - a bug: reported in the panel's error box with the traceback
        log.exception("one-shot training of %s failed", req.run_dir)
        outcome.error, outcome.details = f"internal error: {e.__class__.__name__}: {e}", traceback.format_exc()
    return outcome


def _train_oasis(req: TrainOasis, ctx: TaskContext) -> TrainingOutcome:
    """Check the dataset, train, export."""
    from .errors import InputError
    from .training.cli import TrainHooks, run_train

    outcome = TrainingOutcome(req.run_dir, stopped=True)
    if ctx.should_stop():  # cancelled while still queued
        return outcome
    def progress(p: TrainingProgress) -> None:
        ctx.emit(TrainingProgressed(ctx.request_id, p))
        if p.samples:  # the trainer's sample grid: photo, labels, two EMA images per row
            from .imagefiles import read_picture

            ctx.emit(TrainingPreview(ctx.request_id, p.iteration, sheet=read_picture(Path(p.samples))))
        outcome.iteration, outcome.total = p.iteration, p.total

    def stop():
        ctx.between_steps()  # blocks here while paused (and keeps interactive requests flowing)
        return ctx.should_stop()

    try:
        run_train(req.argv(), TrainHooks(stop, progress))
        from .training.checkpoint import CHECKPOINT_FILE, read_checkpoint
        from .training.trainer import RunSpec

        state = read_checkpoint(Path(req.run_dir) / CHECKPOINT_FILE)[1]
        outcome.iteration, outcome.total = state["iteration"], RunSpec.load(Path(req.run_dir)).settings.iterations
        outcome.stopped = outcome.iteration < outcome.total
        if req.export_to and not outcome.stopped:  # a cancelled run stays a run (resumable), not a model
            from .training.export import export_run

            outcome.model_dir = str(export_run(Path(req.run_dir), Path(req.export_to), overwrite=True))
    except InputError as e:
        outcome.error, outcome.details = str(e), getattr(e, "report", "")
    except MemoryError:
        outcome.error = "out of memory: try a smaller batch or the tiny / light configuration"
    except Exception as e:  # noqa: BLE001 - a bug: reported in the panel's error box with the traceback
        log.exception("OASIS training of %s failed", req.run_dir)
        outcome.error, outcome.details = f"internal error: {e.__class__.__name__}: {e}", traceback.format_exc()
    return outcome
