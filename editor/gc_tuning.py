"""Keep Python's cyclic garbage collector from freezing the window.

A full (generation 2) collection walks every tracked object -- with torch, numpy and Qt loaded that is
a few hundred thousand objects and 100-300 ms during which *no* thread runs Python, so a collection
triggered by the engine worker stalls the GUI too (measured: 328 ms). Objects that exist once the
app and its model are loaded live for the whole session, so they are moved to the permanent
generation (gc.freeze); later collections only walk what was allocated since.

Frozen objects are never collected, so each freeze first thaws and collects: the previous model, a
closed window or a replaced document frozen at an earlier load and garbage since (reference cycles)
would otherwise stay in memory for good -- about 100 MB per window and model load, which took one test
process to 8 GB. That full collection costs the 100-300 ms once per model load, not during editing.
"""

from __future__ import annotations

import gc


def freeze_long_lived() -> int:
    """Collect the garbage (also what an earlier call froze), then freeze everything still alive; returns
    how many objects are now frozen."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
