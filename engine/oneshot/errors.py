"""Input errors for the one-shot engine (one-line message naming the file and the problem).

Subclasses engine.errors.InputError when that module exists (owned by another engineer), so the
CLI can catch every bad-input error with one except clause; falls back to ValueError meanwhile.
"""
try:  # pragma: no cover - depends on whether the shared module exists yet
    from engine.errors import InputError as _InputErrorBase
except ImportError:  # pragma: no cover
    _InputErrorBase = ValueError


class OneShotInputError(_InputErrorBase):
    """Bad user input: unreadable file, mismatched sizes, missing mask, bad run folder."""
