"""Import a run folder of the public OASIS code into our model format.

The run folder holds `opt.txt` and `models/<tag>_{G,EMA,D}.pth`. Class count and widths are read from
the weights and checked against opt.txt; every key and shape is checked against what the public code
would have written for that configuration; spectral norm and BatchNorm are folded once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import torch

from .checkpoint_io import check_finite, check_state_against, read_pth_state_dict
from .config import SIZE_MULTIPLE, DiscriminatorConfig, GeneratorConfig, ModelConfig
from .errors import InputError
from .layers import fold_batch_norm, fold_spectral_norm
from .model_folder import save_model_folder
from .oasis_discriminator import OasisDiscriminator
from .oasis_generator import OasisGenerator
from .opt_txt import opt_bool, opt_int, parse_opt_txt
from .presets import DatasetPreset, default_palette, get_preset

_G_SN_CONV = re.compile(r"^body\.\d+\.conv_[01s]\.weight$")
_D_SN_CONV = re.compile(r"^body_(down|up)\.\d+\.(conv1\.\d|conv2\.\d|conv_s)\.weight$")
_G_NORM = re.compile(r"^(body\.\d+\.norm_[01s]\.first_norm)\.(scale|shift)$")


def _public_plan(ours: dict, sn_conv: re.Pattern, spectral: bool):
    """For each of our keys, how it is made from the public keys; and the public key -> shape table."""
    plan, expected = {}, {}
    for key, shape in ours.items():
        shape = tuple(shape)
        m = _G_NORM.match(key)
        if m:
            base = m.group(1)
            plan[key] = ("bn", base, m.group(2))
            expected.update({f"{base}.running_mean": (shape[0],), f"{base}.running_var": (shape[0],),
                             f"{base}.num_batches_tracked": ()})
        elif spectral and sn_conv.match(key):
            base = key[: -len(".weight")]
            plan[key] = ("sn", base, None)
            expected.update({f"{base}.weight_orig": shape, f"{base}.weight_u": (shape[0],),
                             f"{base}.weight_v": (shape[1] * shape[2] * shape[3],)})
        else:
            public = key.replace(".mlp_shared.", ".mlp_shared.0.")
            plan[key] = ("plain", public, None)
            expected[public] = shape
    return plan, expected


def _convert(public: dict, plan: dict) -> dict:
    out = {}
    for key, (kind, base, part) in plan.items():
        if kind == "plain":
            out[key] = public[base].float().clone()
        elif kind == "sn":
            out[key] = fold_spectral_norm(public[f"{base}.weight_orig"].float(), public[f"{base}.weight_u"].float(),
                                          public[f"{base}.weight_v"].float())
        else:
            scale, shift = fold_batch_norm(public[f"{base}.running_mean"].float(),
                                           public[f"{base}.running_var"].float())
            out[key] = scale if part == "scale" else shift
    return out


def _import_state(module: torch.nn.Module, public: dict, sn_conv: re.Pattern, spectral: bool, path, what: str) -> dict:
    ours = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    plan, expected = _public_plan(ours, sn_conv, spectral)
    check_state_against(expected, public, path, what)
    check_finite(public, path)
    return _convert(public, plan)


@dataclass(frozen=True)
class RunSummary:
    """What a run folder says before any weights are read (the import dialog fills its fields from it)."""

    dataset: str  # opt.txt's dataset_mode
    preset: DatasetPreset | None  # None: a custom dataset, whose resolution and class names opt.txt lacks
    tags: tuple  # checkpoint tags with a generator in models/ (best, latest, iteration numbers)
    name: str = ""  # opt.txt's run name

    @property
    def height(self) -> int | None:
        return self.preset.height if self.preset is not None else None

    @property
    def width(self) -> int | None:
        return self.preset.width if self.preset is not None else None


def summarize_run(run_dir: Path) -> RunSummary:
    """Read opt.txt (and list models/) of a public OASIS run; raises InputError naming what is missing."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise InputError("run folder not found", run_dir)
    opts = parse_opt_txt(run_dir / "opt.txt")
    dataset = opts.get("dataset_mode", "custom")
    tags = set()
    for pth in (run_dir / "models").glob("*.pth") if (run_dir / "models").is_dir() else ():
        for suffix in ("_EMA", "_G"):
            if pth.stem.endswith(suffix):
                tags.add(pth.stem[: -len(suffix)])
    order = {"best": 0, "latest": 1}
    return RunSummary(dataset, get_preset(dataset),
                      tuple(sorted(tags, key=lambda t: (order.get(t, 2), -int(t) if t.isdigit() else 0, t))),
                      opts.get("name", ""))


def read_class_names(path: Path) -> tuple:
    """One class name per line (blank lines skipped), index 0 first."""
    try:
        lines = [ln.strip() for ln in Path(path).read_text(encoding="utf-8").splitlines() if ln.strip()]
    except FileNotFoundError:
        raise InputError("class names file not found", path) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read class names ({e.__class__.__name__})", path) from None
    if not lines:
        raise InputError("class names file is empty (one name per line)", path)
    return tuple(lines)


def _class_names_from_file(path: Path, n: int) -> tuple:
    lines = read_class_names(path)
    if len(lines) != n:
        raise InputError(f"has {len(lines)} class names, the checkpoint has {n} classes", path)
    return tuple(lines)


def import_oasis_run(run_dir: Path, out_dir: Path, tag: str = "best", height: int | None = None,
                     width: int | None = None, generator: str = "ema", class_names_file: Path | None = None,
                     overwrite: bool = False, progress: Callable[[float, str], None] | None = None) -> Path:
    """Convert a public OASIS run into a model folder. `generator` picks the EMA ('ema') or raw ('g') weights."""
    run_dir = Path(run_dir)
    say = progress or (lambda f, m: None)
    if not run_dir.is_dir():
        raise InputError("run folder not found", run_dir)
    opt_path = run_dir / "opt.txt"
    opts = parse_opt_txt(opt_path)
    dataset = opts.get("dataset_mode", "custom")
    preset = get_preset(dataset)
    z_dim = opt_int(opts, "z_dim", opt_path, 64)
    noise_3d = not opt_bool(opts, "no_3dnoise", opt_path)
    spectral = not opt_bool(opts, "no_spectral_norm", opt_path)
    if opt_int(opts, "num_res_blocks", opt_path, 6) != 6:
        raise InputError("num_res_blocks must be 6 (the public generator has exactly 6 SPADE blocks)", opt_path)
    norm = opts.get("param_free_norm", "syncbatch")
    norm_kind = {"syncbatch": "batch", "batch": "batch", "instance": "instance"}.get(norm)
    if norm_kind is None:
        raise InputError(f"unsupported param_free_norm {norm!r}", opt_path)

    which = {"ema": "EMA", "g": "G"}.get(generator.lower())
    if which is None:
        raise InputError(f"generator must be 'ema' or 'g', not {generator!r}")
    g_path = run_dir / "models" / f"{tag}_{which}.pth"
    say(0.05, f"reading {g_path.name}")
    g_public = read_pth_state_dict(g_path)

    # Infer the architecture from the weights, then check it against opt.txt and the dataset preset.
    for k in ("fc.weight", "conv_img.weight", "body.0.norm_0.mlp_shared.0.weight"):
        if k not in g_public:
            raise InputError(f"generator: missing key {k!r}", g_path)
    fc_in = g_public["fc.weight"].shape[1]
    semantic_nc = fc_in - (z_dim if noise_3d else 0)
    base_width = g_public["conv_img.weight"].shape[1]
    mlp = g_public["body.0.norm_0.mlp_shared.0.weight"]
    if semantic_nc < 2:
        raise InputError(f"generator: fc has {fc_in} input channels, too few for z_dim {z_dim}", g_path)
    if "channels_G" in opts and opt_int(opts, "channels_G", opt_path) != base_width:
        raise InputError(f"opt.txt says channels_G {opts['channels_G']} but the weights have {base_width}", g_path)
    if "spade_ks" in opts and opt_int(opts, "spade_ks", opt_path) != mlp.shape[-1]:
        raise InputError(f"opt.txt says spade_ks {opts['spade_ks']} but the weights have {mlp.shape[-1]}", g_path)
    if preset is not None and preset.semantic_nc != semantic_nc:
        raise InputError(f"dataset {dataset} has {preset.semantic_nc} classes but the weights have {semantic_nc}",
                         g_path)
    gcfg = GeneratorConfig(semantic_nc=semantic_nc, z_dim=z_dim, base_width=base_width, spade_hidden=mlp.shape[0],
                           spade_ks=mlp.shape[-1], param_free_norm=norm_kind, noise_3d=noise_3d)

    if preset is not None:
        h, w = height or preset.height, width or preset.width
        names, palette, unknown = preset.class_names, preset.palette, preset.unknown_index
    else:
        if height is None or width is None:
            raise InputError(f"dataset_mode {dataset!r} is a custom dataset and opt.txt does not record its "
                             f"resolution: the height and width must be given", opt_path)
        h, w = height, width
        names = (_class_names_from_file(class_names_file, semantic_nc) if class_names_file
                 else ("unknown",) + tuple(f"class {i}" for i in range(1, semantic_nc)))
        palette, unknown = tuple(default_palette(semantic_nc)), 0
    if h % SIZE_MULTIPLE or w % SIZE_MULTIPLE or h <= 0 or w <= 0:
        raise InputError(f"resolution {h}x{w} is not a positive multiple of {SIZE_MULTIPLE}")

    say(0.25, "converting generator")
    g_state = _import_state(OasisGenerator(gcfg), g_public, _G_SN_CONV, spectral, g_path, "generator")
    del g_public

    d_path = run_dir / "models" / f"{tag}_D.pth"
    dcfg, d_state = None, None
    if d_path.exists():
        say(0.5, f"reading {d_path.name}")
        d_public = read_pth_state_dict(d_path)
        dcfg = DiscriminatorConfig(semantic_nc=semantic_nc)
        say(0.7, "converting discriminator")
        d_state = _import_state(OasisDiscriminator(dcfg), d_public, _D_SN_CONV, spectral, d_path, "discriminator")

    cfg = ModelConfig(
        generator=gcfg, discriminator=dcfg, height=h, width=w, class_names=tuple(names),
        palette=tuple(tuple(c) for c in palette), unknown_index=unknown, dataset=dataset,
        provenance={"source": "public OASIS run", "run_dir": str(run_dir.resolve()), "tag": tag,
                    "generator_weights": which, "opt": opts,
                    "imported_at": datetime.now(timezone.utc).isoformat(timespec="seconds")},
    )
    say(0.9, "writing model folder")
    out = save_model_folder(Path(out_dir), cfg, g_state, d_state, overwrite=overwrite)
    say(1.0, "done")
    return out
