"""Named architecture presets for training.

`public` is the original OASIS size (74M-parameter generator: far too slow to train on a CPU).
`light` is the CPU configuration the bundled landscape model uses; its sizes were picked by measuring a
training iteration and a 256x256 generation on a 2-core machine (docs/default-model.md).
`tiny` exists for tests: it trains in milliseconds and means nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import PUBLIC_D_LAST_WIDTH, PUBLIC_D_WIDTHS, DiscriminatorConfig, GeneratorConfig

# The feature D's trainable decoder at strides 4, 8, 16, 32 (its width before the last 1x1 is d_last_width).
FEATURE_D_DECODER_WIDTHS = (32, 64, 96, 128)


@dataclass(frozen=True)
class ArchPreset:
    base_width: int
    spade_hidden: int
    z_dim: int
    d_widths: tuple
    d_last_width: int
    size: int  # model output size (a photo's short side maps to this)
    crop: int  # training crop side (<= size)
    upsample: str = "nearest"  # the generator's x2 upsampling (GeneratorConfig.upsample)
    d_kind: str = "unet"  # DiscriminatorConfig.kind
    d_decoder_widths: tuple = FEATURE_D_DECODER_WIDTHS  # the feature D's decoder (kind efficientnet-lite0)

    def generator(self, num_classes: int) -> GeneratorConfig:
        return GeneratorConfig(semantic_nc=num_classes, z_dim=self.z_dim, base_width=self.base_width,
                               spade_hidden=self.spade_hidden, upsample=self.upsample)

    def discriminator(self, num_classes: int) -> DiscriminatorConfig:
        if self.d_kind == "unet":
            return DiscriminatorConfig(semantic_nc=num_classes, widths=tuple(self.d_widths),
                                       last_width=self.d_last_width)
        return DiscriminatorConfig(semantic_nc=num_classes, widths=(), kind=self.d_kind, last_width=self.d_last_width,
                                   decoder_widths=tuple(self.d_decoder_widths))


ARCH_PRESETS = {
    "public": ArchPreset(64, 128, 64, PUBLIC_D_WIDTHS, PUBLIC_D_LAST_WIDTH, 256, 256),
    # bilinear: the nearest-upsampling version drew a lattice-locked grid (docs/default-model.md)
    "light": ArchPreset(8, 16, 16, (3, 16, 32, 32, 64, 64, 128), 16, 256, 128, "bilinear"),
    # twice light's generator width (texture needs channels) and the pretrained-feature D; the fast path
    # renders 256x256 in 71 ms (bf16, AMX) / 520 ms (fp32) on one loaded core (docs/default-model.md)
    "wide": ArchPreset(16, 32, 32, (3, 16, 32, 32, 64, 64, 128), 32, 256, 128, "bilinear", "efficientnet-lite0"),
    "tiny": ArchPreset(1, 4, 4, (3, 4, 4, 8, 8, 8, 8), 4, 64, 64, d_decoder_widths=(4, 4, 8, 8)),
}
