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

While the block runs, the youngest generation is also collected after ``YOUNG_THRESHOLD`` new
objects instead of Python's 700. An import holds a batch of records, rows and documents (some
ten thousand objects) until the batch is stored: at 700, each collection found them alive and
moved them on, so they were walked again in the older generations, and the oldest was collected
about every fifteen batches — 4 % of an import's CPU time (``docs/benchmarks.md``, "Eighth pass").
At 50,000 they are freed by their reference counts before a collection comes. An import makes
almost no reference cycles (20,000 messages per file, two files, left three objects for the collector), so
collecting less often holds back next to nothing; cycles made meanwhile, in the import or in
another thread, are still collected, only later. The thresholds are put back when the last block
ends.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_holders = 0  # blocks running now that froze the heap together (nested, or in other threads)
_froze = False  # whether the first of them froze it (it was not frozen by someone else)
_thresholds: tuple[int, int, int] | None = None  # the collector's thresholds before the first block

# New objects (allocations less deallocations) between two collections of the youngest
# generation while a block runs: above what a batch of the default 2,000 messages holds at once.
YOUNG_THRESHOLD = 50_000


@contextlib.contextmanager
def settled_heap() -> Iterator[None]:
    """Keep the objects that exist now out of the collector's passes while the block runs, and
    collect the youngest generation less often (``YOUNG_THRESHOLD``)."""
    global _holders, _froze, _thresholds
    with _lock:
        if _holders == 0:
            _froze = gc.get_freeze_count() == 0
            if _froze:
                gc.freeze()
            _thresholds = gc.get_threshold()
            young, *older = _thresholds
            # (Never closer together than before, and a collector switched off by a
            # threshold of 0 stays off.)
            if young:
                gc.set_threshold(max(young, YOUNG_THRESHOLD), *older)
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                if _thresholds is not None:
                    gc.set_threshold(*_thresholds)
                    _thresholds = None
                if _froze:
                    gc.unfreeze()
                    _froze = False
