"""`python -m engine train-oasis ...` and `python -m engine export-oasis ...`."""

from __future__ import annotations

import dataclasses
import json
import signal
import sys
import time
from pathlib import Path

from ..arguments import ArgumentParser
from ..config import DISCRIMINATOR_KINDS, UPSAMPLE_MODES
from ..errors import InputError
from ..precision import TRAINING_PRECISIONS

REPO_LANDSCAPES = Path(__file__).resolve().parents[2] / "resources" / "landscapes"


def read_classes(path: Path) -> tuple[tuple, tuple]:
    """(names, palette) from a classes.json: {"classes": [{"index", "name", "color"}, ...]}."""
    try:
        items = sorted(json.loads(Path(path).read_text())["classes"], key=lambda c: c["index"])
        if [c["index"] for c in items] != list(range(len(items))):
            raise InputError("class indices must be 0..N-1 without gaps", path)
        return tuple(str(c["name"]) for c in items), tuple(tuple(int(v) for v in c["color"]) for c in items)
    except FileNotFoundError:
        raise InputError("class list not found", path) from None
    except (ValueError, KeyError, TypeError) as e:
        raise InputError(f"malformed class list ({e.__class__.__name__}: {e})", path) from None


def _data_paths(args) -> tuple[Path, Path, Path | None]:
    labels = args.labels or (args.data / "labels" if (args.data / "labels").is_dir() else REPO_LANDSCAPES / "labels")
    classes = args.classes or labels.parent / "classes.json"
    beside = labels.parent / "manifest.json"
    manifest = args.manifest or (beside if beside.is_file() else None)
    return labels, classes, manifest


class DatasetProblems(InputError):
    """The dataset check found bad files; `report` is the whole report (every file, how to fix each kind)."""

    def __init__(self, message: str, path, report: str):
        self.report = report
        super().__init__(message, path)


@dataclasses.dataclass
class TrainHooks:
    """For a caller that runs train-oasis in its own process (the editor): asked between two iterations
    whether to stop (the editor pauses inside this call), told each iteration's numbers."""

    should_stop: object
    progress: object


def run_train(argv: list[str], hooks: TrainHooks) -> int:
    """`train-oasis ARGV` in this process, with `hooks` instead of signals and printing; InputError
    (DatasetProblems for a failed dataset check) propagates to the caller."""
    # This module's own subcommands, not engine.cli's whole parser: the training layer sits below the
    # entry points (the layers contract in pyproject.toml).
    parser = ArgumentParser(prog="oasis-engine")
    register(parser.add_subparsers(dest="command", required=True, parser_class=ArgumentParser))
    args = parser.parse_args(["train-oasis", *argv])
    args.hooks = hooks
    return int(args.func(args) or 0)


def _legacy_layout(args) -> bool:
    """The old landscape call (--data PHOTOS [--labels DIR --manifest FILE]): a folder dataset whose
    photos and labels live apart, filtered by the manifest's split; unmatched files are skipped."""
    from ..datasets.readers import IMAGE_DIRS

    return args.labels is not None or not any((args.data / d).is_dir() for d in IMAGE_DIRS)


def open_source(args, kind: str | None):
    from ..datasets.readers import open_dataset, read_folder

    if kind is None and _legacy_layout(args):
        labels_dir, classes_path, manifest = _data_paths(args)
        allowed = None
        if manifest is not None and args.split is not None:
            try:
                photos = json.loads(Path(manifest).read_text())["photos"]
            except (OSError, ValueError, KeyError) as e:
                raise InputError(f"cannot read the photo list ({e.__class__.__name__})", manifest) from None
            allowed = {p["id"] for p in photos if p.get("split") == args.split}
        source = read_folder(labels_dir.parent, images_dir=args.data, labels_dir=labels_dir, classes=classes_path,
                             allowed=allowed, strict_pairs=False)
        return source, {"name": args.dataset_name or "landscapes", "photos": str(args.data),
                        "labels": str(labels_dir), "manifest": str(manifest) if manifest else None,
                        "split": args.split}
    kind = kind or "folder"
    if kind == "folder":
        source = read_folder(args.data, labels_dir=args.labels, classes=args.classes)
    else:
        source = open_dataset(kind, args.data, args.split)
    preset_names = {"ade20k": "ade20k", "cityscapes": "cityscapes", "coco-stuff": "coco"}
    name = args.dataset_name or preset_names.get(kind, "custom")
    return source, {"name": name, "kind": kind, "root": str(args.data), "split": args.split}


def _run_check(args, source, dist, cache) -> bool:
    """Rank 0 checks every file; all processes learn the verdict. On problems rank 0 prints the report
    and ends with the one-line error naming the first bad file."""
    from ..datasets.check import check_with_cache

    report = None
    if dist.is_main:
        def progress(done, total):
            if total >= 2048 and (done == total or done % 2048 < 64):  # big datasets take minutes
                print(f"checking {done}/{total} pairs", file=sys.stderr, flush=True)

        report = check_with_cache(source, cache, args.workers, progress)
        quiet = getattr(args, "hooks", None) is not None  # the caller shows the exception's report
        if report.ok and args.check and not quiet:
            print(report.text(), flush=True)
        elif not report.ok and not quiet:
            print(report.text(), file=sys.stderr, flush=True)
    ok = dist.broadcast_flag(report.ok if report else True)
    if not ok and report is not None:
        kind, _, path = report.problems[0]
        what = "the check" if args.check else "training does not start"
        raise DatasetProblems(f"{len(report.problems)} dataset problem(s), the first [{kind}] in this file; {what} "
                              "(the report above lists every file and how to fix each kind)", path, report.text())
    return ok


def _cmd_train(args) -> int:
    from .distributed import Distributed

    if args.init_from is not None and args.resume:  # refused before any data is read
        raise InputError("--init-from starts a new run; it cannot be combined with --resume", args.init_from)
    if args.out is None and not args.check:
        raise InputError("--out RUN is needed to train (only --check runs without one)")
    dist = Distributed.from_environment(args.device)
    try:
        return _train(args, dist)
    finally:
        dist.close()


def _train(args, dist) -> int:
    import torch

    from ..regularizers import RegularizerSettings
    from .augment import AugmentSettings
    from .checkpoint import CHECKPOINT_FILE
    from .presets import ARCH_PRESETS
    from .settings import TrainSettings
    from .trainer import OasisTrainer, RunSpec

    torch.set_num_threads(args.threads)
    run_dir = args.out
    saved = RunSpec.load(run_dir) if args.resume else None
    kind = args.dataset or (saved.data.get("kind") if saved else None)
    source, data_record = open_source(args, kind)
    if not _run_check(args, source, dist, run_dir / "dataset_check.json" if run_dir else None):
        return 2
    if args.check:
        return 0
    if saved is not None:
        spec = saved
        if args.iterations:
            spec.settings = dataclasses.replace(spec.settings, iterations=args.iterations)
        changed = {k: v for k, v in (("lr_g", args.lr_g), ("lr_d", args.lr_d),
                                      ("lambda_perceptual", args.lambda_perceptual)) if v is not None}
        if args.colour_strength is not None:
            changed["augment"] = dataclasses.replace(spec.settings.augment, colour_strength=args.colour_strength)
        if args.discriminator is not None and args.discriminator != spec.arch.d_kind:
            raise InputError(f"this run trains a {spec.arch.d_kind!r} discriminator; --discriminator "
                             f"{args.discriminator} needs a new run (--init-from keeps nothing of another kind's D)",
                             run_dir)
        if args.snapshot_every is not None:  # bookkeeping only: the course of training is unchanged
            spec.settings = dataclasses.replace(spec.settings, snapshot_every=args.snapshot_every)
        if args.precision is not None and args.precision != spec.settings.precision:
            changed["precision"] = args.precision
        spec.settings = dataclasses.replace(spec.settings, **changed)
        spec.settings.validate()  # the changed values as strictly as a new run's
        if args.upsample is not None and args.upsample != spec.arch.upsample:
            # same weights, another upsampling: fine-tunes a nearest-upsampling run into a bilinear one
            spec.arch = dataclasses.replace(spec.arch, upsample=args.upsample)
            changed["upsample"] = args.upsample
        if len(spec.class_names) != len(source.class_names):
            raise InputError(f"the run has {len(spec.class_names)} classes but this dataset "
                             f"{len(source.class_names)}", args.data)
    else:
        changed = {}
        if (run_dir / "checkpoint.safetensors").exists():
            raise InputError("run folder already has a checkpoint (pass --resume to continue it)", run_dir)
        if args.config not in ARCH_PRESETS:
            raise InputError(f"unknown --config {args.config!r} (choose from {', '.join(ARCH_PRESETS)})")
        augment_mode = args.augment or source.default_augment
        overrides = {k: v for k, v in (("iterations", args.iterations), ("batch_size", args.batch_size),
                                       ("lr_g", args.lr_g), ("lr_d", args.lr_d), ("seed", args.seed),
                                       ("checkpoint_every", args.checkpoint_every),
                                       ("sample_every", args.sample_every), ("bn_batches", args.bn_batches),
                                       ("snapshot_every", args.snapshot_every),
                                       ("min_zoom", args.min_zoom), ("max_zoom", args.max_zoom),
                                       ("copy_paste_prob", args.copy_paste),
                                       ("lambda_perceptual", args.lambda_perceptual)) if v is not None}
        overrides["data_augment"] = augment_mode
        if augment_mode == "public":  # the public code has neither copy-paste nor augmentation in front of D
            overrides["augment"] = AugmentSettings(colour=False, translation=0.0, cutout=0.0)
            overrides.setdefault("copy_paste_prob", 0.0)
            frame = source.frame
        else:
            frame = (0, 0)
        overrides["height"], overrides["width"] = args.height or frame[0], args.width or frame[1]
        if (args.height is None) != (args.width is None) and augment_mode == "public":
            raise InputError("give both --height and --width")
        if args.colour_strength is not None:
            overrides["augment"] = AugmentSettings(colour_strength=args.colour_strength)
        if args.no_diffaug:
            overrides["augment"] = AugmentSettings(colour=False, translation=0.0, cutout=0.0)
        regs = {k: v for k, v in (("adaptivemix", args.adaptivemix), ("asa", args.asa)) if v}
        if args.mixdl:
            regs["mixdl"] = True
        if args.asa:  # the ramp stays as created even if a resume changes --iterations
            regs["asa_ramp_iters"] = overrides.get("iterations", TrainSettings.iterations)
        settings = TrainSettings(precision=args.precision or "auto", channels_last=args.channels_last,
                                 regularizers=RegularizerSettings(**regs), **overrides)
        settings.validate()
        arch = ARCH_PRESETS[args.config]
        if args.discriminator is not None:
            arch = dataclasses.replace(arch, d_kind=args.discriminator)
        if args.upsample is not None:
            arch = dataclasses.replace(arch, upsample=args.upsample)
        step = 2 ** (len(arch.d_widths) - 1)  # the discriminator's downsamplings
        for what, v in (("--height", overrides["height"]), ("--width", overrides["width"])):
            if v and v % step:
                raise InputError(f"{what} {v} is not a multiple of {step} (what the {args.config} networks need)")
        unknown = source.unknown_index if args.unknown_index is None else args.unknown_index
        spec = RunSpec(args.config, arch, source.class_names, source.palette, unknown, settings, data_record)
    s = spec.settings
    if s.batch_size % dist.world:
        raise InputError(f"--batch-size {s.batch_size} (the global batch) is not divisible by the "
                         f"{dist.world} processes")
    if dist.active and s.regularizers.any:
        raise InputError("AdaptiveMix, MixDL and ASA are not supported with more than one process")
    names = [smp.name for smp in source.samples]
    spec.data["photo_ids" if len(names) <= 1000 else "pairs"] = names if len(names) <= 1000 else len(names)
    trainer = OasisTrainer(run_dir, spec, source, workers=args.workers, dist=dist)
    if args.init_from is not None:
        source_ckpt = args.init_from / CHECKPOINT_FILE if args.init_from.is_dir() else args.init_from
        spec.data["init_from"] = trainer.init_from(source_ckpt)
    if args.resume:
        trainer.resume()
        if changed:  # recorded in run.json (written when training starts) at the iteration they start from
            spec.data.setdefault("setting_changes", []).append(
                {"iteration": trainer.iteration, **{k: (dataclasses.asdict(v) if k == "augment" else v)
                                                    for k, v in changed.items()}})
    pairs = source.samples
    def say(*a, **k):  # rank 0 logs; the editor shows its own progress
        if dist.is_main and getattr(args, "hooks", None) is None:
            print(*a, **k)

    shown = ", ".join(p.name for p in pairs[:20]) + (f", ... ({len(pairs) - 20} more)" if len(pairs) > 20 else "")
    say(f"training {spec.preset_name} ({spec.arch.d_kind} D): {len(pairs)} photos ({shown}), from iteration "
        f"{trainer.iteration} to {spec.settings.iterations}, {args.threads} threads, {dist.world} process(es) x batch "
        f"{s.batch_size // dist.world} on {trainer.device}, precision {spec.settings.precision} -> "
        f"{str(trainer.dtype).replace('torch.', '')}", flush=True)

    stop = {"flag": False}
    hooks = getattr(args, "hooks", None)
    if hooks is None:
        signal.signal(signal.SIGTERM, lambda *_: stop.update(flag=True))
    deadline = time.monotonic() + args.max_minutes * 60 if args.max_minutes else None

    def should_stop():
        asked = hooks is not None and hooks.should_stop()  # the editor pauses inside this call
        return asked or stop["flag"] or (deadline is not None and time.monotonic() > deadline)

    def progress(p):
        if hooks is not None:
            return hooks.progress(p)
        it, loss = p.iteration, p.losses
        if it % args.log_every == 0 or p.checkpoint or it == p.total:
            print(f"it {it}/{p.total} | {p.seconds_per_iteration:.2f} s/it | "
                  f"G {loss['g']:.3f} | D fake {loss['d_fake']:.3f} real {loss['d_real']:.3f} lm {loss['d_lm']:.4f} | "
                  f"train {p.train_seconds / 60:.1f} min" + (" | checkpoint" if p.checkpoint else ""),
                  flush=True)

    try:
        state = trainer.train(should_stop, progress)
    except KeyboardInterrupt:
        trainer.save()
        say(f"interrupted; checkpoint at iteration {trainer.iteration}", file=sys.stderr)
        return 130
    say(f"stopped at iteration {state['iteration']} after {state['train_seconds'] / 60:.1f} min of training",
        flush=True)
    return 0


def _cmd_export(args) -> int:
    from .export import export_run

    print(export_run(args.run, args.out, overwrite=args.overwrite, segmenter_run=args.segmenter_from))
    return 0


def register(sub) -> None:
    s = sub.add_parser("train-oasis", help="train an OASIS model on photos with label maps (resumable;"
                       " --lr-g/--lr-d/--lambda-perceptual/--colour-strength may change on --resume and are recorded)")
    s.add_argument("--dataset", choices=("ade20k", "cityscapes", "coco-stuff", "folder"),
                   help="layout of --data (docs/training.md); default: folder, or the old photos + --labels call")
    s.add_argument("--data", type=Path, required=True, help="dataset root (or, without --dataset, a folder of photos)")
    s.add_argument("--out", type=Path, help="run folder (checkpoints, samples, log)")
    s.add_argument("--check", action="store_true", help="only check the dataset (every file) and report")
    s.add_argument("--labels", type=Path, help="label-map folder (default: DATA/labels or the bundled landscapes)")
    s.add_argument("--classes", type=Path, help="class list: classes.json, classes.txt, labelmap.txt "
                   "(default: in the dataset folder / next to the label folder)")
    s.add_argument("--augment", choices=("ours", "public"), help="data augmentation (default: public for "
                   "ade20k/cityscapes/coco-stuff, ours for folders)")
    s.add_argument("--height", type=int, help="model / training height (default: the dataset's or preset's)")
    s.add_argument("--width", type=int)
    s.add_argument("--min-zoom", type=float, help="ours: smallest scale (short side -> frame x zoom; 0.9)")
    s.add_argument("--max-zoom", type=float, help="ours: largest scale (multi-scale crops, e.g. 3; default 1.3)")
    s.add_argument("--copy-paste", type=float, metavar="P", help="ours: copy-paste probability (0.3)")
    s.add_argument("--workers", type=int, default=2, help="DataLoader worker processes (0: load in-process)")
    s.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    s.add_argument("--manifest", type=Path, help="manifest.json with train/heldout splits (default: next to labels)")
    s.add_argument("--split", default="train")
    s.add_argument("--dataset-name", help="name recorded in the model (default: the dataset kind, "
                   "landscapes for the old call, custom for folders)")
    s.add_argument("--unknown-index", type=int, help="default: the dataset's (0)")
    s.add_argument("--config", default="light", help="architecture preset: light, public, tiny")
    s.add_argument("--iterations", type=int)
    s.add_argument("--batch-size", type=int)
    s.add_argument("--lr-g", type=float)
    s.add_argument("--lr-d", type=float)
    s.add_argument("--seed", type=int)
    s.add_argument("--lambda-perceptual", type=float, metavar="W",
                   help="weight of G's feature distance to the photo of its crop (default 0: off; may change on"
                        " --resume)")
    s.add_argument("--upsample", choices=UPSAMPLE_MODES,
                   help="generator x2 upsampling (default: the preset's; with --resume, switches the run)")
    s.add_argument("--colour-strength", type=float, help="scale of the colour augmentation (1 = DiffAugment)")
    s.add_argument("--no-diffaug", action="store_true", help="no differentiable augmentation in front of D")
    s.add_argument("--adaptivemix", type=float, metavar="W", help="AdaptiveMix loss weight on D (default off)")
    s.add_argument("--mixdl", action="store_true", help="MixDL distance learning (lambda_G 1000, lambda_D 1)")
    s.add_argument("--asa", type=float, metavar="LAMBDA",
                   help="ASA feature augmentation, lambda ramped up over the run")
    s.add_argument("--checkpoint-every", type=int)
    s.add_argument("--sample-every", type=int)
    s.add_argument("--snapshot-every", type=int, help="keep a copy of the checkpoint every N iterations (1000;"
                   " may change on --resume)")
    s.add_argument("--bn-batches", type=int, help="batches for the EMA BatchNorm statistics at each save (50)")
    s.add_argument("--precision", choices=TRAINING_PRECISIONS,
                   help="autocast dtype: auto (default: bf16 on AMX CPUs and CUDA, else fp32), fp32, bf16;"
                        " may change on --resume")
    s.add_argument("--discriminator", choices=DISCRIMINATOR_KINDS,
                   help="unet (learns its own features; the preset's) or efficientnet-lite0 (frozen ImageNet"
                        " features and a trainable decoder)")
    s.add_argument("--channels-last", action="store_true")
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--max-minutes", type=float, help="stop (with a checkpoint) after this much wall time")
    s.add_argument("--log-every", type=int, default=10)
    s.add_argument("--resume", action="store_true")
    s.add_argument("--init-from", type=Path, metavar="RUN_OR_CHECKPOINT",
                   help="start a new run from another run's weights (same --config); fine-tuning")
    s.set_defaults(func=_cmd_train)

    s = sub.add_parser("export-oasis", help="write a model folder from a training run (EMA generator + D)")
    s.add_argument("--run", type=Path, required=True)
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--overwrite", action="store_true")
    s.add_argument("--segmenter-from", type=Path, metavar="RUN",
                   help="take the discriminator (the model's segmenter for Photo to layout) from this run on the"
                        " same classes instead (recorded in the provenance)")
    s.set_defaults(func=_cmd_export)

    from .segmenter import register as register_segmenter

    register_segmenter(sub)
