"""Keep Python's cyclic garbage collector from freezing the window.

A full (generation 2) collection walks every tracked object -- with torch, numpy and Qt loaded that is
a few hundred thousand objects and 100-300 ms during which *no* thread runs Python, so a collection
triggered by the engine worker stalls the GUI too (measured: 328 ms). Objects that exist once the
app and its model are loaded live for the whole session, so they are moved to the permanent
generation (gc.freeze); later collections only walk what was allocated since.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> int:
    """Freeze everything allocated so far; returns how many objects are now frozen."""
    gc.freeze()
    return gc.get_freeze_count()
