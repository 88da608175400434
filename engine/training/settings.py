"""Training hyperparameters, stored in the run folder so a resumed run trains exactly as it started."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .augment import AugmentSettings


@dataclass(frozen=True)
class TrainSettings:
    iterations: int = 5000
    batch_size: int = 4
    lr_g: float = 1e-4  # public recipe (Adam betas 0, 0.999)
    lr_d: float = 4e-4
    beta1: float = 0.0
    beta2: float = 0.999
    lambda_labelmix: float = 10.0
    # The public 0.9999 suits 200 epochs on 20k images; a few thousand iterations need a shorter memory.
    ema_decay: float = 0.999
    bn_batches: int = 50  # batches for the EMA generator's BatchNorm statistics before each save
    per_class_noise_prob: float = 0.25  # share of samples whose noise differs per class (3D noise use)
    seed: int = 0
    checkpoint_every: int = 200
    sample_every: int = 200
    snapshot_every: int = 1000  # keep a copy of the checkpoint (to step back after a collapse)
    # "auto": bf16 autocast on CPUs with AMX and on CUDA, fp32 elsewhere (bf16 is emulated and slower
    # on other CPUs), decided per start by engine/precision.py; "fp32" / "bf16" force one.
    precision: str = "auto"
    channels_last: bool = False
    augment: AugmentSettings = field(default_factory=AugmentSettings)
    copy_paste_prob: float = 0.3
    min_zoom: float = 0.9  # "ours": a photo's short side maps to frame x zoom, zoom in [min_zoom, max_zoom]
    max_zoom: float = 1.3
    data_augment: str = "ours"  # or "public": the public code's resize / crop / flip (engine.training.stream)
    height: int = 0  # model frame (0: the architecture preset's size); "public" trains on height x width crops
    width: int = 0
    load_scale: float = 286 / 256  # "public": resize to this x the frame before the random crop
    # Optional limited-data regularisers (docs/regularizers.md); 0 / False = off.
    adaptivemix: float = 0.0  # weight of the AdaptiveMix feature-mixing loss on D (real images)
    mixdl: bool = False  # MixDL distance learning on G (middle block) and D (projected per-pixel features)
    mixdl_lambda_g: float = 1000.0
    mixdl_lambda_d: float = 1.0
    mixdl_latents: int = 3  # N latents mixed into one anchor, all rendered with one batch label map
    asa: float = 0.0  # ASA's final lambda, ramped up linearly over `asa_ramp_iters`
    asa_ramp_iters: int = 0  # fixed when the run is created (0: the run's iteration count)

    def to_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(d: dict) -> TrainSettings:
        d = dict(d)
        if "bf16" in d:  # run.json of trainer version 1: a bf16 switch, off unless asked for
            d.setdefault("precision", "bf16" if d.pop("bf16") else "fp32")
        d["augment"] = AugmentSettings(**d.get("augment", {}))
        return TrainSettings(**d)
