"""Train > "OASIS on a dataset…": a run of the engine's OASIS trainer (the same as `train-oasis`) on a
dataset folder, in the background on the engine worker with the Training dock's progress, pause and
cancel; when it finishes, the run is exported to a model folder that the editor opens.

The dialog only collects settings; the dataset check, the training and the export run in the task
(`run_oasis_task`, on the worker thread). The request becomes a `train-oasis` argument list, so the
editor trains exactly what the command line would.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from .dialogs import ok_cancel_buttons
from .train_dialog import _path_row

DATASETS = ("folder", "ade20k", "cityscapes", "coco-stuff")
CONFIGS = ("light", "tiny", "public")


@dataclass
class OasisTrainingRequest:
    run_dir: str
    data: str
    dataset: str = "folder"
    config: str = "light"
    iterations: int = 5000
    batch_size: int = 4
    augment: str = ""  # "" = the dataset's default (public for the public datasets, ours for folders)
    max_zoom: float | None = None
    workers: int = 0
    export_to: str = ""  # model folder written when the run finishes ("" = none)
    open_model: bool = True
    extra: tuple = ()  # further train-oasis arguments (scripts, tests)
    resume: bool = False  # the run folder holds a checkpoint: continue it

    def argv(self) -> list[str]:
        if self.resume:
            args = ["--data", self.data, "--out", self.run_dir, "--resume", "--iterations", str(self.iterations)]
            return args + (["--dataset", self.dataset] if self.dataset else []) + ["--workers", str(self.workers),
                                                                                   *self.extra]
        args = ["--dataset", self.dataset, "--data", self.data, "--out", self.run_dir, "--config", self.config,
                "--iterations", str(self.iterations), "--batch-size", str(self.batch_size),
                "--workers", str(self.workers)]
        if self.augment:
            args += ["--augment", self.augment]
        if self.max_zoom is not None:
            args += ["--max-zoom", str(self.max_zoom)]
        return args + list(self.extra)


def has_checkpoint(run_dir: str) -> bool:
    return bool(run_dir) and (Path(run_dir) / "checkpoint.safetensors").is_file()


def run_oasis_task(req: OasisTrainingRequest, should_stop, between_steps, relay, outcome):
    """The training task (worker thread): check, train, export. Fills and returns `outcome`."""
    from engine.errors import InputError
    from engine.training.cli import TrainHooks, run_train

    first: list[tuple[int, float]] = []  # (iteration before the first reported one, its start time)

    def progress(info):
        it, total = info["iteration"], info["iterations"]
        if not first:
            first.append((it - 1, time.monotonic() - info["seconds_per_iteration"]))
        done = max(1, it - first[0][0])
        s_per_it = (time.monotonic() - first[0][1]) / done
        losses = {k: v for k, v in info.items() if k in ("g", "d_fake", "d_real", "d_lm")}
        relay(("progress", {"iteration": it, "total": total, "it_per_s": 1.0 / max(s_per_it, 1e-9),
                            "s_per_it": s_per_it, "eta_s": s_per_it * (total - it), "losses": losses}))
        if "samples" in info:  # the trainer's sample grid: photo, labels, two EMA images per row
            from engine.imagefiles import read_picture

            relay(("preview", {"iteration": it, "sheet": read_picture(Path(info["samples"]))}))
        outcome.iteration, outcome.total = it, total

    def stop():
        between_steps()  # blocks here while paused (and keeps interactive requests flowing)
        return should_stop()

    try:
        run_train(req.argv(), TrainHooks(stop, progress))
        from engine.training.checkpoint import CHECKPOINT_FILE, read_checkpoint
        from engine.training.trainer import RunSpec

        state = read_checkpoint(Path(req.run_dir) / CHECKPOINT_FILE)[1]
        outcome.iteration, outcome.total = state["iteration"], RunSpec.load(Path(req.run_dir)).settings.iterations
        outcome.stopped = outcome.iteration < outcome.total
        if req.export_to and not outcome.stopped:  # a cancelled run stays a run (resumable), not a model
            from engine.training.export import export_run

            outcome.model_dir = str(export_run(Path(req.run_dir), Path(req.export_to), overwrite=True))
    except InputError as e:
        outcome.error, outcome.details = str(e), getattr(e, "report", "")
    except MemoryError:
        outcome.error = "out of memory: try a smaller batch or the tiny / light configuration"
    except Exception as e:  # noqa: BLE001 - a bug: reported in the panel's error box with the traceback
        outcome.error, outcome.details = f"internal error: {e.__class__.__name__}: {e}", traceback.format_exc()
    return outcome


class OasisTrainDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Train OASIS on a dataset")
        self.dataset = QComboBox()
        self.dataset.addItems(DATASETS)
        self.dataset.setToolTip("folder: images/ + labels/ + classes.json; the others: the public layouts "
                                "(docs/training.md)")
        self.data = QLineEdit(placeholderText="dataset root folder")
        self.run_dir = QLineEdit(placeholderText="new folder for checkpoints and samples (or a run to continue)")
        self.export_to = QLineEdit(placeholderText="model folder written when training ends (optional)")
        self.config = QComboBox()
        self.config.addItems(CONFIGS)
        self.config.setToolTip("light: the CPU size of the bundled model; tiny: a test size; public: the original "
                               "OASIS size (GPU)")
        self.iterations = QSpinBox(minimum=1, maximum=10_000_000, value=5000, singleStep=100)
        self.batch = QSpinBox(minimum=1, maximum=512, value=4)
        self.augment = QComboBox()
        self.augment.addItems(["dataset default", "ours", "public"])
        self.augment.setToolTip("ours: multi-scale crops, flip, copy-paste, colour; public: the public code's "
                                "resize / crop / flip")
        self.max_zoom = QDoubleSpinBox(minimum=1.0, maximum=8.0, value=3.0, singleStep=0.5)
        self.max_zoom.setToolTip("ours: crops from the whole scene (1) to this many times closer")
        self.workers = QSpinBox(minimum=0, maximum=32, value=0)
        self.workers.setToolTip("processes that read and crop pictures ahead of the networks (0: read in the "
                                "training task; large datasets train faster with 2-4)")
        self.open_model = QCheckBox("Open the model in the editor when training ends")
        self.open_model.setChecked(True)
        buttons = []
        pickers = ((self.data, "Dataset root"), (self.run_dir, "Run folder"), (self.export_to, "Model folder"))
        for edit, title in pickers:
            b = QPushButton("Choose…")
            b.clicked.connect(lambda _=False, e=edit, t=title: self._pick_dir(e, t))
            buttons.append(b)
        form = QFormLayout()
        form.addRow("Dataset layout", self.dataset)
        form.addRow("Dataset", _path_row(self.data, buttons[0]))
        form.addRow("Run folder", _path_row(self.run_dir, buttons[1]))
        form.addRow("Export model to", _path_row(self.export_to, buttons[2]))
        form.addRow("Networks", self.config)
        form.addRow("Iterations", self.iterations)
        form.addRow("Batch size", self.batch)
        form.addRow("Augmentation", self.augment)
        form.addRow("Max zoom", self.max_zoom)
        form.addRow("Loader workers", self.workers)
        form.addRow("", self.open_model)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c0392b")
        self.error.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(ok_cancel_buttons(self, "Start training"))
        self.extra: tuple = ()
        self._request: OasisTrainingRequest | None = None

    def _pick_dir(self, edit: QLineEdit, title: str) -> None:
        path = QFileDialog.getExistingDirectory(self, title, edit.text())
        if path:
            edit.setText(path)

    def problem(self) -> str:
        data, run, out = self.data.text().strip(), self.run_dir.text().strip(), self.export_to.text().strip()
        if not data:
            return "Choose the dataset's root folder."
        if not os.path.isdir(data):
            return f"{data}: is not a folder"
        if not run:
            return "Choose a run folder."
        if os.path.isfile(run):
            return f"{run}: is a file, not a folder"
        if out and os.path.isfile(out):
            return f"{out}: is a file, not a folder"
        if out and os.path.abspath(out) == os.path.abspath(run):
            return "The model folder must differ from the run folder."
        return ""

    def request(self) -> OasisTrainingRequest:
        augment = {"ours": "ours", "public": "public"}.get(self.augment.currentText(), "")
        ours = augment == "ours" or (not augment and self.dataset.currentText() == "folder")
        run = self.run_dir.text().strip()
        return OasisTrainingRequest(
            run_dir=run, data=self.data.text().strip(), dataset=self.dataset.currentText(),
            config=self.config.currentText(), iterations=self.iterations.value(), batch_size=self.batch.value(),
            augment=augment, max_zoom=self.max_zoom.value() if ours else None, workers=self.workers.value(),
            export_to=self.export_to.text().strip(), open_model=self.open_model.isChecked(), extra=tuple(self.extra),
            resume=has_checkpoint(run))

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            return
        self._request = self.request()
        super().accept()

    @property
    def accepted_request(self) -> OasisTrainingRequest | None:
        return self._request
