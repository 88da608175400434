"""Entry script for the PyInstaller bundle (the installed package uses editor.app:main directly).

The bundle has one executable; it runs the engine's command line instead of the editor when it is
called as `oasis-engine` (a symlink to it) or with `--engine` first:
    oasis-studio --engine generate --model M --labels L --out O
"""

import sys
from pathlib import Path


def wants_engine(argv) -> bool:
    return Path(argv[0]).name.startswith("oasis-engine") or argv[1:2] == ["--engine"]


if __name__ == "__main__":
    if wants_engine(sys.argv):
        from engine.cli import main as engine_main

        sys.exit(engine_main(sys.argv[2:] if sys.argv[1:2] == ["--engine"] else sys.argv[1:]))
    from editor.app import main

    sys.exit(main())
