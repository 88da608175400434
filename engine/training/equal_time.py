"""An ablation at equal wall-clock time: every arm trains for the same minutes from the same seed,
through the real trainer (`python -m engine train-oasis`, one process per arm), then is evaluated with
the report's evidence (KID held-out/painted, diversity, held-out mIoU and pixel accuracy, stripes,
border, lattice) against one common held-out set, and one table is written.

    python -m engine.training.equal_time --out DIR --minutes 60 --eval-data DATA \\
        --common "--config light --threads 1" \\
        --arm "unet: --data OLD --discriminator unet" --arm "features: --data OLD --discriminator efficientnet-lite0"

An arm is `NAME: trainer arguments`; they come after --common (the last of a repeated option wins),
so an arm may override anything, and the runner needs no knowledge of options that are added later.
The runner adds --out, --max-minutes, --seed and a large --iterations (time is the budget) unless the
arm sets them. With --slices K the arms take turns in K slices of MINUTES/K each (resuming), so slow
and fast phases of a shared machine fall on all arms alike; a resumed slice passes only the arm's data
and runtime options (RESUME_OPTIONS): the trainer keeps every other setting in run.json. Re-running
the same command continues where it stopped: finished slices and evaluations are not redone.
Writes DIR/table.md and DIR/table.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

REPO = Path(__file__).resolve().parents[2]
RESUME_OPTIONS = ("--data", "--labels", "--classes", "--manifest", "--split", "--dataset", "--threads", "--workers")
BIG_ITERATIONS = 10_000_000


@dataclass
class Arm:
    name: str
    args: list[str] = field(default_factory=list)


def parse_arm(text: str) -> Arm:
    name, sep, rest = text.partition(":")
    name = name.strip()
    if not sep or not name or not all(c.isalnum() or c in "-_." for c in name):
        raise InputError(f"an arm is 'NAME: trainer arguments' with a plain folder name, got {text!r}")
    return Arm(name, shlex.split(rest))


def _has(args: list[str], option: str) -> bool:
    return any(a == option or a.startswith(option + "=") for a in args)


def _carried(args: list[str]) -> list[str]:
    """The last value of every RESUME_OPTIONS option in args (as the trainer's parser would see them)."""
    values: dict[str, list[str]] = {}
    i = 0
    while i < len(args):
        opt = args[i].split("=", 1)[0]
        if opt in RESUME_OPTIONS:
            if "=" in args[i]:
                values[opt] = [args[i]]
            elif i + 1 < len(args):
                values[opt] = [args[i], args[i + 1]]
                i += 1
        i += 1
    return [v for vs in values.values() for v in vs]


def train_command(arm: Arm, common: list[str], run: Path, minutes: float, seed: int, resume: bool) -> list[str]:
    args = [*common, *arm.args]
    base = [sys.executable, "-m", "engine", "train-oasis"]
    if resume:
        return [*base, *_carried(args), "--out", str(run), "--resume", "--max-minutes", f"{minutes:g}"]
    extra = ["--seed", str(seed)] if not _has(args, "--seed") else []
    if not _has(args, "--iterations"):
        extra += ["--iterations", str(BIG_ITERATIONS)]
    return [*base, *extra, *args, "--out", str(run), "--max-minutes", f"{minutes:g}"]


def _progress(run: Path) -> dict:
    path = run / "equal_time.json"
    return json.loads(path.read_text()) if path.is_file() else {"slices_done": 0, "failed": None}


def train_arms(arms: list[Arm], common: list[str], out: Path, minutes: float, slices: int, seed: int,
               log=print) -> None:
    for k in range(slices):
        for arm in arms:
            run = out / arm.name
            state = _progress(run)
            if state["failed"] or state["slices_done"] > k:
                continue
            run.mkdir(parents=True, exist_ok=True)
            cmd = train_command(arm, common, run, minutes / slices, seed, resume=k > 0)
            log(f"[{arm.name}] slice {k + 1}/{slices}: {shlex.join(cmd[1:])}")
            started = time.monotonic()
            with open(run / "train.log", "a") as f:
                f.write(f"=== equal_time slice {k + 1}/{slices}: {shlex.join(cmd[1:])}\n")
                f.flush()
                # this checkout's engine, with the caller's working directory (relative --data paths)
                path = os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))
                env = {**os.environ, "PYTHONPATH": path}
                code = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env).returncode
            state["slices_done"] = k + 1
            state.setdefault("process_seconds", []).append(round(time.monotonic() - started, 1))
            if code != 0:
                state["failed"] = f"trainer exited with {code} in slice {k + 1} (see {run / 'train.log'})"
                log(f"[{arm.name}] {state['failed']}")
            (run / "equal_time.json").write_text(json.dumps(state, indent=1))


def evaluate_arm(run: Path, heldout, train, settings, extract, perceptual, cache: Path | None) -> dict:
    from ..api import load_model
    from .checkpoint import CHECKPOINT_FILE, read_checkpoint
    from .cli import REPO_LANDSCAPES
    from .evidence import evaluate_evidence
    from .export import export_run
    from .report import painted_grid, segmentation_eval

    _, state = read_checkpoint(run / CHECKPOINT_FILE)
    export_run(run, run / "model", overwrite=True)
    model = load_model(run / "model")
    seg = segmentation_eval(model, heldout, run / "segment_heldout.png")
    grid = painted_grid(model, REPO_LANDSCAPES / "painted", run / "painted.png")
    evidence = evaluate_evidence(model, heldout, train, settings, extract, perceptual, cache, pictures=run)
    return {"iterations": state["iteration"], "train_minutes": state["train_seconds"] / 60,
            "heldout_miou": seg["miou"], "heldout_pixel_accuracy": seg["pixel_accuracy"],
            "grid_lattice_excess": grid["lattice_excess"], "evidence": evidence}


def _row(name: str, m: dict) -> list[str]:
    e = m["evidence"]
    kid = e["kid"]
    g = e["defects"]["generated_painted"]
    return [name, str(m["iterations"]), f"{m['train_minutes']:.1f}",
            f"{kid['heldout_layouts']['kid']:.3f} ± {kid['heldout_layouts']['std']:.3f}",
            f"{kid['painted_layouts']['kid']:.3f} ± {kid['painted_layouts']['std']:.3f}",
            f"{e['diversity']['heldout_layouts']:.3f} / {e['diversity']['painted_layouts']:.3f}",
            f"{m['heldout_miou']:.3f} / {m['heldout_pixel_accuracy']:.3f}",
            f"{g['vertical_stripes']:.3f} / {g['horizontal_stripes']:.3f}", f"{g['border_excess']:+.1f}",
            f"{g['lattice_excess']:.3f}"]


HEADER = ["arm", "iterations", "train min", "KID held-out", "KID painted", "diversity held-out / painted",
          "held-out mIoU / pixel acc.", "stripes vert. / horiz. (painted)", "border (grey levels)", "lattice"]


def write_table(out: Path, arms: list[Arm], common: list[str], minutes: float, results: dict) -> str:
    lines = [f"Equal wall-clock ablation: {minutes:g} min of training per arm; common trainer arguments: "
             f"`{shlex.join(common)}`", "", "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    reference = None
    for arm in arms:
        m = results.get(arm.name)
        if m is None or "error" in m:
            lines.append(f"| {arm.name} | failed: {m['error'] if m else 'not evaluated'} |")
            continue
        lines.append("| " + " | ".join(_row(arm.name, m)) + " |")
        reference = reference or m["evidence"]
    lines.append("")
    for arm in arms:
        lines.append(f"- `{arm.name}`: `{shlex.join(arm.args)}`")
    if reference is not None:
        k, real = reference["kid"], reference["defects"]["real_heldout_crops"]
        s = reference["settings"]
        lines += ["", f"References (same held-out crops, {s['compared_images']} images vs {s['reference_crops']} "
                  f"real crops of {', '.join(s['heldout_photos'])}; KID mean ± std over {s['kid_subsets']} "
                  f"subsets of {s['kid_subset']}): real crops {k['real_floor']['kid']:.3f}, flat colours "
                  f"(own crop) {k['flat_own_colours_heldout']['kid']:.3f}, flat class colours held-out "
                  f"{k['flat_class_colours_heldout']['kid']:.3f} / painted "
                  f"{k['flat_class_colours_painted']['kid']:.3f}; "
                  f"real crops' stripes {real['vertical_stripes']:.3f} / {real['horizontal_stripes']:.3f}, "
                  f"border {real['border_excess']:+.1f}."]
    text = "\n".join(lines) + "\n"
    (out / "table.md").write_text(text)
    (out / "table.json").write_text(json.dumps({"minutes": minutes, "common": common,
                                                "arms": {a.name: a.args for a in arms}, "results": results}, indent=1))
    return text


def run_ablation(arms: list[Arm], common: list[str], out: Path, minutes: float, eval_data: Path, slices: int = 1,
                 seed: int = 0, settings=None, eval_labels: Path | None = None, eval_manifest: Path | None = None,
                 log=print) -> str:
    from .evidence import EvidenceSettings, split_pairs
    from .report import InceptionFeatures

    if len({a.name for a in arms}) != len(arms):
        raise InputError("two arms have the same name")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    train_arms(arms, common, out, minutes, slices, seed, log)
    settings = settings or EvidenceSettings()
    extract, perceptual, results, classes = None, None, {}, None
    for arm in arms:
        run = out / arm.name
        state = _progress(run)
        done = run / "metrics.json"
        if state["failed"]:
            results[arm.name] = {"error": state["failed"]}
        elif done.is_file():
            results[arm.name] = json.loads(done.read_text())
        else:
            from .trainer import RunSpec

            names = list(RunSpec.load(run).class_names)
            if classes is not None and names != classes:
                results[arm.name] = {"error": "its classes differ from the first arm's (one held-out set for all)"}
                continue
            classes = names
            if extract is None:
                from ..perceptual import PerceptualDistance

                extract, perceptual = InceptionFeatures(), PerceptualDistance()
            heldout = split_pairs(eval_data, "heldout", names, eval_labels, eval_manifest)
            train = split_pairs(eval_data, "train", names, eval_labels, eval_manifest)
            log(f"[{arm.name}] evaluating")
            results[arm.name] = evaluate_arm(run, heldout, train, settings, extract, perceptual,
                                             out / "evidence_cache.npz")
            done.write_text(json.dumps(results[arm.name], indent=1))
    return write_table(out, arms, common, minutes, results)


def main(argv=None) -> int:
    from .evidence import EvidenceSettings

    p = argparse.ArgumentParser(prog="python -m engine.training.equal_time", description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, required=True, help="folder: one run folder per arm, table.md, table.json")
    p.add_argument("--minutes", type=float, required=True, help="wall-clock training minutes per arm")
    p.add_argument("--arm", action="append", required=True, metavar="'NAME: ARGS'", help="repeat for every arm")
    p.add_argument("--common", default="", help="trainer arguments for every arm (before the arm's own)")
    p.add_argument("--slices", type=int, default=1, help="take turns in this many slices (resuming)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--eval-data", type=Path, required=True,
                   help="dataset whose held-out split every arm is measured on")
    p.add_argument("--eval-labels", type=Path)
    p.add_argument("--eval-manifest", type=Path)
    p.add_argument("--samples", type=int, default=100)
    p.add_argument("--kid-subset", type=int, default=50)
    p.add_argument("--diversity-layouts", type=int, default=20)
    a = p.parse_args(argv)
    if a.slices < 1 or a.minutes <= 0:
        p.error("--minutes must be > 0 and --slices >= 1")
    try:
        arms = [parse_arm(t) for t in a.arm]
        settings = EvidenceSettings(samples=a.samples, kid_subset=a.kid_subset, diversity_layouts=a.diversity_layouts)
        print(run_ablation(arms, shlex.split(a.common), a.out, a.minutes, a.eval_data, a.slices, a.seed, settings,
                           a.eval_labels, a.eval_manifest))
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
