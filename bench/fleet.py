"""Fleet throughput: patient-years simulated per wall second on one and two workers,
for the Python day loop (pyemu fleet) and for the C batch with the physical plant
(pyemu fleet --plant) on one and two workers and a local Dask cluster.

Beside it, the machine's own two-process scaling in the same run: a pure-Python
loop run twice in one process and then once in each of two processes. On a
shared or oversubscribed host the second "core" may give little, and the
fleet cannot scale better than that.
"""
from __future__ import annotations

import statistics
import time

from bench.table import Row

PATIENTS = 160
PLANT_PATIENTS = 1500   # about a second per worker
SPAN_DAYS = 365
SEED = 2024


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def machine_scaling(n: int = 3_000_000, rounds: int = 3) -> float:
    """Median of (two loops in one process) / (one loop in each of two processes)."""
    import concurrent.futures
    import multiprocessing

    ratios = []
    ctx = multiprocessing.get_context("forkserver" if "forkserver" in
                                      multiprocessing.get_all_start_methods() else "spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as pool:
        list(pool.map(_burn, [1000, 1000]))  # start both workers first
        for _ in range(rounds):
            t0 = time.perf_counter()
            _burn(n)
            _burn(n)
            serial = time.perf_counter() - t0
            t0 = time.perf_counter()
            list(pool.map(_burn, [n, n]))
            ratios.append(serial / (time.perf_counter() - t0))
    return statistics.median(ratios)


def rows() -> list[Row]:
    from pyemu.therapy.fleet import run_fleet

    out = []
    speeds = {}
    figures = {}
    # The worker pool's fork server starts once per process; time it on its own so the
    # throughput figures below are the steady state a long fleet run sees.
    t0 = time.perf_counter()
    run_fleet(2, 1, SEED, workers=2)
    startup = time.perf_counter() - t0
    # One and two workers in turn, three rounds, so load from elsewhere hits both alike.
    rates: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(3):
        for workers in (1, 2):
            rep = run_fleet(PATIENTS, SPAN_DAYS, SEED, workers=workers)
            rates[workers].append(rep.patient_years / rep.elapsed_s)
            figures[workers] = rep.figures()
    for workers in (1, 2):
        speeds[workers] = statistics.median(rates[workers])
        note = f"{PATIENTS} patients x {SPAN_DAYS} days, median of 3 rounds, 1 and 2 workers in turn"
        out.append(Row("fleet", f"fleet, {workers} worker{'s' if workers > 1 else ''}", speeds[workers],
                       "patient-years/s", note=note if workers == 1 else ""))
    out.append(Row("fleet", "  worker pool start-up, once per process", startup, "s",
                   note="fork server start and C core import; not in the figures above"))
    same = figures[1] == figures[2]
    out.append(Row("fleet", "  2 workers / 1 worker", speeds[2] / speeds[1], "x",
                   note="same report on 1 and 2 workers: " + ("yes" if same else "NO")))
    out.append(Row("fleet", "  machine: 2 processes / 1 process, pure-Python loop", machine_scaling(), "x",
                   note="the ceiling for the ratio above on this machine, measured in the same run"))
    out.extend(plant_rows(speeds[1]))
    return out


def plant_rows(python_speed: float) -> list[Row]:
    """The C batch with the physical plant in the loop (pyemu.therapy.fleet_plant) on 1 and 2
    local workers and a local Dask cluster of 2 worker processes, beside the Python day loop."""
    from dask.distributed import LocalCluster

    from pyemu.therapy.fleet_plant import run_plant_fleet

    out = []
    runs = {"1 worker": dict(workers=1), "2 workers": dict(workers=2)}
    run_plant_fleet(4, SEED, workers=2)       # the pool's fork server, started once, outside the figures
    rates: dict[str, list[float]] = {}
    tables = {}
    t0 = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        startup = time.perf_counter() - t0
        runs["Dask LocalCluster, 2 worker processes"] = dict(scheduler=cluster.scheduler_address)
        run_plant_fleet(4, SEED, scheduler=cluster.scheduler_address)   # the workers import pyemu
        for _ in range(3):   # in turn, so load from elsewhere hits every path alike
            for label, where in runs.items():
                n = PLANT_PATIENTS * (1 if label == "1 worker" else 2)
                rep = run_plant_fleet(n, SEED, **where)
                rates.setdefault(label, []).append(rep.patient_years_per_s)
                tables[label] = run_plant_fleet(PLANT_PATIENTS // 4, SEED, **where).figures()
    note = (f"{PLANT_PATIENTS} patients x 365 days a worker, 0..2 requests a day, the default fault rates; "
            "median of 3 rounds")
    for label in runs:
        out.append(Row("fleet", f"fleet with the plant, C batch, {label}", statistics.median(rates[label]),
                       "patient-years/s", note=note if label == "1 worker" else ""))
    one = statistics.median(rates["1 worker"])
    out.append(Row("fleet", "  Dask LocalCluster start-up", startup, "s", note="not in the figures above"))
    same = all(t == tables["1 worker"] for t in tables.values())
    out.append(Row("fleet", "  2 workers / 1 worker, the plant", statistics.median(rates["2 workers"]) / one, "x",
                   note="same table on 1 and 2 workers and Dask: " + ("yes" if same else "NO")))
    out.append(Row("fleet", "  C batch with the plant / Python day loop, per core", one / python_speed, "x",
                   note="1 worker each, both with patient requests; the Python loop has no plant"))
    quiet = []
    for _ in range(3):
        rep = run_plant_fleet(PLANT_PATIENTS, SEED, requests_max=0, workers=1)
        quiet.append(rep.patient_years_per_s)
    out.append(Row("fleet", "fleet with the plant, C batch, 1 worker, no patient requests",
                   statistics.median(quiet), "patient-years/s", note="median of 3 rounds"))
    return out
