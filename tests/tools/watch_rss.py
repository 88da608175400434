"""Sample the RSS of a running training process (e.g. the default model's long run); NOT a test.

    python -m tests.tools.watch_rss --pid PID --log RUN/train.log --csv out.csv --png out.png

Reads /proc/PID/statm every --every seconds and pairs it with the last iteration the run's log
printed, so the curve covers a real run (checkpoints, BN re-collection, sample grids included)
rather than a synthetic loop. Stops when the process exits and then draws the plot.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

from .long_memory_run import plot_summary

_ITER = re.compile(rb"^it (\d+)/", re.MULTILINE)


def rss_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (FileNotFoundError, ProcessLookupError):
        return None


def last_iteration(log: Path) -> int | None:
    with open(log, "rb") as f:
        f.seek(max(0, log.stat().st_size - 4096))
        found = _ITER.findall(f.read())
    return int(found[-1]) if found else None


def main(argv=None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--log", type=Path, required=True)
    p.add_argument("--every", type=float, default=30.0)
    p.add_argument("--csv", type=Path, required=True)
    p.add_argument("--png", type=Path, required=True)
    p.add_argument("--label", default="default-model training (light preset)")
    args = p.parse_args(argv)
    iters, rss = [], []
    t0 = time.monotonic()
    with open(args.csv, "w") as out:
        out.write("iteration,rss_mib,seconds\n")
        while (r := rss_mib(args.pid)) is not None:
            it = last_iteration(args.log)
            if it is not None:
                iters.append(it)
                rss.append(r)
                out.write(f"{it},{r:.1f},{time.monotonic() - t0:.0f}\n")
                out.flush()
            time.sleep(args.every)
    if iters:
        print(plot_summary(iters, rss, args.png, iters[-1], args.label))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
