"""Real permission errors: run a command that the operating system refuses to let write a folder.

Root ignores file permissions, and the suite often runs as root (containers, CI machines). So when
we are root the child drops, before exec, the capabilities that bypass permission checks
(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER) from its bounding set: it stays uid 0 -- it can
still run the interpreter under /root -- but a folder with mode 0555 is now read-only for it, and
the kernel raises EACCES itself. As a normal user the mode alone does it. Nothing is patched.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
IS_ROOT = os.geteuid() == 0
_PR_CAPBSET_DROP = 24
_PERMISSION_BYPASSING_CAPS = (1, 2, 3)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER


def _drop_permission_bypass() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in _PERMISSION_BYPASSING_CAPS:
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), f"prctl(PR_CAPBSET_DROP, {cap}) failed")


class Sandbox:
    """A scratch folder with a read-only sub-folder; `run` starts `python ARGS` without the bypass."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="oasis-permissions-"))
        self.readonly = self.root / "readonly"
        self.readonly.mkdir()
        self.readonly.chmod(0o555)

    def run(self, args: list[str], timeout: float = 180, env: dict | None = None) -> subprocess.CompletedProcess:
        full_env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1", **(env or {}))
        return subprocess.run([sys.executable, *args], cwd=REPO, env=full_env, capture_output=True, text=True,
                              timeout=timeout, preexec_fn=_drop_permission_bypass if IS_ROOT else None)

    def cleanup(self) -> None:
        for d in [self.readonly, *self.root.rglob("*")]:
            if d.is_dir():
                d.chmod(0o755)
        shutil.rmtree(self.root, ignore_errors=True)
