"""The model configuration stored as `config.json` in every model folder of ours.

It records the architecture and every hyperparameter needed to rebuild the networks, the classes with
their colours, and where the weights came from. The app reads only this format (plus safetensors);
foreign checkpoints are converted into it once by an importer.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import InputError

FORMAT_VERSION = 1
ARCHITECTURE = "oasis"
# The public OASIS generator always has 6 SPADE blocks and 5 nearest x2 upsamplings, so label maps
# (and outputs) must be multiples of 2**5.
SIZE_MULTIPLE = 32
PUBLIC_D_WIDTHS = (3, 128, 128, 256, 256, 512, 512)
PUBLIC_D_LAST_WIDTH = 64
# Caps against absurd configs (a damaged or hostile config.json must not allocate gigabytes).
MAX_SIDE = 8192
MAX_CLASSES = 4096
MAX_CHANNELS = 4096
UPSAMPLE_MODES = ("nearest", "bilinear")
# Discriminator kinds: "unet" (the public OASIS D, learns all its features) and "efficientnet-lite0"
# (a decoder on frozen ImageNet features, engine/feature_discriminator.py).
DISCRIMINATOR_KINDS = ("unet", "efficientnet-lite0")


@dataclass(frozen=True)
class GeneratorConfig:
    semantic_nc: int  # number of label classes including the unknown class
    z_dim: int = 64
    base_width: int = 64  # `channels_G` of the public code; block widths are [16,16,16,8,4,2,1] x this
    spade_hidden: int = 128  # hidden width of every SPADE modulation branch (128 in the public code)
    spade_ks: int = 3
    param_free_norm: str = "batch"  # "batch" (syncbatch/batch in the public code) or "instance"
    noise_3d: bool = True  # False = the public `no_3dnoise` option: labels only
    # x2 upsampling between the blocks. "nearest" is the public code's. "bilinear" is ours (the bundled
    # light model): with nearest, the low-resolution maps' block edges reach the image as a grid of
    # lines locked to the 8/16/32-pixel lattice, which a small model trained briefly never unlearns.
    upsample: str = "nearest"

    @property
    def widths(self) -> list[int]:
        c = self.base_width
        return [16 * c, 16 * c, 16 * c, 8 * c, 4 * c, 2 * c, c]

    @property
    def cond_channels(self) -> int:
        return self.semantic_nc + (self.z_dim if self.noise_3d else 0)


@dataclass(frozen=True)
class DiscriminatorConfig:
    semantic_nc: int
    widths: tuple = PUBLIC_D_WIDTHS  # the U-Net's encoder widths (kind "unet")
    last_width: int = PUBLIC_D_LAST_WIDTH  # width before the final 1x1 to the N+1 logits (both kinds)
    kind: str = "unet"  # config.json files written before kinds existed hold a U-Net
    decoder_widths: tuple = ()  # the feature D's decoder widths at strides 4, 8, 16, 32


@dataclass(frozen=True)
class ModelConfig:
    generator: GeneratorConfig
    discriminator: DiscriminatorConfig | None
    height: int
    width: int
    class_names: tuple
    palette: tuple  # one (r, g, b) per class
    unknown_index: int | None = 0  # class painted by the eraser; excluded from segmentation
    dataset: str = "custom"
    provenance: dict = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    architecture: str = ARCHITECTURE

    @property
    def num_classes(self) -> int:
        return self.generator.semantic_nc

    @property
    def z_dim(self) -> int:
        return self.generator.z_dim

    def to_json(self) -> str:
        d = asdict(self)
        d["class_names"] = list(self.class_names)
        d["palette"] = [list(c) for c in self.palette]
        if self.discriminator is not None:
            d["discriminator"]["widths"] = list(self.discriminator.widths)
            d["discriminator"]["decoder_widths"] = list(self.discriminator.decoder_widths)
        return json.dumps(d, indent=2)

    @staticmethod
    def from_json(text: str, path=None) -> ModelConfig:
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(f"config is not valid JSON ({e.msg} at line {e.lineno})", path) from None
        return ModelConfig.from_dict(d, path)

    @staticmethod
    def from_dict(d: dict, path=None) -> ModelConfig:
        if not isinstance(d, dict):
            raise InputError("config must be a JSON object", path)
        if d.get("architecture") != ARCHITECTURE:
            raise InputError(f"unsupported architecture {d.get('architecture')!r} (expected 'oasis')", path)
        version = d.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise InputError(f"unsupported format_version {version!r} (this app reads <= {FORMAT_VERSION})", path)
        dd = d.get("discriminator")
        kind = dd.get("kind", "unet") if isinstance(dd, dict) else None
        if kind is not None and kind not in DISCRIMINATOR_KINDS:  # refused by name before anything is built
            raise InputError(f"unknown discriminator kind {kind!r}: this app knows "
                             f"{', '.join(DISCRIMINATOR_KINDS)} (written by a newer version?)", path)
        try:
            g = GeneratorConfig(**d["generator"])
            dd = d.get("discriminator")
            disc = None
            if dd is not None:
                dd = dict(dd)
                dd["widths"] = tuple(int(w) for w in dd.get("widths", PUBLIC_D_WIDTHS))
                dd["decoder_widths"] = tuple(int(w) for w in dd.get("decoder_widths", ()))
                disc = DiscriminatorConfig(**dd)
            cfg = ModelConfig(
                generator=g,
                discriminator=disc,
                height=int(d["height"]),
                width=int(d["width"]),
                class_names=tuple(str(n) for n in d["class_names"]),
                palette=tuple(tuple(int(v) for v in c) for c in d["palette"]),
                unknown_index=d.get("unknown_index", 0),
                dataset=str(d.get("dataset", "custom")),
                provenance=dict(d.get("provenance", {})),
                format_version=version,
            )
        except KeyError as e:
            raise InputError(f"config is missing the field {e.args[0]!r}", path) from None
        except (TypeError, ValueError) as e:
            raise InputError(f"config has a malformed field ({e})", path) from None
        cfg.validate(path)
        return cfg

    def validate(self, path=None) -> None:
        g = self.generator
        checks = [
            (g.semantic_nc >= 1, "generator.semantic_nc must be >= 1"),
            (g.z_dim >= 1, "generator.z_dim must be >= 1"),
            (g.base_width >= 1 and g.spade_hidden >= 1, "generator widths must be >= 1"),
            (g.spade_ks % 2 == 1, "generator.spade_ks must be odd"),
            (g.param_free_norm in ("batch", "instance"), f"unknown param_free_norm {g.param_free_norm!r}"),
            (g.upsample in UPSAMPLE_MODES,
             f"unknown upsample {g.upsample!r} (expected one of {', '.join(UPSAMPLE_MODES)})"),
            (self.height % SIZE_MULTIPLE == 0 and self.width % SIZE_MULTIPLE == 0 and self.height > 0
             and self.width > 0, f"height and width must be positive multiples of {SIZE_MULTIPLE}"),
            (self.height <= MAX_SIDE and self.width <= MAX_SIDE, f"height and width must be at most {MAX_SIDE}"),
            (g.semantic_nc <= MAX_CLASSES and g.z_dim <= MAX_CHANNELS and g.base_width <= MAX_CHANNELS
             and g.spade_hidden <= MAX_CHANNELS, "class count or a width is implausibly large"),
            (len(self.class_names) == g.semantic_nc, "class_names must have one name per class"),
            (len(self.palette) == g.semantic_nc and all(len(c) == 3 and all(0 <= v <= 255 for v in c)
                                                        for c in self.palette),
             "palette must have one (r, g, b) in 0..255 per class"),
            (self.unknown_index is None or 0 <= self.unknown_index < g.semantic_nc,
             "unknown_index must be a class index or null"),
        ]
        if self.discriminator is not None:
            dc = self.discriminator
            checks.append((dc.semantic_nc == g.semantic_nc, "discriminator and generator class counts differ"))
            checks.append((dc.kind in DISCRIMINATOR_KINDS, f"unknown discriminator kind {dc.kind!r}"))
            if dc.kind == "unet":
                checks.append((len(dc.widths) == 7 and dc.widths[0] == 3,
                               "discriminator.widths must be 7 entries starting with 3"))
            else:
                checks.append((len(dc.decoder_widths) == 4 and all(1 <= w <= MAX_CHANNELS for w in dc.decoder_widths),
                               "discriminator.decoder_widths must be 4 widths (strides 4, 8, 16, 32)"))
            checks.append((1 <= dc.last_width <= MAX_CHANNELS, "discriminator.last_width out of range"))
        for ok, msg in checks:
            if not ok:
                raise InputError(f"invalid config: {msg}", path)

    def save(self, path: Path) -> None:
        from .fileio import atomic_write_text

        atomic_write_text(Path(path), self.to_json())

    @staticmethod
    def load(path: Path) -> ModelConfig:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError("config.json not found (not a model folder?)", path) from None
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"cannot read config ({e.__class__.__name__})", path) from None
        return ModelConfig.from_json(text, path)
