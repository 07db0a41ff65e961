"""Timing helpers: medians of repeated batches, percentiles of single samples."""
from __future__ import annotations

import gc
import statistics
import time
from typing import Callable

REPEATS = 7


def rate(batch: Callable[[], int], repeats: int = REPEATS) -> float:
    """Median items/s over ``repeats`` calls of ``batch`` (which returns how many items it did).

    GC is off inside each batch (as timeit does) so a collection that happens to
    land in one batch does not decide the median.
    """
    batch()  # warm-up: imports, caches, compiled structs
    rates = []
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        try:
            t0 = time.perf_counter()
            n = batch()
            dt = time.perf_counter() - t0
        finally:
            gc.enable()
        rates.append(n / dt)
    return statistics.median(rates)


def median_time(fn: Callable[[], object], repeats: int = 5) -> float:
    """Median wall seconds of ``fn()`` over ``repeats`` runs (after one warm-up)."""
    fn()
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def rates_interleaved(batches: dict[str, Callable[[], int]], repeats: int = REPEATS) -> dict[str, float]:
    """Median items/s of each batch, measured round-robin.

    One round runs every batch once, so a burst of load on a shared machine
    slows ours and the peer's alike, and the ratios stay meaningful.
    """
    for batch in batches.values():
        batch()  # warm-up
    samples: dict[str, list[float]] = {k: [] for k in batches}
    for _ in range(repeats):
        for name, batch in batches.items():
            gc.collect()
            gc.disable()
            try:
                t0 = time.perf_counter()
                n = batch()
                dt = time.perf_counter() - t0
            finally:
                gc.enable()
            samples[name].append(n / dt)
    return {k: statistics.median(v) for k, v in samples.items()}
