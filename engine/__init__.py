"""OASIS Studio engine: semantic image synthesis models, importers, inference and training.

Torch, numpy and safetensors only -- this package never imports Qt, so it runs headless, in tests and
from the command line (`python -m engine`). Heavy modules are imported lazily so that `import engine`
stays cheap.
"""

import os

# OpenMP's default spin-waiting keeps idle worker threads burning CPU between ops; on a 2-core
# machine that starves the GUI thread and other jobs (a one-shot step went from 1.3 s to 7 s under
# load). Passive waiting must be set before torch loads its OpenMP runtime, hence here.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__all__ = ["load_model", "import_oasis_run", "InputError", "FORMAT_VERSION"]

from .config import FORMAT_VERSION
from .errors import InputError


def __getattr__(name):
    if name == "load_model":
        from .api import load_model

        return load_model
    if name == "import_oasis_run":
        from .importer import import_oasis_run

        return import_oasis_run
    raise AttributeError(name)
