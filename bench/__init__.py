"""Benchmarks (`make bench`): each module here has a ``main()`` that runs it and returns
an exit status; ``python -m bench`` runs them all, ``python -m bench listing`` one."""

import statistics
import time


def timed(function, runs: int) -> tuple[float, object]:
    """The median wall time of ``runs`` calls in milliseconds, and the last result."""
    samples, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), result
