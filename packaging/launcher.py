"""Entry script for the PyInstaller bundle (the installed package uses editor.app:main directly)."""

import sys

from editor.app import main

if __name__ == "__main__":
    sys.exit(main())
