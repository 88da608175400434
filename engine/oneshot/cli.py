"""Subcommands train-oneshot, sample-oneshot and eval-oneshot for the engine CLI.

engine/cli.py (owned elsewhere) calls register(subparsers); every subcommand sets func=...,
which takes the parsed args and returns an exit code.
"""
from __future__ import annotations

import argparse
import json
import sys

from .errors import OneShotInputError


def register(subparsers) -> None:
    p = subparsers.add_parser("train-oneshot", help="train SIV-GAN (image/video) or OSMIS (with masks)")
    p.add_argument("--images", help="image file, folder of images, or video file")
    p.add_argument("--masks", help="indexed PNG mask (single image) or folder of masks")
    p.add_argument("--out", required=True, help="run folder")
    p.add_argument("--iterations", type=int)
    p.add_argument("--max-size", type=int, help="scale the longer image side to at most this")
    p.add_argument("--preset", default="cpu", help="faithful (thesis settings) or cpu (default)")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    p.add_argument("--log-every", type=int, help="print a progress line every K iterations")
    p.add_argument("--max-minutes", type=float, help="stop (with a checkpoint) after this long")
    p.add_argument("--threads", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--diffaug-prob", type=float, help="probability of each differentiable augmentation (0 = off)")
    p.add_argument("--adaptivemix", type=float, metavar="W", help="AdaptiveMix loss weight on D (default off)")
    p.add_argument("--mixdl", action="store_true", help="MixDL distance learning (lambda_G 1000, lambda_D 1)")
    p.add_argument("--asa", type=float, metavar="LAMBDA",
                   help="ASA feature augmentation, lambda ramped up over the run")
    p.set_defaults(func=_train)

    p = subparsers.add_parser("sample-oneshot", help="generate samples from a one-shot run")
    p.add_argument("--run", required=True)
    p.add_argument("--n", type=int, default=100)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--grid", help="also write a contact sheet (first --grid-count samples, masks below)")
    p.add_argument("--grid-count", type=int, default=12)
    p.set_defaults(func=_sample)

    p = subparsers.add_parser("eval-oneshot", help="SIFID, diversity, distance to train, mask mIoU")
    p.add_argument("--run", required=True)
    p.add_argument("--real", required=True, help="the real training image")
    p.add_argument("--mask", help="its mask (OSMIS): enables the mask alignment test")
    p.add_argument("--n", type=int, default=50, help="number of generated samples")
    p.add_argument("--unet-epochs", type=int, default=30)
    p.add_argument("--json", action="store_true", help="print metrics as JSON")
    p.set_defaults(func=_eval)


def _train(args) -> int:
    from .config import OneShotConfig, config_for_size
    from .data import load_inputs
    from .trainer import train
    try:
        if args.resume:
            cfg = None
            if args.log_every:  # a display choice; every training setting stays as saved
                saved = OneShotConfig.load(args.out)
                saved.progress_every = args.log_every
                saved.save(args.out)
        else:
            if not args.images:
                print("train-oneshot: --images is required (unless --resume)", file=sys.stderr)
                return 2
            inputs = load_inputs(args.images, args.masks)
            h, w = inputs.size
            cfg = config_for_size(h, w, images=args.images, masks=args.masks,
                                  num_mask_channels=inputs.num_mask_channels, preset=args.preset,
                                  num_frames=len(inputs.images), max_size=args.max_size,
                                  iterations=args.iterations, threads=args.threads, seed=args.seed,
                                  progress_every=args.log_every, diffaug_prob=args.diffaug_prob,
                                  adaptivemix=args.adaptivemix, mixdl=args.mixdl or None, asa=args.asa)
            print(f"{cfg.mode}: {len(inputs.images)} frame(s) {w}x{h} -> train "
                  f"{cfg.train_hw[1]}x{cfg.train_hw[0]}, g={cfg.g_blocks}, D={cfg.d_blocks}"
                  f"/{cfg.d_low_blocks} low-level, noise {cfg.noise_shape[0]}x{cfg.noise_shape[1]}"
                  + (f", N={cfg.num_mask_channels} mask channels" if cfg.use_masks else ""), flush=True)

        def progress(p):
            losses = " ".join(f"{k}={v:.3f}" for k, v in p.losses.items())
            print(f"it {p.iteration}/{p.total}  {p.seconds_per_iteration:.3f} s/it  "
                  f"eta {p.eta_s / 60:.1f} min  {losses}", flush=True)

        trainer = train(cfg, args.out, progress=progress, resume=args.resume,
                        iterations=args.iterations if args.resume else None,
                        max_seconds=args.max_minutes * 60 if args.max_minutes else None)
        print(f"checkpoint at iteration {trainer.iteration} in {args.out}", flush=True)
        return 0
    except OneShotInputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _sample(args) -> int:
    from .sample import sample_run, write_grid
    try:
        paths = sample_run(args.run, args.n, args.out, args.seed)
        if args.grid:
            write_grid(args.run, args.grid, args.grid_count, args.seed)
    except OneShotInputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {len(paths)} samples to {args.out}" + (f" and {args.grid}" if args.grid else ""))
    return 0


def _eval(args) -> int:
    from ..perceptual import MissingMetricsDependency
    from .metrics import evaluate_run
    try:
        metrics = evaluate_run(args.run, args.real, args.mask, n=args.n, unet_epochs=args.unet_epochs)
    except (OneShotInputError, MissingMetricsDependency) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(metrics, indent=2))
    else:
        for k, v in metrics.items():
            print(f"{k:>24}: {v:.4f}" if isinstance(v, float) else f"{k:>24}: {v}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.oneshot")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    # development aliases: "train", "sample", "eval"
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in ("train", "sample", "eval"):
        argv[0] += "-oneshot"
    args = parser.parse_args(argv)
    return args.func(args)
