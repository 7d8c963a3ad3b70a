"""``ops.heap.settled_heap``: during a long import the settled heap is out of the collector's
passes and the youngest generation is collected less often, and after it everything is
collectable again with the thresholds as they were — nothing leaks, and a heap frozen for good
by someone else stays frozen."""

from __future__ import annotations

import contextlib
import gc
import threading
import weakref
from collections.abc import Iterator

import pytest

from qunguan.ops.heap import YOUNG_THRESHOLD, settled_heap


class Node:
    """An object in a reference cycle: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    # Specs start from an unfrozen heap and leave it so (and the thresholds as they were),
    # whatever an earlier test did.
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def cycle() -> weakref.ref[Node]:
    return weakref.ref(Node())


def test_objects_of_before_the_block_are_frozen_while_it_runs():
    before = len(gc.get_objects())
    with settled_heap():
        assert gc.get_freeze_count() >= before // 2
    assert gc.get_freeze_count() == 0


def test_garbage_made_inside_the_block_is_collected_inside_it():
    with settled_heap():
        node = cycle()
        gc.collect()
        assert node() is None


def test_garbage_frozen_with_the_heap_is_collected_after_the_block():
    kept = Node()
    node = weakref.ref(kept)
    with settled_heap():
        del kept
        gc.collect()
        assert node() is not None  # frozen: the collector does not look at it yet
    gc.collect()
    assert node() is None


def test_nested_blocks_unfreeze_once_the_outermost_ends():
    with settled_heap():
        with settled_heap():
            pass
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


@contextlib.contextmanager
def block_in_another_thread() -> Iterator[None]:
    """Run a ``settled_heap`` block in another thread until this one ends."""
    inside, release = threading.Event(), threading.Event()

    def other() -> None:
        with settled_heap():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    assert inside.wait(10)
    try:
        yield
    finally:
        release.set()
        thread.join(10)


def test_blocks_in_two_threads_unfreeze_when_the_last_ends():
    with block_in_another_thread():
        with settled_heap():
            pass
        assert gc.get_freeze_count() > 0  # the other thread's block still runs
    assert gc.get_freeze_count() == 0


def test_a_heap_frozen_for_good_stays_frozen():
    # (Watched through one frozen cycle, not the frozen count: another thread of the test process
    # may free frozen objects at any moment, which lowers the count.)
    kept = Node()
    node = weakref.ref(kept)
    gc.freeze()  # as the gateway does once it has warmed up
    del kept
    with settled_heap():
        pass
    gc.collect()
    assert node() is not None  # still frozen: the collector does not look at it
    assert gc.get_freeze_count() > 0


def test_an_error_in_the_block_still_unfreezes():
    with pytest.raises(RuntimeError), settled_heap():
        raise RuntimeError("导入失败")
    assert gc.get_freeze_count() == 0


def test_the_youngest_generation_waits_for_more_objects_while_the_block_runs():
    gc.set_threshold(700, 10, 10)  # Python's own
    with settled_heap():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, 10, 10)
        node = cycle()
        gc.collect()
        assert node() is None  # (a collection still frees cycles)
    assert gc.get_threshold() == (700, 10, 10)


def test_the_thresholds_come_back_when_the_last_block_ends():
    gc.set_threshold(700, 10, 10)
    with block_in_another_thread():
        with settled_heap(), settled_heap():
            pass
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD  # the other thread's block still runs
    assert gc.get_threshold() == (700, 10, 10)


def test_an_operators_thresholds_are_never_brought_closer_nor_a_switched_off_collector_on():
    gc.set_threshold(YOUNG_THRESHOLD * 2, 5, 5)
    with settled_heap():
        assert gc.get_threshold() == (YOUNG_THRESHOLD * 2, 5, 5)
    gc.set_threshold(0)
    with settled_heap():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0


def test_an_error_in_the_block_still_puts_the_thresholds_back():
    gc.set_threshold(700, 10, 10)
    with pytest.raises(RuntimeError), settled_heap():
        raise RuntimeError("导入失败")
    assert gc.get_threshold() == (700, 10, 10)
