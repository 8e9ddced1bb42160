"""One BLAS thread while the final gate multiplies its small matrices (msu_dense.py).

numpy's OpenBLAS starts a thread per core for any product above a few hundred thousand
multiply-adds, and its threads wait for work by spinning: on a machine whose cores are
busy with anything else, the gate's thousands of products of a few million
multiply-adds each took up to seven times as long with two threads as with one (10,000
demo testimonies, every column released). So the gate asks the BLAS for one thread while
it searches, and gives back the count it had, through threadpoolctl (the library
scikit-learn uses for this: it finds the BLAS numpy loaded, whichever it is, also in the
frozen app). Its controller looks at the loaded libraries once (about 0.09 s), at the
first search; a BLAS it does not know is left as it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_controller: list[Any] = []


def controller() -> Any:
    """threadpoolctl's view of the thread pools loaded (numpy's BLAS), made once."""
    if not _controller:
        import numpy  # noqa: F401 - its BLAS must be loaded to be found
        from threadpoolctl import ThreadpoolController

        _controller.append(ThreadpoolController())
    return _controller[0]


@contextmanager
def one_thread() -> Iterator[None]:
    """The BLAS on one thread inside the block (the count it had, after)."""
    with controller().limit(limits=1, user_api="blas"):
        yield
