"""An import's preparation on the other core while its statements run (issue 17).

A large import spends about half its time in Python before the SQL (the answers encoded,
the private section sealed, the indicators, the text to index) and half in SQLite, which
sqlcipher3 runs with the GIL released. :func:`prepared_blocks` runs the preparation in a
producer thread and hands the results over in blocks through a bounded queue, so that
record i's statements run while record i+1 is prepared. Nothing else changes:

- the connection stays the consumer's (the thread that owns it): the producer never sees it;
- the queue is memory only, and bounded (:data:`DEPTH` blocks), as the prepared list of a
  sequential import was;
- an exception in the producer is raised in the consumer, the same object (same type and
  message), at the place of its record: the caller's transaction rolls back everything;
- when the consumer stops early (an error in the SQL, a KeyboardInterrupt, the generator
  closed), the producer is told to stop and is waited for at most :data:`JOIN_SECONDS`.

The GIL is handed between the two threads at Python's switch interval (5 ms by default):
a statement's return would wait that long for the producer to let go of it, so the
interval is lowered while a pipeline runs (:data:`SWITCH_SECONDS`) and restored after.

:func:`collection_paused`: Python's cyclic garbage collector walks every object of the
process each time enough new ones were made; an import makes millions (none in a cycle)
beside the thousands of records it holds, and the walks took 10 to 15 % of an import of
5,000 records. It is paused for the import (reference counting still frees everything),
and for an anonymized export's preparation and writing (services/exports.py), which walk
the same records.
"""

from __future__ import annotations

import contextlib
import gc
import queue
import sys
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

BLOCK = 128  # records a block
#: From how many records an import is pipelined; None: never (every import is prepared
#: first, in the caller's thread). Off: on this project's 2-core bench machine (under the
#: load of other work) the pipeline was no faster than the sequential preparation, 5,000
#: records in process at 0.38-0.48 of the raw anchor against 0.50-0.51, and took about
#: 15-50 µs more CPU a record: the SQL runs in steps of 30-90 µs, and the GIL is taken back
#: after each. Set to :data:`BLOCK` where a second core is free (measure first).
PIPELINED_FROM: int | None = None
DEPTH = 4  # blocks prepared ahead at most
JOIN_SECONDS = 10.0
SWITCH_SECONDS = 0.0002  # the GIL's switch interval while a pipeline runs
_POLL = 0.1  # how often a blocked producer looks whether it should stop

_switch_lock = threading.Lock()
_switch_users = 0
_switch_saved = 0.005
_gc_users = 0
_gc_resume = False  # whether the collector was on when the first pause began


class _Failed(Generic[Result]):
    """The producer's exception, carried to the consumer."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


_END = object()


def _lower_switch_interval() -> None:
    global _switch_users, _switch_saved
    with _switch_lock:
        if _switch_users == 0:
            _switch_saved = sys.getswitchinterval()
            sys.setswitchinterval(min(SWITCH_SECONDS, _switch_saved))
        _switch_users += 1


def _restore_switch_interval() -> None:
    global _switch_users
    with _switch_lock:
        _switch_users -= 1
        if _switch_users == 0:
            sys.setswitchinterval(_switch_saved)


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """The cyclic garbage collector paused meanwhile (see the module doc), as it was after;
    nested and concurrent uses resume it once, with the last of them."""
    global _gc_users, _gc_resume
    with _switch_lock:
        if _gc_users == 0:
            _gc_resume = gc.isenabled()
            gc.disable()
        _gc_users += 1
    try:
        yield
    finally:
        with _switch_lock:
            _gc_users -= 1
            if _gc_users == 0 and _gc_resume:
                gc.enable()


def sequential_blocks(items: Iterable[Item], prepare: Callable[[Item], Result],
                      block: int = BLOCK) -> list[list[Result]]:
    """Every item prepared here and now (a small import), in blocks of ``block``."""
    done = [prepare(item) for item in items]
    return [done[start:start + block] for start in range(0, len(done), block)]


def prepared_blocks(items: Sequence[Item], prepare: Callable[[Item], Result],
                    block: int = BLOCK) -> Generator[list[Result], None, None]:
    """``prepare(item)`` of each item, in order, in blocks of ``block``, made by a producer
    thread while the caller consumes the blocks (see the module doc). A generator: the
    producer starts at the first ``next`` and is stopped when the generator is closed."""
    handoff: queue.Queue[object] = queue.Queue(maxsize=DEPTH)
    stop = threading.Event()

    def give(value: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(value, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            done: list[Result] = []
            for item in items:
                if stop.is_set():
                    return
                done.append(prepare(item))
                if len(done) >= block:
                    if not give(done):
                        return
                    done = []
            if done and not give(done):
                return
            give(_END)
        except BaseException as exc:  # raised in the consumer, at its record's place
            give(_Failed(exc))

    worker = threading.Thread(target=produce, name="import-prepare", daemon=True)
    _lower_switch_interval()
    try:
        worker.start()
        while True:
            got = handoff.get()
            if got is _END:
                return
            if isinstance(got, _Failed):
                raise got.error
            yield got  # type: ignore[misc]
    finally:
        stop.set()
        _drain(handoff)
        worker.join(JOIN_SECONDS)
        _drain(handoff)  # what it put while stopping: nothing prepared stays referenced
        _restore_switch_interval()


def _drain(handoff: queue.Queue[object]) -> None:
    while True:
        try:
            handoff.get_nowait()
        except queue.Empty:
            return
