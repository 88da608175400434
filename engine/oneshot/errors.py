"""Input errors for the one-shot engine (one-line message naming the file and the problem).

A kind of engine.errors.InputError, so the CLI catches every bad-input error with one except clause.
"""

from engine.errors import InputError


class OneShotInputError(InputError):
    """Bad user input: unreadable file, mismatched sizes, missing mask, bad run folder."""
