"""`python -m engine train-oasis ...` and `python -m engine export-oasis ...`."""

from __future__ import annotations

import argparse
import dataclasses
import json
import signal
import sys
import time
from pathlib import Path

from ..config import UPSAMPLE_MODES
from ..errors import InputError

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
    manifest = args.manifest or (labels.parent / "manifest.json" if (labels.parent / "manifest.json").is_file() else None)
    return labels, classes, manifest


def _cmd_train(args) -> int:
    import torch

    from .checkpoint import CHECKPOINT_FILE
    from .data import load_pairs
    from .presets import PRESETS
    from .settings import TrainSettings
    from .trainer import OasisTrainer, RunSpec

    if args.init_from is not None and args.resume:  # refused before any data is read
        raise InputError("--init-from starts a new run; it cannot be combined with --resume", args.init_from)
    torch.set_num_threads(args.threads)
    labels_dir, classes_path, manifest = _data_paths(args)
    run_dir = args.out
    if args.resume:
        spec = RunSpec.load(run_dir)
        if args.iterations:
            spec.settings = dataclasses.replace(spec.settings, iterations=args.iterations)
        changed = {k: v for k, v in (("lr_g", args.lr_g), ("lr_d", args.lr_d)) if v is not None}
        if args.colour_strength is not None:
            changed["augment"] = dataclasses.replace(spec.settings.augment, colour_strength=args.colour_strength)
        spec.settings = dataclasses.replace(spec.settings, **changed)
        if args.upsample is not None and args.upsample != spec.arch.upsample:
            # same weights, another upsampling: fine-tunes a nearest-upsampling run into a bilinear one
            spec.arch = dataclasses.replace(spec.arch, upsample=args.upsample)
            changed["upsample"] = args.upsample
    else:
        changed = {}
        if (run_dir / "checkpoint.safetensors").exists():
            raise InputError("run folder already has a checkpoint (pass --resume to continue it)", run_dir)
        if args.config not in PRESETS:
            raise InputError(f"unknown --config {args.config!r} (choose from {', '.join(PRESETS)})")
        names, palette = read_classes(classes_path)
        overrides = {k: v for k, v in (("iterations", args.iterations), ("batch_size", args.batch_size),
                                       ("lr_g", args.lr_g), ("lr_d", args.lr_d), ("seed", args.seed),
                                       ("checkpoint_every", args.checkpoint_every),
                                       ("sample_every", args.sample_every),
                                       ("bn_batches", args.bn_batches)) if v is not None}
        if args.colour_strength is not None:
            from .augment import AugmentSettings

            overrides["augment"] = AugmentSettings(colour_strength=args.colour_strength)
        if args.no_diffaug:
            from .augment import AugmentSettings

            overrides["augment"] = AugmentSettings(colour=False, translation=0.0, cutout=0.0)
        overrides.update({k: v for k, v in (("adaptivemix", args.adaptivemix), ("asa", args.asa)) if v})
        if args.mixdl:
            overrides["mixdl"] = True
        if args.asa:  # the ramp stays as created even if a resume changes --iterations
            overrides["asa_ramp_iters"] = overrides.get("iterations", TrainSettings.iterations)
        settings = TrainSettings(bf16=args.bf16, channels_last=args.channels_last, **overrides)
        arch = PRESETS[args.config]
        if args.upsample is not None:
            arch = dataclasses.replace(arch, upsample=args.upsample)
        spec = RunSpec(args.config, arch, names, palette, args.unknown_index, settings,
                       {"name": args.dataset_name, "photos": str(args.data), "labels": str(labels_dir),
                        "manifest": str(manifest) if manifest else None, "split": args.split})
    pairs = load_pairs(args.data, labels_dir, len(spec.class_names), manifest, args.split)
    spec.data["photo_ids"] = [p.name for p in pairs]
    trainer = OasisTrainer(run_dir, spec, pairs)
    if args.init_from is not None:
        source = args.init_from / CHECKPOINT_FILE if args.init_from.is_dir() else args.init_from
        spec.data["init_from"] = trainer.init_from(source)
    if args.resume:
        trainer.resume()
        if changed:  # recorded in run.json (written when training starts) at the iteration they start from
            spec.data.setdefault("setting_changes", []).append(
                {"iteration": trainer.iteration, **{k: (dataclasses.asdict(v) if k == "augment" else v)
                                                    for k, v in changed.items()}})
    print(f"training {spec.preset_name}: {len(pairs)} photos ({', '.join(p.name for p in pairs)}), "
          f"from iteration {trainer.iteration} to {spec.settings.iterations}, {args.threads} threads", flush=True)

    stop = {"flag": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(flag=True))
    deadline = time.monotonic() + args.max_minutes * 60 if args.max_minutes else None

    def should_stop():
        return stop["flag"] or (deadline is not None and time.monotonic() > deadline)

    def progress(info):
        it = info["iteration"]
        if it % args.log_every == 0 or "checkpoint" in info or it == info["iterations"]:
            print(f"it {it}/{info['iterations']} | {info['seconds_per_iteration']:.2f} s/it | "
                  f"G {info['g']:.3f} | D fake {info['d_fake']:.3f} real {info['d_real']:.3f} lm {info['d_lm']:.4f} | "
                  f"train {info['train_seconds'] / 60:.1f} min" + (" | checkpoint" if "checkpoint" in info else ""),
                  flush=True)

    try:
        state = trainer.train(should_stop, progress)
    except KeyboardInterrupt:
        trainer.save()
        print(f"interrupted; checkpoint at iteration {trainer.iteration}", file=sys.stderr)
        return 130
    print(f"stopped at iteration {state['iteration']} after {state['train_seconds'] / 60:.1f} min of training", flush=True)
    return 0


def _cmd_export(args) -> int:
    from .export import export_run

    print(export_run(args.run, args.out, overwrite=args.overwrite))
    return 0


def register(sub) -> None:
    s = sub.add_parser("train-oasis", help="train an OASIS model on photos with label maps (resumable;"
                       " --lr-g/--lr-d/--colour-strength may change on --resume and are recorded)")
    s.add_argument("--data", type=Path, required=True, help="folder of photos")
    s.add_argument("--out", type=Path, required=True, help="run folder (checkpoints, samples, log)")
    s.add_argument("--labels", type=Path, help="label-map folder (default: DATA/labels or the bundled landscapes)")
    s.add_argument("--classes", type=Path, help="classes.json (default: next to the label folder)")
    s.add_argument("--manifest", type=Path, help="manifest.json with train/heldout splits (default: next to labels)")
    s.add_argument("--split", default="train")
    s.add_argument("--dataset-name", default="landscapes")
    s.add_argument("--unknown-index", type=int, default=0)
    s.add_argument("--config", default="light", help="architecture preset: light, public, tiny")
    s.add_argument("--iterations", type=int)
    s.add_argument("--batch-size", type=int)
    s.add_argument("--lr-g", type=float)
    s.add_argument("--lr-d", type=float)
    s.add_argument("--seed", type=int)
    s.add_argument("--upsample", choices=UPSAMPLE_MODES,
                   help="generator x2 upsampling (default: the preset's; with --resume, switches the run)")
    s.add_argument("--colour-strength", type=float, help="scale of the colour augmentation (1 = DiffAugment)")
    s.add_argument("--no-diffaug", action="store_true", help="no differentiable augmentation in front of D")
    s.add_argument("--adaptivemix", type=float, metavar="W", help="AdaptiveMix loss weight on D (default off)")
    s.add_argument("--mixdl", action="store_true", help="MixDL distance learning (lambda_G 1000, lambda_D 1)")
    s.add_argument("--asa", type=float, metavar="LAMBDA", help="ASA feature augmentation, lambda ramped up over the run")
    s.add_argument("--checkpoint-every", type=int)
    s.add_argument("--sample-every", type=int)
    s.add_argument("--bn-batches", type=int, help="batches for the EMA BatchNorm statistics at each save (50)")
    s.add_argument("--bf16", action="store_true", help="bf16 autocast (only faster on CPUs with AMX)")
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
    s.set_defaults(func=_cmd_export)
