"""OASIS Studio engine: semantic image synthesis models, importers, inference and training.

Torch, numpy and safetensors only -- this package never imports Qt, so it runs headless, in tests and
from the command line (`python -m engine`). Heavy modules are imported lazily so that `import engine`
stays cheap.
"""

__all__ = ["load_model", "import_oasis_run", "InputError", "FORMAT_VERSION"]

from .errors import InputError
from .config import FORMAT_VERSION


def __getattr__(name):
    if name == "load_model":
        from .api import load_model

        return load_model
    if name == "import_oasis_run":
        from .importer import import_oasis_run

        return import_oasis_run
    raise AttributeError(name)
