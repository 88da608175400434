"""The dialog that imports a public OASIS run folder: filled from the run's opt.txt, checked before it
closes, and reopened with every field kept (and the problem shown) when the import fails.

What opt.txt tells (engine.importer.summarize_run): the dataset preset, hence for ADE20K, Cityscapes and
COCO-Stuff the resolution and the class names; which checkpoint tags models/ holds. A custom run records
neither its resolution nor its class names: the dialog asks for the height and width and offers a class
names file (one name per line), else the classes are called "class 1", "class 2", ...
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from engine.config import SIZE_MULTIPLE
from engine.errors import InputError
from engine.importer import RunSummary, read_class_names, summarize_run

from .dialogs import choose_dir, ok_cancel_buttons, pick_into

GENERATORS = {"ema": "EMA", "g": "G"}  # the choice -> the file suffix in models/


def _path_row(edit: QLineEdit, browse) -> QWidget:
    btn = QPushButton("Browse…")
    btn.clicked.connect(browse)
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(edit, 1)
    lay.addWidget(btn)
    return row


class ImportRunDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Import a public OASIS run")
        self.summary: RunSummary | None = None
        self.run_dir = QLineEdit(placeholderText="the folder with opt.txt and models/")
        self.out_dir = QLineEdit(placeholderText="a new or empty folder")
        self.dataset = QLabel("–")
        self.dataset.setWordWrap(True)
        self.tag = QComboBox(editable=True)
        self.tag.setToolTip("The checkpoint to import: models/<tag>_EMA.pth (or _G.pth)")
        self.generator = QComboBox()
        self.generator.addItems(list(GENERATORS))
        self.generator.setToolTip("ema: the averaged weights the authors publish results with; g: the raw ones")
        # "not set" shows at 0 (specialValueText: a Qt property as keyword, which PySide6's stubs omit)
        self.height_px = QSpinBox(minimum=0, maximum=4096, singleStep=SIZE_MULTIPLE,
                                  specialValueText="not set")  # type: ignore[call-arg]
        self.width_px = QSpinBox(minimum=0, maximum=4096, singleStep=SIZE_MULTIPLE,
                                 specialValueText="not set")  # type: ignore[call-arg]
        self.classes_file = QLineEdit(placeholderText="optional: a text file, one class name per line")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #c0392b")

        form = QFormLayout(self)
        form.addRow("Run folder", _path_row(self.run_dir, self._browse_run))
        form.addRow("Dataset (opt.txt)", self.dataset)
        form.addRow("Checkpoint tag", self.tag)
        form.addRow("Generator weights", self.generator)
        form.addRow("Height", self.height_px)
        form.addRow("Width", self.width_px)
        self._classes_row = _path_row(self.classes_file, self._browse_classes)
        form.addRow("Class names file", self._classes_row)
        form.addRow("Save model to", _path_row(self.out_dir, self._browse_out))
        form.addRow(self.message)
        form.addRow(ok_cancel_buttons(self, "Import"))
        self.run_dir.textChanged.connect(self._read_run)
        self._read_run()
        self.resize(600, self.sizeHint().height())

    # -- filling in --------------------------------------------------------------------------
    def _browse_run(self):
        folder = choose_dir(self, "Run folder (with opt.txt and models/)", "oasis-run")
        if folder:
            self.run_dir.setText(folder)

    def _browse_out(self):
        folder = choose_dir(self, "Folder for the converted model", "models")
        if folder:
            self.out_dir.setText(folder)

    def _browse_classes(self):
        pick_into(self.classes_file, "Class names, one per line", "Text files (*.txt);;All files (*)",
                  start=self.run_dir.text())

    def _read_run(self) -> None:
        """opt.txt first: the preset fills the size; a custom run asks for it (and offers class names)."""
        text = self.run_dir.text().strip()
        self.summary = None
        if not text:
            self.dataset.setText("–")
            return
        try:
            self.summary = summarize_run(Path(text))
        except InputError as e:
            self.dataset.setText(f"not readable yet: {e}")
            return
        s = self.summary
        if s.preset is not None:
            self.dataset.setText(f"{s.dataset}: {s.preset.semantic_nc} classes with their names, "
                                 f"{s.preset.height}×{s.preset.width}")
            self.height_px.setValue(s.preset.height)
            self.width_px.setValue(s.preset.width)
        else:
            self.dataset.setText(f"{s.dataset}: a custom dataset, opt.txt has no resolution or class names")
        self._fit_height()
        self._classes_row.setEnabled(s.preset is None)
        self._classes_row.setToolTip("" if s.preset is None else f"{s.dataset} brings its own class names")
        current = self.tag.currentText()
        self.tag.clear()
        self.tag.addItems(list(s.tags))
        if current and current in s.tags:
            self.tag.setCurrentText(current)
        elif not s.tags:
            self.tag.setCurrentText(current or "best")

    # -- values ------------------------------------------------------------------------------
    def arguments(self) -> dict:
        custom = self.summary is None or self.summary.preset is None
        classes = self.classes_file.text().strip()
        return dict(run_dir=Path(self.run_dir.text().strip()), out_dir=Path(self.out_dir.text().strip()),
                    tag=self.tag.currentText().strip() or "best", generator=self.generator.currentText(),
                    height=self.height_px.value() or None, width=self.width_px.value() or None,
                    class_names_file=Path(classes) if classes and custom else None)

    def set_arguments(self, args: dict) -> None:
        """Put back what the user filled in (the run folder first: it fills the rest from opt.txt)."""
        self.run_dir.setText(str(args.get("run_dir", "")))
        self.out_dir.setText(str(args.get("out_dir", "")))
        self.tag.setCurrentText(str(args.get("tag", "best")))
        self.generator.setCurrentText(str(args.get("generator", "ema")))
        self.height_px.setValue(int(args.get("height") or 0))
        self.width_px.setValue(int(args.get("width") or 0))
        classes = args.get("class_names_file")
        self.classes_file.setText(str(classes) if classes else "")

    def show_problem(self, text: str) -> None:
        self.message.setText(text)
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow to show wrapped lines (a QFormLayout does not grow its dialog by itself)."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def problems(self) -> list[str]:
        """What keeps the import from starting, in the dialog's own words (empty: good to go)."""
        out = []
        run = self.run_dir.text().strip()
        if not run:
            return ["Run folder: choose the folder of the run (it holds opt.txt and models/)."]
        try:
            summary = summarize_run(Path(run))
        except InputError as e:
            return [f"Run folder: {e}"]
        args = self.arguments()
        which = GENERATORS[args["generator"]]
        weights = Path(run) / "models" / f"{args['tag']}_{which}.pth"
        if not weights.is_file():
            found = ", ".join(summary.tags) or "none"
            out.append(f"Checkpoint tag: models/{weights.name} is not in the run folder (tags found: {found}).")
        h, w = args["height"], args["width"]
        if summary.preset is None and (h is None or w is None):
            out.append("Height and Width: this is a custom run, give the resolution it was trained at.")
        for name, v in (("Height", h), ("Width", w)):
            if v is not None and v % SIZE_MULTIPLE:
                out.append(f"{name}: {v} is not a multiple of {SIZE_MULTIPLE}.")
        if args["class_names_file"] is not None:
            try:
                read_class_names(args["class_names_file"])
            except InputError as e:
                out.append(f"Class names file: {e}")
        out_dir = self.out_dir.text().strip()
        if not out_dir:
            out.append("Save model to: choose a new or empty folder for the converted model.")
        elif Path(out_dir).exists() and (not Path(out_dir).is_dir() or any(Path(out_dir).iterdir())):
            out.append(f"Save model to: {out_dir} is not empty; choose a new or empty folder.")
        return out

    def accept(self) -> None:
        problems = self.problems()
        if problems:
            self.show_problem("\n".join(problems))
            return  # stays open with everything the user typed
        super().accept()
