"""Fast inference for OASIS: deduplicated SPADE modulation, incremental regeneration, fast precisions.

`session.GenerationSession` is the editor's entry point (through the engine worker); `inference`
generates and segments at a chosen precision for everyone else, on `generator.FastGenerator` and
`discriminator.FastDiscriminator` (built once per model in `hooks`). OasisModel (engine/api.py) knows
nothing of this package: it runs the exact reference path.
"""
