"""OASIS Studio, the PySide6 editor. `document/` is Qt-free; everything else here is Qt."""
