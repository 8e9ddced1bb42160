"""Argon2id key derivation for key slots, and its calibration.

A slot's parameters are stored beside it. New slots use parameters calibrated on this
machine so that one derivation takes 0.5–1 s, never below 64 MiB and 3 iterations (the
floor also refuses a key file that was edited to weaken a slot) nor above 1 GiB and 10
iterations (the ceiling refuses a key file edited to make an unlock take minutes).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

FLOOR_MEMORY_KIB = 64 * 1024
FLOOR_ITERATIONS = 3
#: The ceiling: the most this app ever calibrates. A key file asking for more is refused as
#: edited (an unlock that costs minutes or all memory is a denial of service).
MAX_MEMORY_KIB = 1024 * 1024
MAX_ITERATIONS = 10
MAX_LANES = 8
LANES = 4
SALT_BYTES = 16
TARGET_SECONDS = (0.5, 1.0)
#: The memory every calibration starts from and keeps when the machine allows
PREFERRED_MEMORY_KIB = 256 * 1024
#: Runs per measurement during calibration (the fastest counts)
BEST_OF = 5


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int = FLOOR_MEMORY_KIB
    iterations: int = FLOOR_ITERATIONS
    lanes: int = LANES

    def is_acceptable(self) -> bool:
        return (
            FLOOR_MEMORY_KIB <= self.memory_kib <= MAX_MEMORY_KIB
            and FLOOR_ITERATIONS <= self.iterations <= MAX_ITERATIONS
            and 1 <= self.lanes <= MAX_LANES
        )


FLOOR = KdfParams()


def derive(secret: bytes, salt: bytes, params: KdfParams) -> bytes:
    """A 256-bit wrapping key from a passphrase or recovery code."""
    kdf = Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(secret)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


#: What each core beyond the first adds to a derivation's speed when its lanes run on
#: threads (measured here: 4 lanes on 2 cores took 0.66 of their CPU time on the wall
#: clock): the estimate never takes the lanes as perfectly parallel, which would overshoot
#: the target on a quiet machine.
PARALLEL_GAIN = 0.5


def _time_once(params: KdfParams) -> float:
    """One derivation's time on this machine when nothing else runs: the wall clock, or
    the CPU time it took spread over the cores its lanes ran on, whichever is less.
    Another program's load delays the wall clock but not the CPU time, so a vault made
    while the laptop is busy gets the cost of a quiet one. Whether the lanes ran on other
    threads is seen, not assumed: a derivation that took its CPU time in this thread ran
    on one core, however many the process may use."""
    wall, cpu, mine = time.perf_counter(), time.process_time(), time.thread_time()
    derive(b"calibration", os.urandom(SALT_BYTES), params)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    mine = time.thread_time() - mine
    cores = max(1, min(params.lanes, _cores())) if mine < cpu / 2 else 1
    return min(wall, cpu / (1 + (cores - 1) * PARALLEL_GAIN))


def _best_of(measure: Callable[[KdfParams], float], params: KdfParams) -> float:
    """The machine's stable capacity: the fastest of a few runs (anything else running at
    the time only ever slows a run down)."""
    return min(measure(params) for _ in range(BEST_OF))


def calibrate(
    target: tuple[float, float] = TARGET_SECONDS,
    measure: Callable[[KdfParams], float] = _time_once,
) -> KdfParams:
    """Parameters for which one derivation lands in ``target`` seconds on this machine,
    the same each time it is asked (two vaults made on one laptop get the same cost).

    Memory is fixed at ``PREFERRED_MEMORY_KIB`` (halved only on a machine where that alone
    takes too long, never below the floor) and the iterations fill the time, from the
    fastest of ``BEST_OF`` runs; only a machine that reaches ``MAX_ITERATIONS`` below the
    target gets more memory, up to 1 GiB. Rounding the iterations is the one step left
    (at most one iteration apart across calibrations).
    """
    low, high = target
    goal = (low + high) / 2
    params = replace(FLOOR, memory_kib=PREFERRED_MEMORY_KIB)
    seconds = _best_of(measure, params)
    while seconds > high and params.memory_kib > FLOOR_MEMORY_KIB:
        params = replace(params, memory_kib=params.memory_kib // 2)
        seconds = _best_of(measure, params)
    while True:
        per_iteration = seconds / params.iterations
        iterations = min(MAX_ITERATIONS, max(FLOOR_ITERATIONS, round(goal / per_iteration)))
        result = replace(params, iterations=iterations)
        if (per_iteration * iterations >= low or iterations < MAX_ITERATIONS
                or params.memory_kib * 2 > MAX_MEMORY_KIB):
            return result
        bigger = replace(params, memory_kib=params.memory_kib * 2)
        bigger_seconds = _best_of(measure, bigger)
        if bigger_seconds > high:  # a memory cliff (swapping): keep what fits
            return result
        params, seconds = bigger, bigger_seconds


class KdfPolicy:
    """Chooses the parameters for new key slots; calibrates once, lazily."""

    def __init__(self, fixed: KdfParams | None = None) -> None:
        self._params = fixed

    def params(self) -> KdfParams:
        if self._params is None:
            self._params = calibrate()
        return self._params
