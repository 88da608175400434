"""`tune-segmenter`: train a run's discriminator further as a segmenter alone -- its real term (class-
balanced CE of the photos' label maps) on augmented real crops -- into a copy of the run.

Why: the discriminator is also the app's segmenter (Photo to layout, `segment`). During GAN training
most of its capacity goes to telling G's images apart, and its learning rate is kept low so that it does
not overpower G; its held-out mIoU stays near 0.2. After training, G no longer needs it, so its trainable
part (the feature D's decoder, or the whole U-Net D) may learn the photos' labels undisturbed. The
generator, the EMA generator and the run's own folder are not touched; the copy's run.json records
what was done, and `export-oasis` writes it as any run.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

from ..errors import InputError
from . import checkpoint as ckpt
from .augment import augment_image, augment_labels
from .losses import n_plus_1_loss
from .stream import to_model_range
from .trainer import RUN_FILE

COPIED = (RUN_FILE, "state.json", ckpt.CHECKPOINT_FILE)


def tune_segmenter(trainer, iterations: int, lr: float, log=lambda it, loss: None,
                   balanced: bool = True) -> list[float]:
    """`iterations` Adam steps on D's trainable parameters (fresh moments; the run's betas) with the
    real-image term only, the run's crops and augmentation; `balanced=False` drops OASIS's class
    balancing (plain per-pixel CE, as segmenters are usually trained). Returns the losses. Leaves the trainer's
    iteration count where it was (the crops are the ones its next iterations would draw)."""
    s, unk = trainer.spec.settings, trainer.spec.unknown_index
    opt = torch.optim.Adam(trainer.d_params, lr=lr, betas=(s.beta1, s.beta2))
    start, losses = trainer.iteration, []
    trainer.D.train()
    try:
        for i in range(iterations):
            trainer.iteration = start + i
            images, lab = trainer.next_batch()
            real = trainer._layout(to_model_range(images))
            b, _, h, w = real.shape
            p = trainer._draw_augment(b, h, w)
            with trainer.autocast():
                logits = trainer.D(augment_image(real, p))
            target = augment_labels(lab, p, unk)
            if balanced:
                loss = n_plus_1_loss(logits, target, for_real=True, unknown_index=unk)
            else:
                loss = F.cross_entropy(logits.float(), target + 1, ignore_index=unk + 1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            log(i + 1, losses[-1])
    finally:
        trainer.iteration = start
        trainer._batches = None
    return losses


def copy_run(run: Path, out: Path) -> None:
    if not (run / ckpt.CHECKPOINT_FILE).is_file():
        raise InputError("no checkpoint in this run folder", run)
    if out.exists() and any(out.iterdir()):
        raise InputError("the output folder is not empty (tune-segmenter writes a new run folder)", out)
    out.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        shutil.copyfile(run / name, out / name)


def _cmd_tune(args) -> int:
    from .cli import open_source
    from .trainer import OasisTrainer, RunSpec

    if args.iterations < 1:
        raise InputError(f"--iterations must be at least 1 (got {args.iterations})")
    torch.set_num_threads(args.threads)
    run, out = Path(args.run), Path(args.out)
    spec = RunSpec.load(run)
    data = spec.data
    if args.data is not None:
        data = {**data, "root": str(args.data)}
    root = data.get("root") or data.get("photos")
    if root is None:
        raise InputError("the run does not say where its photos are: pass --data", run / RUN_FILE)
    ns = type("Args", (), {"data": Path(root), "labels": Path(data["labels"]) if data.get("labels") else None,
                           "classes": None, "dataset_name": data.get("name"), "split": data.get("split"),
                           "manifest": Path(data["manifest"]) if data.get("manifest") else None})()
    source, _ = open_source(ns, data.get("kind"))
    copy_run(run, out)
    trainer = OasisTrainer(out, RunSpec.load(out), source, workers=args.workers)
    trainer.resume()

    def log(it, loss):
        if it % args.log_every == 0 or it == args.iterations:
            print(f"segmenter it {it}/{args.iterations} | real CE {loss:.3f}", flush=True)

    losses = tune_segmenter(trainer, args.iterations, args.lr, log, balanced=not args.unbalanced)
    record = {"from_run": str(run), "iterations": args.iterations, "lr": args.lr, "balanced": not args.unbalanced,
              "first_loss": round(losses[0], 4), "last_loss": round(losses[-1], 4)}
    trainer.spec.data.setdefault("segmenter_tuning", []).append(record)
    (out / RUN_FILE).write_text(trainer.spec.to_json())
    trainer.save()
    print(f"wrote {out} (D tuned as a segmenter for {args.iterations} iterations; G unchanged)", file=sys.stderr)
    return 0


def register(sub) -> None:
    s = sub.add_parser("tune-segmenter", help="train a run's discriminator further as a segmenter (real term"
                       " only) into a copy of the run; G unchanged")
    s.add_argument("--run", type=Path, required=True)
    s.add_argument("--out", type=Path, required=True, help="new run folder (export it with export-oasis)")
    s.add_argument("--iterations", type=int, default=1000)
    s.add_argument("--lr", type=float, default=4e-4)
    s.add_argument("--unbalanced", action="store_true", help="plain per-pixel cross-entropy instead of OASIS's"
                   " class-balanced one (the unknown class ignored either way)")
    s.add_argument("--data", type=Path, help="where the run's photos are now (default: as recorded)")
    s.add_argument("--workers", type=int, default=1)
    s.add_argument("--threads", type=int, default=2)
    s.add_argument("--log-every", type=int, default=50)
    s.set_defaults(func=_cmd_tune)
