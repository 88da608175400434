"""`python -m engine.training.throughput --data ROOT [--dataset folder] ...`: training images per second
with 1 and with N processes (torchrun, the same global batch), measured in one go so the ratio compares
like with like on a shared machine. Prints the CPU, each run's images/s and the ratio.

Each run is a fresh `train-oasis` of `--iterations` steps; the rate counts the steps after the first
(`--warmup`) ones from the trainer's own step times (state.json train_seconds is the sum of step times;
the log's per-iteration times give the warm-up split), so process start, the dataset check and
checkpoint writing are not in it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path


def cpu_name() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown CPU"
    name = re.search(r"model name\s*:\s*(.+)", text)
    amx = " with AMX" if "amx_bf16" in text else ""
    return f"{name.group(1).strip() if name else 'unknown CPU'}{amx}, {os.cpu_count()} logical cores"


def run_once(args, world: int, threads: int, out: Path) -> dict:
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(world), "--master_port",
           str(29500 + world + os.getpid() % 1000), "-m", "engine", "train-oasis", "--dataset", args.dataset,
           "--data", str(args.data), "--out", str(out), "--config", args.config, "--iterations", str(args.iterations),
           "--batch-size", str(args.batch_size), "--threads", str(threads), "--workers", str(args.workers),
           "--precision", args.precision, "--checkpoint-every", str(10 ** 6), "--sample-every", "0",
           "--bn-batches", "1", "--log-every", "1", "--device", "cpu"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode:
        raise SystemExit(f"train-oasis with {world} process(es) failed:\n{res.stderr[-3000:]}")
    steps = [float(m) for m in re.findall(r"\| ([0-9.]+) s/it \|", res.stdout)]
    timed = steps[args.warmup:]
    seconds = sum(timed)
    return {"processes": world, "threads_per_process": threads, "iterations_timed": len(timed),
            "seconds": round(seconds, 2), "images_per_s": round(len(timed) * args.batch_size / seconds, 3)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--dataset", default="folder")
    p.add_argument("--config", default="light")
    p.add_argument("--iterations", type=int, default=12)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=4, help="the global batch (the same for every run)")
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--cores", type=int, default=os.cpu_count() or 1, help="threads shared out among processes")
    p.add_argument("--workers", type=int, default=0)
    p.add_argument("--precision", default="fp32")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for world in (1, args.processes):
            results.append(run_once(args, world, max(1, args.cores // world), Path(tmp) / f"run{world}"))
    ratio = results[1]["images_per_s"] / results[0]["images_per_s"]
    report = {"cpu": cpu_name(), "config": args.config, "global_batch": args.batch_size,
              "precision": args.precision, "runs": results, "ratio_n_over_1": round(ratio, 3)}
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(f"{report['cpu']}; {args.config}, global batch {args.batch_size}, {args.precision}")
        for r in results:
            print(f"  {r['processes']} process(es) x {r['threads_per_process']} thread(s): "
                  f"{r['images_per_s']} images/s "
                  f"({r['iterations_timed']} iterations in {r['seconds']} s)")
        print(f"  {args.processes} processes / 1 process: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
