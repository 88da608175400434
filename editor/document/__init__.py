"""The edited things as plain data (label map, noise map, locks, image) and the edits on them -- no Qt.

Everything here is numpy + dataclasses so painting, undo and file formats are testable without a window.
"""

from .label_document import LabelDocument, ModelReference

__all__ = ["LabelDocument", "ModelReference"]
