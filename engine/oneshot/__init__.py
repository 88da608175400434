"""One-shot image (SIV-GAN) and image+mask (OSMIS) synthesis engine.

Pure torch/numpy/opencv/pillow: never imports Qt. Entry points: config.make_config,
trainer.train, sample.sample_run, metrics.evaluate_run, cli.register.
"""
