"""Fleet throughput: patient-years simulated per wall second on one and two workers.

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
    out.extend(plant_rows())
    return out


def plant_rows() -> list[Row]:
    """The C batch with the physical plant in the loop (pyemu.therapy.fleet_plant), one core."""
    from pyemu.therapy.fleet_plant import simulate

    out = []
    for requests, label in ((2, "up to 2 patient requests a day"), (0, "no patient requests")):
        rates = []
        for _ in range(3):
            t0 = time.perf_counter()
            n = _plant_run(simulate, requests)
            rates.append(n / (time.perf_counter() - t0))
        out.append(Row("fleet", f"fleet with the plant, C batch, 1 core, {label}", statistics.median(rates),
                       "patient-years/s", note="one device_fleet_run per patient-year, 20 % of patients "
                       "with each of 4 faults; median of 3 rounds"))
    return out


def _plant_run(simulate, requests: int, patients: int = 400) -> int:
    simulate(patients, seed=SEED, requests_max=requests)
    return patients
