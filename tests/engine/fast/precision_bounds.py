"""Each precision's error bound against the exact float32 reference, for the tests' tiny models.

Images are in [-1, 1]; one 8-bit level is 2/255 = 0.0078.
- float32 fast paths reorder sums only: 1e-5 max abs.
- bfloat16 convolutions (what 'auto' runs on a CPU with AMX): `python -m tests.tools.bf16_error_survey`
  measured at most 0.0024 max abs over 29 batch-norm cases (tiny random models, the public-code
  fixture, 48 incremental edits; 0.0029 in an earlier run with other seeds) on a Xeon with AMX, and
  the fast path's relative L2 error at most 0.60x (0.77x on the bundled 256x256 model) that of the
  reference generator run under torch.autocast(bfloat16). The bounds are 0.005 (2x the worst tiny
  case) and 1x the autocast error; they guard against a fast path that rounds more than its bf16
  convolutions (a bf16 residual sum or modulation would). Incremental and full passes of the same
  precision agree to 0 in bf16 too, so that comparison keeps 1e-5.
- Instance norm divides by per-image standard deviations, which amplifies the same rounding (up to
  0.31 max abs seen, 0.41 rel L2 under autocast); there only the autocast comparison applies.
"""

import numpy as np
import torch

from engine.oasis_generator import make_condition

EXACT_MAX_ABS = 1e-5
BF16_MAX_ABS = 0.005
BF16_VS_AUTOCAST = 1.0  # fast path's rel L2 error / the autocast reference's


def max_abs_bound(dtype: torch.dtype) -> float:
    return {torch.float32: EXACT_MAX_ABS, torch.bfloat16: BF16_MAX_ABS}[dtype]


def rel_l2(a: np.ndarray, ref: np.ndarray) -> float:
    return float(np.linalg.norm(a - ref) / np.linalg.norm(ref))


@torch.inference_mode()
def autocast_bf16_reference(model, labels: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The reference generator run under torch.autocast(bfloat16): what plain bf16 arithmetic gives."""
    cond = make_condition(torch.from_numpy(labels.astype(np.int64))[None], torch.from_numpy(z)[None],
                          model.config.generator)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        return model.generator(cond)[0].float().numpy()
