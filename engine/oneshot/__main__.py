"""Development entry point: python -m engine.oneshot train|sample|eval ..."""
import os

# On a shared 2-core machine, OpenMP threads that spin while waiting make every step several
# times slower as soon as another process is busy; passive waiting must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .cli import main  # noqa: E402

raise SystemExit(main())
