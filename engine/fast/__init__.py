"""Fast inference for OASIS: deduplicated SPADE modulation, incremental regeneration, fast precisions.

`session.GenerationSession` is the editor's entry point; `generator.FastGenerator` and
`discriminator.FastDiscriminator` are what `OasisModel(..., precision='auto')` uses.
"""
