"""One scheme for the settings a run folder stores (TrainSettings in run.json, OneShotConfig in config.json).

Each is a dataclass with a `VERSION` written beside its fields. Reading a stored dict:
- a missing version is 1 (files written before the field existed); `upgrade` turns an older layout into
  today's, so run folders of earlier versions keep loading; a version above ours is refused;
- unknown keys are refused by name (a typo or a newer program's setting must not be silently dropped);
- nested dataclasses (`NESTED`) are read the same way, JSON lists become tuples for `TUPLES`;
- `validate()` then checks the values and raises one error listing every problem.
Errors are `ERROR` (an InputError kind) and name the file when the caller passes it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from .errors import InputError


def _read(cls: type, d: Any, where: str, source, error: type[InputError]) -> Any:
    if not isinstance(d, dict):
        raise error(f"{where}: expected an object of settings, got {type(d).__name__}", source)
    known = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(d) - known)
    if unknown:
        raise error(f"{where}: unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
                    f"(written by a newer or a different program?)", source)
    d = dict(d)
    for name, sub in getattr(cls, "NESTED", {}).items():
        if name in d:
            d[name] = _read(sub, d[name], f"{where}.{name}", source, error)
    for name in getattr(cls, "TUPLES", ()):
        if isinstance(d.get(name), list):
            d[name] = tuple(d[name])
    return cls(**d)


class VersionedConfig:
    """Mixin for the stored settings dataclasses (frozen or not): versioned reading, one unknown-key policy,
    `validate()`."""

    VERSION: ClassVar[int] = 1
    ERROR: ClassVar[type[InputError]] = InputError
    NESTED: ClassVar[dict[str, type]] = {}  # field -> dataclass stored as a nested object
    TUPLES: ClassVar[tuple[str, ...]] = ()  # fields stored as JSON lists, held as tuples

    @classmethod
    def upgrade(cls, d: dict, version: int) -> dict:
        """The stored dict of an older `version` in today's layout (override per class)."""
        return d

    def problems(self) -> list[str]:
        """What is wrong with the values, one message each (override per class)."""
        return []

    def validate(self, source=None) -> None:
        problems = self.problems()
        if problems:
            raise self.ERROR(f"{type(self).__name__}: " + "; ".join(problems), source)

    def to_dict(self) -> dict:
        return {"version": self.VERSION, **dataclasses.asdict(self)}  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, d: Any, source=None):
        """Read a stored dict (any version up to ours); `source` (the file) is named in errors."""
        name = cls.__name__
        if not isinstance(d, dict):
            raise cls.ERROR(f"{name}: expected an object of settings, got {type(d).__name__}", source)
        d = dict(d)
        version = d.pop("version", 1)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise cls.ERROR(f"{name}: bad version {version!r}", source)
        if version > cls.VERSION:
            raise cls.ERROR(f"{name}: written by a newer version ({version}; this one reads up to {cls.VERSION})",
                            source)
        if version < cls.VERSION:
            d = cls.upgrade(d, version)
        config = _read(cls, d, name, source, cls.ERROR)
        config.validate(source)
        return config


def in_range(problems: list[str], name: str, value, lo=None, hi=None) -> None:
    """Append a message to `problems` when `value` is outside [lo, hi] (either bound may be None)."""
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = f">= {lo}" if hi is None else f"<= {hi}" if lo is None else f"in [{lo}, {hi}]"
        problems.append(f"{name} must be {bounds} (got {value!r})")


def one_of(problems: list[str], name: str, value, choices) -> None:
    if value not in choices:
        problems.append(f"{name} must be one of {', '.join(map(repr, choices))} (got {value!r})")
