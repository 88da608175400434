"""`python -m engine` / `oasis-engine`: import, generate, segment, inspect, train, benchmark.

Exit code 0 on success, 2 with a one-line message on bad input. Subcommands from other engine areas
register themselves through `register(subparsers)` functions listed in EXTENSIONS.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from .arguments import ArgumentParser
from .errors import InputError
from .precision import PRECISIONS

# Modules that add subcommands; a module that is missing (optional feature) is skipped.
EXTENSIONS = ("engine.oneshot.cli", "engine.training.cli", "engine.fast.cli", "engine.datasets.cli")


def _cmd_import(args) -> int:
    from .importer import import_oasis_run

    def progress(frac, msg):
        if not args.quiet:
            print(f"[{frac * 100:3.0f}%] {msg}", file=sys.stderr)

    if args.height is None or args.width is None:
        from .importer import summarize_run

        if summarize_run(args.run_dir).preset is None:
            raise InputError("a custom dataset (opt.txt's dataset_mode): give its resolution with --height and "
                             "--width", Path(args.run_dir) / "opt.txt")
    out = import_oasis_run(args.run_dir, args.out, tag=args.tag, height=args.height, width=args.width,
                           generator=args.generator, class_names_file=args.classes, overwrite=args.overwrite,
                           progress=progress)
    print(out)
    return 0


def _load(args):
    from .api import load_model

    return load_model(args.model, device=args.device)


def _cmd_generate(args) -> int:
    from .api import global_noise
    from .imagefiles import image_to_uint8, read_label_map, read_npy, write_npy, write_picture

    # Read the input files before the (slower) model load, so a bad file is reported at once.
    raw_labels = read_label_map(args.labels)
    raw_noise = read_npy(args.noise) if args.noise is not None else None
    model = _load(args)
    labels = model.check_labels(raw_labels, source=str(args.labels))
    if raw_noise is not None:
        noise = model.check_noise(raw_noise, labels.shape, source=str(args.noise))
    else:
        noise = global_noise(model.config.z_dim, args.seed)
    from .fast import inference

    image = inference.generate(model, labels, noise, args.precision)
    suffix = args.out.suffix.lower()
    if suffix == ".npy":
        write_npy(args.out, image.astype("float32"))
    elif suffix == ".png":
        write_picture(args.out, image_to_uint8(image))
    else:
        raise InputError("output must end in .png or .npy", args.out)
    return 0


def _cmd_segment(args) -> int:
    import numpy as np

    from .imagefiles import picture_to_model_input, read_npy, read_picture, write_label_map, write_npy

    model = _load(args)
    cfg = model.config
    if args.image.suffix.lower() == ".npy":
        image = read_npy(args.image)
        expected = (3, cfg.height, cfg.width)
        if image.shape != expected or image.dtype != np.float32:
            raise InputError(f"image array must be float32 of shape {expected}, got {image.dtype} {image.shape}",
                             args.image)
    else:
        image = picture_to_model_input(read_picture(args.image), cfg.height, cfg.width)
    from .fast import inference

    labels, logits = inference.segment(model, image, args.precision)
    if args.out.suffix.lower() != ".png":
        raise InputError("output label map must end in .png", args.out)
    write_label_map(args.out, labels, cfg.palette)
    if args.logits is not None:
        write_npy(args.logits, logits.astype("float32"))
    return 0


def _cmd_info(args) -> int:
    from .config import ModelConfig

    print(ModelConfig.load(Path(args.model) / "config.json").to_json())
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = ArgumentParser(prog="python -m engine", description="OASIS Studio engine")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr (default: warnings)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=ArgumentParser)

    s = sub.add_parser("import-oasis", help="convert a public OASIS run folder into a model folder")
    s.add_argument("run_dir", type=Path)
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--tag", default="best", help="checkpoint tag: best, latest or an iteration number")
    s.add_argument("--height", type=int)
    s.add_argument("--width", type=int)
    s.add_argument("--generator", default="ema", choices=["ema", "g"], help="EMA (default) or raw generator weights")
    s.add_argument("--classes", type=Path, help="text file with one class name per line (custom datasets)")
    s.add_argument("--overwrite", action="store_true")
    s.add_argument("--quiet", action="store_true")
    s.set_defaults(func=_cmd_import)

    for name, func, help_ in (("generate", _cmd_generate, "render an image from a label map"),
                              ("segment", _cmd_segment, "turn a photo into a label map")):
        s = sub.add_parser(name, help=help_)
        s.add_argument("--model", type=Path, required=True)
        s.add_argument("--out", type=Path, required=True)
        s.add_argument("--precision", default="fp32", choices=PRECISIONS)
        s.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
        s.set_defaults(func=func)
        if name == "generate":
            s.add_argument("--labels", type=Path, required=True)
            s.add_argument("--noise", type=Path)
            s.add_argument("--seed", type=int, default=0)
        else:
            s.add_argument("--image", type=Path, required=True)
            s.add_argument("--logits", type=Path)

    s = sub.add_parser("info", help="print a model's configuration")
    s.add_argument("--model", type=Path, required=True)
    s.set_defaults(func=_cmd_info)

    for modname in EXTENSIONS:
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as e:
            if e.name and modname.startswith(e.name):
                continue  # feature not present in this build
            raise
        mod.register(sub)
    return p


def main(argv=None) -> int:
    from .logs import log_to_stderr

    try:
        args = build_parser().parse_args(argv)
        log_to_stderr(logging.INFO if args.verbose else logging.WARNING)
        return int(args.func(args) or 0)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        return 0
    except OSError as e:  # no permission, disk full, name too long, a folder where a file belongs, ...
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        print(f"error: {where}{e.strerror or e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except MemoryError:
        print("error: out of memory", file=sys.stderr)
        return 2


def main_exit() -> None:
    """Console-script entry point (`oasis-engine`)."""
    sys.exit(main())
