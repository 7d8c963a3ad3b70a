"""The garbage collector during a long run: the heap that was there before is left alone.

Python's cyclic collector walks every tracked object of a generation when it collects that
generation. A chat import makes and drops millions of small objects, so the oldest generation
is collected again and again — and each time the walk covers the settled heap too: Django, the
lexicons, the audit models and their caches, objects that a long import never frees. That walk
was a tenth of an import's CPU time (``docs/benchmarks.md``, "Sixth pass").

``settled_heap()`` moves the objects that exist when the block starts out of the collector's
sight (``gc.freeze``) and gives them back when it ends (``gc.unfreeze``). Nothing leaks: garbage
frozen with them is collected by the first collection after the block, and what the block itself
makes is collected as usual. A process that froze its heap for good (the gateway, after warming
up) is left as it is.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_holders = 0  # blocks running now that froze the heap together (nested, or in other threads)
_froze = False  # whether the first of them froze it (it was not frozen by someone else)


@contextlib.contextmanager
def settled_heap() -> Iterator[None]:
    """Keep the objects that exist now out of the collector's passes while the block runs."""
    global _holders, _froze
    with _lock:
        if _holders == 0:
            _froze = gc.get_freeze_count() == 0
            if _froze:
                gc.freeze()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _froze:
                gc.unfreeze()
                _froze = False
