"""Command-line parsing whose mistakes are bad input like any other: an InputError (exit 2, one line),
not argparse's usage dump and SystemExit. engine/cli.py parses with it, and so does everything that
runs a subcommand in-process (the editor's OASIS training runs `train-oasis` through it)."""

from __future__ import annotations

import argparse

from .errors import InputError


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        raise InputError(f"{self.prog}: {message}")
