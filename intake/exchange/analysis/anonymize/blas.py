"""One BLAS thread while the final gate multiplies its small matrices (msu_dense.py).

numpy's OpenBLAS starts a thread per core for any product above a few hundred thousand
multiply-adds, and its threads wait for work by spinning: on a machine whose cores are
busy with anything else, the gate's thousands of products of a few million
multiply-adds each took up to seven times as long with two threads as with one (10,000
demo testimonies, every column released). So the gate asks OpenBLAS for one thread while
it searches, and gives back the count it found. Where numpy uses another BLAS, or the
library cannot be found (a frozen app that moved it), nothing is changed.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

_NAMES = ("scipy_openblas{}_num_threads64_", "scipy_openblas{}_num_threads_64_",
          "openblas{}_num_threads64_", "openblas{}_num_threads")
_found: list[tuple[Callable[[], int], Callable[[int], None]] | None] = []


def _library() -> tuple[Callable[[], int], Callable[[int], None]] | None:
    """(get, set) of numpy's OpenBLAS thread count, when numpy ships one."""
    root = Path(np.__file__).parent
    for folder in (root.parent / "numpy.libs", root / ".dylibs", root.parent / "numpy"):
        for path in sorted(folder.glob("*openblas*")) if folder.is_dir() else []:
            try:
                lib = ctypes.CDLL(str(path))
            except OSError:
                continue
            for name in _NAMES:
                get = getattr(lib, name.format("_get"), None)
                put = getattr(lib, name.format("_set"), None)
                if get is not None and put is not None:
                    get.restype, put.argtypes = ctypes.c_int, [ctypes.c_int]
                    return get, put
    return None


@contextmanager
def one_thread() -> Iterator[None]:
    """OpenBLAS on one thread inside the block (the count it had, after)."""
    if not _found:
        try:
            _found.append(_library())
        except (OSError, AttributeError):
            _found.append(None)
    found = _found[0]
    if found is None:
        yield
        return
    get, put = found
    before = int(get())
    put(1)
    try:
        yield
    finally:
        put(before)
