"""Shared inputs of the one-shot tests: the bmx frame and a tiny configuration."""
import os
from pathlib import Path

# shared/ sits beside the checkout (also in CI)
BMX = str(Path(__file__).resolve().parents[3].parent / "shared" / "data" / "one-shot" / "bmx")
BMX_IMAGE = os.path.join(BMX, "image.jpg")
BMX_MASK = os.path.join(BMX, "mask.png")


def tiny_config(masks: bool, **overrides):
    """A 24x48 model with 4-channel base width: a training step takes milliseconds."""
    from engine.oneshot.config import config_for_size
    from engine.oneshot.data import load_inputs
    inputs = load_inputs(BMX_IMAGE, BMX_MASK if masks else None)
    settings = dict(max_size=48, ch_g=4, ch_d=4, iterations=3, checkpoint_every=1000,
                    progress_every=1, preview_every=2, threads=1, bernoulli_warmup_iters=2)
    settings.update(overrides)
    return config_for_size(*inputs.size, images=BMX_IMAGE, masks=BMX_MASK if masks else None,
                           num_mask_channels=inputs.num_mask_channels, preset="cpu", **settings)
