"""Where fleet patients run: in this process, on a local process pool, or on a Dask cluster.

Both fleets (:mod:`pyemu.therapy.fleet`, the Python day loop, and
:mod:`pyemu.therapy.fleet_plant`, the C batch with the plant) cut the patient
indices 0..n-1 into contiguous chunks and call a module-level function
``fn(*args, chunk)`` on each. The results come back in chunk order whatever
order the workers finish in, so a fleet whose patients draw their randomness
from (seed, index) alone gives the same answer on one worker or a hundred.
"""
from __future__ import annotations

import concurrent.futures
import math
import multiprocessing
import multiprocessing.context
import os
from typing import Any, Callable, Optional, Sequence

__all__ = ["Progress", "chunks", "run_chunks"]

Progress = Callable[[int, int], None]

# Modules a pool worker imports before it is forked: the C core and both fleets, so
# new workers start in milliseconds.
_PRELOAD = ["pyemu.pump.core", "pyemu.therapy.fleet", "pyemu.therapy.fleet_plant"]


def chunks(n: int, workers: int, max_size: int = 25) -> list[tuple[int, ...]]:
    """Contiguous index ranges, about eight per worker (for balance), at most ``max_size`` each."""
    size = max(1, min(max_size, math.ceil(n / (max(workers, 1) * 8))))
    return [tuple(range(i, min(n, i + size))) for i in range(0, n, size)]


def _pool_context() -> multiprocessing.context.BaseContext:
    """Workers come from a fork server: forking this process could copy a lock held by
    one of its threads (a Dask client, a test harness) into the child; the server is a
    fresh single-threaded process that has already imported the C core, so new workers
    still start in milliseconds."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


def _run_local(fn: Callable[..., Any], args: Sequence[Any], parts: list[tuple[int, ...]], n: int,
               workers: int, progress: Progress) -> list[Any]:
    out: list[Any] = [None] * len(parts)
    done = 0
    if workers <= 1:
        for k, part in enumerate(parts):
            out[k] = fn(*args, part)
            done += len(part)
            progress(done, n)
        return out
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
        futures = {pool.submit(fn, *args, part): k for k, part in enumerate(parts)}
        for fut in concurrent.futures.as_completed(futures):
            k = futures[fut]
            out[k] = fut.result()
            done += len(parts[k])
            progress(done, n)
    return out


def _run_dask(fn: Callable[..., Any], args: Sequence[Any], n: int, max_size: int, scheduler: Any,
              progress: Progress) -> tuple[list[Any], str]:
    """The same chunks on a Dask distributed cluster; ``scheduler`` is an address or a Client."""
    try:
        from dask.distributed import Client, as_completed  # deferred: optional extra
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError("--scheduler needs Dask: pip install 'pyemu[fleet]'") from exc
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        parts = chunks(n, n_workers, max_size)
        futures = [client.submit(fn, *args, part, pure=False) for part in parts]
        where = {fut.key: k for k, fut in enumerate(futures)}
        out: list[Any] = [None] * len(parts)
        done = 0
        for fut in as_completed(futures):
            k = where[fut.key]
            out[k] = fut.result()
            done += len(parts[k])
            progress(done, n)
        return out, f"{n_workers} Dask worker(s) at {client.scheduler.address}"
    finally:
        if own:
            client.close()


def run_chunks(fn: Callable[..., Any], args: Sequence[Any], n: int, workers: Optional[int] = None,
               scheduler: Any = None, progress: Optional[Progress] = None,
               max_size: int = 25) -> tuple[list[Any], str]:
    """``[fn(*args, chunk) for chunk in chunks(n, ...)]`` in chunk order, and where it ran.

    ``workers``: local processes (default: every CPU; 1 runs in this process).
    ``scheduler``: a Dask scheduler address (``tcp://host:port``) or a
    ``dask.distributed.Client``; then the cluster's workers do the work.
    ``progress(done, total)`` is called with patients done as chunks finish.
    ``fn`` must be a module-level function (it is pickled by name).
    """
    report = progress or (lambda done, total: None)
    if scheduler is not None:
        return _run_dask(fn, args, n, max_size, scheduler, report)
    w = workers if workers is not None else (os.cpu_count() or 1)
    if w < 1:
        raise ValueError("workers must be at least 1")
    results = _run_local(fn, args, chunks(n, w, max_size), n, w, report)
    return results, ("this process" if w == 1 else f"{w} local processes")
