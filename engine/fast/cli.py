"""`python -m engine bench-generate`: exact vs fast vs incremental timings and errors, as JSON or text."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import InputError
from ..precision import PRECISIONS


def _cmd_bench(args) -> int:
    import torch

    from .bench import run_benchmark

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.model is not None:
        from ..api import load_model

        model = load_model(args.model, device=args.device)
    elif args.random_weights:
        from ..api import resolve_device
        from ..presets import get_preset
        from .synthetic import random_model

        if get_preset(args.preset) is None:
            raise InputError(f"unknown preset {args.preset!r} (ade20k, cityscapes, coco)")
        model = random_model(args.preset, seed=args.seed, base_width=args.channels_g,
                             device=str(resolve_device(args.device)))
    else:
        raise InputError("give --model DIR, or --preset NAME --random-weights")
    if args.repeat < 1:
        raise InputError("--repeat must be >= 1")
    result = run_benchmark(model, repeat=args.repeat, precision=args.precision, seed=args.seed)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for k, v in result.items():
            print(f"{k}: {v}")
    return 0


def register(subparsers) -> None:
    s = subparsers.add_parser("bench-generate", help="time exact vs fast vs incremental generation and segmentation")
    s.add_argument("--model", type=Path, help="a model folder")
    s.add_argument("--preset", default="ade20k", help="architecture preset for --random-weights")
    s.add_argument("--random-weights", action="store_true", help="benchmark a random-weight model of the preset")
    s.add_argument("--channels-g", type=int, default=None, help="generator width for --random-weights (default 64)")
    s.add_argument("--repeat", type=int, default=3)
    s.add_argument("--precision", default="auto", choices=PRECISIONS)
    s.add_argument("--device", default="cpu")
    s.add_argument("--threads", type=int, default=0, help="torch threads (0 = torch default)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_cmd_bench)
