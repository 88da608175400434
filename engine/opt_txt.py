"""Parser for the public OASIS `opt.txt` (never `opt.pkl`: unpickling it could run code).

Each line is '{:>25}: {:<30}' optionally followed by '\\t[default: X]' when the value was changed.
"""

from __future__ import annotations

from pathlib import Path

from .errors import InputError


def parse_opt_txt(path: Path) -> dict:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("opt.txt not found (is this a public OASIS run folder?)", path) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot read opt.txt ({e.__class__.__name__})", path) from None
    opts = {}
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        line = line.split("\t[default:", 1)[0]
        key, sep, value = line.partition(":")
        if not sep or not key.strip():
            raise InputError(f"line {lineno} is not 'name: value'", path)
        opts[key.strip()] = value.strip()
    if not opts:
        raise InputError("opt.txt is empty", path)
    return opts


def opt_int(opts: dict, key: str, path, default=None) -> int:
    if key not in opts:
        if default is not None:
            return default
        raise InputError(f"option {key!r} missing", path)
    try:
        return int(opts[key])
    except ValueError:
        raise InputError(f"option {key!r} is {opts[key]!r}, expected an integer", path) from None


def opt_bool(opts: dict, key: str, path, default: bool = False) -> bool:
    v = opts.get(key)
    if v is None:
        return default
    if v in ("True", "False"):
        return v == "True"
    raise InputError(f"option {key!r} is {v!r}, expected True or False", path)
