"""The dataset check: read every image and label file before training and name every bad one.

A training run that dies at image 14,000 of 20,000 on one bad label map (the public code's assertion,
or "index out of range" for an RGB mask) wastes hours; this reads everything first, in worker
processes, and reports all problems at once, grouped by kind, each kind with how to fix it.
`train-oasis --check` runs only this; training refuses to start while it finds errors.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .readers import DatasetSource, LabelCoding, LabelProblem, Sample, decode_label, read_image

# kind -> (what it is, how to fix it); docs/training.md explains each with an example
PROBLEM_KINDS = {
    "unmatched": ("files without a partner",
                  "every image needs a label map with the same file name (stem) in the label folder, and every "
                  "label map an image; rename the pair or remove the stray file"),
    "unreadable": ("unreadable files",
                   "the file is damaged, truncated or not a picture; re-export or re-download it (or remove the "
                   "pair)"),
    "size": ("label maps whose size differs from their image",
             "a label map must have exactly its image's width and height; re-export it at the image's size (or "
             "resize it with nearest-neighbour interpolation, never bilinear)"),
    "out_of_range": ("label maps with values that are not classes",
                     "pixel values must be class ids 0..N-1 of the class list; add the missing classes to the "
                     "class list, or relabel those pixels (0 = unknown)"),
    "unknown_colour": ("colour label maps with colours not in the class list",
                       "colour-coded label maps are decoded by exact colour; add the colours to classes.json "
                       "(\"colors\") / labelmap.txt, or repaint those pixels (anti-aliased edges make such colours)"),
    "rgb_as_ids": ("RGB pictures where class ids are expected",
                   "this dataset reads ids from single-channel PNGs; save label maps as indexed (mode P) or "
                   "greyscale (mode L) PNGs of ids, or, for colour masks in a folder dataset, give the colours in "
                   "classes.json (\"colors\") so they are decoded by colour"),
    "empty": ("no image / label pairs", "check --data and the layout (docs/training.md)"),
}


@dataclass
class CheckReport:
    kind: str
    root: str
    pairs: int
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, message, path)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # unmatched files of a non-strict layout

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, kind: str) -> int:
        return sum(1 for k, _, _ in self.problems if k == kind)

    def text(self) -> str:
        lines = [f"dataset check of {self.root} ({self.kind}): {self.pairs} image/label pairs, "
                 + ("no problems" if self.ok else f"{len(self.problems)} problems")]
        for kind, (what, fix) in PROBLEM_KINDS.items():
            found = [(m, p) for k, m, p in self.problems if k == kind]
            if not found:
                continue
            lines.append(f"\n[{kind}] {what}: {len(found)}")
            lines += [f"  {p}: {m}" for m, p in found]
            lines.append(f"  how to fix: {fix}")
        if self.skipped:
            lines.append(f"\n{len(self.skipped)} files without a partner were left out (not an error in this layout)")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "root": self.root, "pairs": self.pairs, "ok": self.ok,
                "problems": [list(p) for p in self.problems]}


def _problem(e: LabelProblem) -> tuple[str, str, str]:
    return e.kind, str(e).removeprefix(f"{e.path}: "), e.path or ""


def check_sample(sample: Sample, coding: LabelCoding) -> list[tuple[str, str, str]]:
    """Every problem of one pair (the image and the label are both read even if one is bad)."""
    found, shapes = [], []
    for read, path in ((read_image, sample.image), (lambda p: decode_label(p, coding), sample.label)):
        try:
            shapes.append(read(path).shape[:2])
        except LabelProblem as e:
            found.append(_problem(e))
    if len(shapes) == 2 and shapes[0] != shapes[1]:
        found.append(("size", f"label map is {shapes[1][1]}x{shapes[1][0]} but its image {sample.image.name} is "
                      f"{shapes[0][1]}x{shapes[0][0]}", str(sample.label)))
    return found


def _check_chunk(args):
    samples, coding = args
    return [check_sample(s, coding) for s in samples]


def check_dataset(source: DatasetSource, workers: int = 0,
                  progress: Callable[[int, int], None] | None = None) -> CheckReport:
    report = CheckReport(source.kind, str(source.root), len(source.samples))
    unmatched = [_problem(e) for e in source.unmatched]
    if source.strict_pairs:
        report.problems += unmatched
    else:
        report.skipped = unmatched
    samples, chunk = source.samples, 64
    chunks = [(samples[i:i + chunk], source.coding) for i in range(0, len(samples), chunk)]
    done = 0
    if workers > 1 and len(chunks) > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = pool.map(_check_chunk, chunks)
            for res in results:
                for found in res:
                    report.problems += found
                done += len(res)
                if progress:
                    progress(done, len(samples))
    else:
        for c in chunks:
            for found in _check_chunk(c):
                report.problems += found
            done += len(c[0])
            if progress:
                progress(done, len(samples))
    if not samples:
        report.problems.append(("empty", "no image has a label map here", str(source.root)))
    return report


def dataset_signature(source: DatasetSource) -> str:
    """Changes when any file of the dataset (or the way labels are read) changes: names, sizes, mtimes."""
    h = hashlib.sha256(repr((source.kind, source.coding)).encode())
    for s in source.samples:
        for p in (s.image, s.label):
            st = p.stat()
            h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    for e in source.unmatched:
        h.update(f"unmatched {e.path}\n".encode())
    return h.hexdigest()


def check_with_cache(source: DatasetSource, cache: Path | None, workers: int = 0, progress=None) -> CheckReport:
    """The check, skipped when `cache` holds a clean result for the same files (a resumed run)."""
    sig = dataset_signature(source)
    if cache is not None and cache.is_file():
        try:
            d = json.loads(cache.read_text())
            if d.get("signature") == sig and d.get("ok"):
                return CheckReport(source.kind, str(source.root), len(source.samples))
        except (OSError, ValueError):
            pass
    report = check_dataset(source, workers, progress)
    if cache is not None and report.ok:
        from ..errors import InputError
        from ..fileio import atomic_write_text

        try:  # only a shortcut for the next start: training goes on (and reports a full disk itself)
            cache.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(cache, json.dumps({"signature": sig, **report.to_dict()}))
        except (OSError, InputError):
            pass
    return report
