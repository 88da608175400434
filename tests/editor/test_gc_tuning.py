"""freeze_long_lived keeps the collector fast without keeping garbage alive for good."""

import gc
import weakref

from editor.gc_tuning import freeze_long_lived


class _Node:
    pass


def _cycle():
    node = _Node()
    node.self = node  # only the cyclic collector frees it
    return node


def test_garbage_frozen_by_an_earlier_call_is_freed_by_the_next():
    node = _cycle()
    ref = weakref.ref(node)
    try:
        freeze_long_lived()  # node is alive and frozen (a model, a window)
        del node  # the window closes, the model is replaced
        freeze_long_lived()  # the next model load
        assert ref() is None
    finally:
        gc.unfreeze()


def test_garbage_made_before_a_call_is_not_frozen():
    ref = weakref.ref(_cycle())
    try:
        freeze_long_lived()
        assert ref() is None
        assert gc.get_freeze_count() > 0  # what is alive is frozen
    finally:
        gc.unfreeze()
