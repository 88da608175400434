"""File classes -> model classes for an imported label map (the logic behind the mapping dialog; no Qt).

Names are matched case-insensitively (engine.labelformats.match_classes, which also sends background-like
names such as "_background_" or "unlabeled" to the model's unknown class). Only classes that actually occur
in the file are offered for review; a class with no match defaults to the model's unknown class.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.labelformats import LabelFile, apply_mapping, match_classes

from .label_document import ModelReference


@dataclass
class MappingRow:
    file_index: int
    file_name: str
    pixels: int
    matched: bool  # found by name (False: defaulted to unknown, the user should look at it)


@dataclass
class ClassMapping:
    file_names: list
    model_names: tuple
    fill: int  # model class for anything without an assignment (its unknown class, else 0)
    rows: list = field(default_factory=list)  # MappingRow per class present in the file
    assignment: dict = field(default_factory=dict)  # file index -> model index

    @staticmethod
    def build(label_file: LabelFile, model: ModelReference, identity: bool = False) -> ClassMapping:
        """`identity`: the file already holds model indices (no name matching; duplicate names stay apart)."""
        fill = 0 if model.unknown_index is None else model.unknown_index
        if identity:
            matched = {i: i for i in range(model.num_classes)}
        else:
            matched, _unmatched = match_classes(label_file.class_names, model.class_names, model.unknown_index)
        values, counts = np.unique(label_file.labels, return_counts=True)
        rows, assignment = [], {}
        for v, n in zip(values.tolist(), counts.tolist(), strict=True):
            name = label_file.class_names[v] if 0 <= v < len(label_file.class_names) else f"value {v}"
            rows.append(MappingRow(v, name, int(n), v in matched))
            assignment[v] = matched.get(v, fill)
        return ClassMapping(list(label_file.class_names), tuple(model.class_names), fill, rows, assignment)

    @property
    def unmatched_rows(self) -> list:
        return [r for r in self.rows if not r.matched]

    @property
    def needs_review(self) -> bool:
        """True when some class in the file has no same-named model class (show the dialog)."""
        return bool(self.unmatched_rows)

    def assign(self, file_index: int, model_index: int) -> None:
        if file_index not in self.assignment:
            raise KeyError(f"class {file_index} does not occur in the file")
        if not 0 <= model_index < len(self.model_names):
            raise ValueError(f"model class {model_index} out of range (model has {len(self.model_names)})")
        self.assignment[file_index] = model_index

    def apply(self, labels: np.ndarray) -> np.ndarray:
        """File indices -> model indices (uint8)."""
        return apply_mapping(labels, self.assignment, self.fill).astype(np.uint8)

    def summary(self) -> str:
        moved = [f"{r.file_name} -> {self.model_names[self.assignment[r.file_index]]}" for r in self.unmatched_rows]
        return "; ".join(moved)
