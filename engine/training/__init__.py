"""Training OASIS models on our own photos (CPU-friendly recipe; see engine/training/trainer.py)."""
