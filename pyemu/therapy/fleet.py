"""``pyemu fleet``: virtual-patient Monte Carlo over many emulated pumps.

Each patient is a :class:`pyemu.pump.core.Pump` with a randomized, clinically
plausible prescription (:mod:`pyemu.therapy.fleet_plan`) and a random stream of
patient-bolus requests and refill visits over the span; the population
figures are in :mod:`pyemu.therapy.fleet_report`.

Patients run in chunks on a local process pool (the default), in this
process (``workers=1``), or on a Dask distributed cluster (``scheduler=
"tcp://host:port"``). Every patient's randomness comes from (seed, index)
alone, and the report is built from the results in patient order, so a seed
gives the same report on one worker or a hundred.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import math
import multiprocessing
import multiprocessing.context
import os
import random
import sys
import time
from typing import Any, Callable, Optional

from pyemu.therapy.fleet_plan import MS_PER_DAY, MS_PER_MIN, PatientPlan, make_plan, requests_today
from pyemu.therapy.fleet_report import FleetReport, PatientResult
from pyemu.protocol import vocabulary as V

__all__ = ["run_fleet", "simulate_patient", "register", "main"]

Progress = Callable[[int, int], None]

# Waking hours in which patients press the hand-held controller, and the clinic
# hour at which refills happen (minutes after midnight).
WAKE_MIN, SLEEP_MIN = 7 * 60, 23 * 60
CLINIC_MIN = 10 * 60
EVENT_PAGE = 64   # log entries read per call; a day's entries are read every day
LOG_PAGES = 512 // EVENT_PAGE + 1   # pump.h PUMP_LOG_CAPACITY = 512


class _Patient:
    """One virtual patient living on one Pump: the day-by-day script and its tallies."""

    def __init__(self, plan: PatientPlan, span_days: int) -> None:
        from pyemu.pump import core  # the C extension loads here, not on `pyemu --help`

        self.core = core
        self.low_or_empty = core.Alarm.LOW_RESERVOIR | core.Alarm.RESERVOIR_EMPTY
        self.plan = plan
        self.span_days = span_days
        self.rng = random.Random(plan.stream_seed)
        self.pump = core.Pump(core.Config(serial=plan.index + 1, reservoir_capacity_nl=plan.reservoir_nl))
        self.result = PatientResult(index=plan.index, drug=plan.drug, span_days=span_days)
        self.last_seq = 0
        self.empty_since: Optional[int] = None
        self.eri_ms: Optional[int] = None
        self.booked_late = False
        self.sounding = 0   # alarm bits raised and neither acknowledged nor cleared, from the log

    # -- the therapy -----------------------------------------------------------------

    def run(self) -> PatientResult:
        p = self.plan
        self._refill()
        self.pump.prescribe(self._prescription())
        refill_day = self._book(0, p.refill_interval_days)
        call_day: Optional[int] = None
        for day in range(self.span_days):
            day0 = day * MS_PER_DAY
            minutes = self._request_minutes()
            visit = day in (refill_day, call_day)
            for minute in minutes + [SLEEP_MIN]:
                if visit and minute >= CLINIC_MIN:  # the clinic visit, in its place in the day
                    visit = False
                    self.pump.advance(day0 + CLINIC_MIN * MS_PER_MIN)
                    if day == refill_day or self.pump.status().alarms & self.low_or_empty:
                        self.result.refills += 1
                        self.result.late_refills += day == refill_day and self.booked_late
                        self._refill()
                        refill_day = self._book(day, p.refill_interval_days)
                    self._ack()
                    call_day = None
                if minute == SLEEP_MIN:
                    break
                self.pump.advance(day0 + minute * MS_PER_MIN)
                self.result.requests += 1
                try:
                    self.pump.patient_bolus()
                except self.core.PumpError:
                    pass  # the log says why; tallied from there so the two never disagree
            self.pump.advance(day0 + MS_PER_DAY)
            self._drain()
            # A patient who hears an alarm tone calls the clinic and is seen within days.
            if call_day is None and self.sounding:
                call_day = day + self.rng.randint(1, 5)
        self._finish()
        return self.result

    def _prescription(self) -> "Any":
        p, core = self.plan, self.core
        return core.Prescription(
            drug=core.Drug(p.drug_code), conc_ug_ml=p.conc_ug_ml,
            steps=tuple(core.Step(start, rate) for start, rate in p.steps),
            max_dose_ug_24h=p.max_dose_ug_24h, low_reservoir_nl=p.low_reservoir_nl,
            pb_enabled=p.pb_enabled, pb_volume_nl=p.pb_volume_nl, pb_duration_ms=p.pb_duration_ms,
            pb_lockout_ms=p.pb_lockout_ms, pb_max_per_24h=p.pb_max_per_24h)

    def _book(self, day: int, days: int) -> int:
        """Day of the next refill visit, ``days`` ahead; some visits happen late."""
        self.booked_late = self.rng.random() < self.plan.late_prob
        late = self.rng.randint(1, self.plan.late_days_max) if self.booked_late else 0
        return day + days + late

    def _request_minutes(self) -> list[int]:
        n = requests_today(self.rng, self.plan.requests_per_day)
        return sorted(self.rng.randrange(WAKE_MIN, SLEEP_MIN) for _ in range(n))

    def _refill(self) -> None:
        p = self.plan
        self.pump.refill(p.reservoir_nl, self.core.Drug(p.drug_code), p.conc_ug_ml)

    def _ack(self) -> None:
        """The clinician acknowledges every alarm still sounding."""
        self._drain()
        if self.sounding:
            self.pump.ack_alarm(self.sounding)

    # -- tallies from the log ---------------------------------------------------------

    def _drain(self) -> None:
        """Tally the log entries written since the last read (names from the core's tables).

        Reading every day keeps far inside the 512-entry ring; entries lost anyway
        would show up in ``events_missed``. The same entries track which alarms sound
        (raised, not yet acknowledged or cleared): the status's ``unacked_alarms``,
        without asking for a whole status every simulated day.
        """
        ek, alarm, dose_limit = self.core.EventKind, self.core.Alarm, self.core.Reason.DOSE_LIMIT
        r = self.result
        for _ in range(LOG_PAGES):  # the ring holds at most this many pages
            events = self.pump.events(self.last_seq + 1, EVENT_PAGE)
            if events and events[0].seq > self.last_seq + 1:
                r.events_missed += events[0].seq - self.last_seq - 1
            for ev in events:
                self.last_seq = ev.seq
                kind = ev.kind
                if kind == ek.PATIENT_GRANTED:
                    r.granted += 1
                elif kind == ek.PATIENT_DENIED:
                    reason = V.reason_name(ev.data1)
                    r.denied[reason] = r.denied.get(reason, 0) + 1
                    r.dose_limit_hits += ev.data1 == dose_limit
                elif kind == ek.BOLUS_REFUSED:
                    r.dose_limit_hits += ev.data1 == dose_limit
                elif kind == ek.ALARM_RAISED:
                    self.sounding |= ev.data0
                    name = V.user_name(alarm(ev.data0))
                    r.alarms[name] = r.alarms.get(name, 0) + 1
                    if ev.data0 == alarm.RESERVOIR_EMPTY:
                        self.empty_since = ev.time_ms
                    elif ev.data0 == alarm.ERI and self.eri_ms is None:
                        self.eri_ms = ev.time_ms
                elif kind in (ek.ALARM_ACKED, ek.ALARM_CLEARED):
                    self.sounding &= ~ev.data0
                    if (kind == ek.ALARM_CLEARED and ev.data0 == alarm.RESERVOIR_EMPTY
                            and self.empty_since is not None):
                        r.empty_ms += ev.time_ms - self.empty_since
                        self.empty_since = None
            if len(events) < EVENT_PAGE:
                return

    def _finish(self) -> None:
        r = self.result
        st = self.pump.status()
        end_ms = self.span_days * MS_PER_DAY
        if self.empty_since is not None:
            r.empty_ms += end_ms - self.empty_since
        if self.eri_ms is not None:
            r.eri_observed = True
            r.eri_days = self.eri_ms / MS_PER_DAY
        else:
            r.eri_days = float(self.span_days + st.days_to_eri)
        r.delivered_ug = st.delivered_pg / 1e6
        r.pumped_ml = st.pumped_nl / 1e6


def simulate_patient(seed: int, index: int, span_days: int) -> PatientResult:
    """Draw patient ``index`` of fleet ``seed`` and live ``span_days`` days of therapy."""
    plan = make_plan(seed, index)
    try:
        return _Patient(plan, span_days).run()
    except Exception as exc:
        # Say which patient, in a form that crosses process boundaries intact.
        raise RuntimeError(f"fleet seed {seed}, patient {index} ({plan.drug}): "
                           f"{type(exc).__name__}: {exc}") from None


def simulate_chunk(seed: int, indices: tuple[int, ...], span_days: int) -> list[PatientResult]:
    """The unit of work shipped to a worker: a few patients, so task overhead stays small."""
    return [simulate_patient(seed, i, span_days) for i in indices]


def _chunks(n: int, workers: int) -> list[tuple[int, ...]]:
    """Contiguous index ranges, about eight per worker (for balance), at most 25 patients each."""
    size = max(1, min(25, math.ceil(n / (max(workers, 1) * 8))))
    return [tuple(range(i, min(n, i + size))) for i in range(0, n, size)]


def _pool_context() -> multiprocessing.context.BaseContext:
    """Workers come from a fork server: forking this process could copy a lock held by
    one of its threads (a Dask client, a test harness) into the child; the server is a
    fresh single-threaded process that has already imported the C core, so new workers
    still start in milliseconds."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["pyemu.therapy.fleet", "pyemu.pump.core"])
    return ctx


def _run_local(seed: int, n: int, span_days: int, workers: int,
               progress: Progress) -> list[PatientResult]:
    results: list[PatientResult] = []
    chunks = _chunks(n, workers)
    if workers <= 1:
        for chunk in chunks:
            results.extend(simulate_chunk(seed, chunk, span_days))
            progress(len(results), n)
        return results
    pool_args = dict(max_workers=workers, mp_context=_pool_context())
    with concurrent.futures.ProcessPoolExecutor(**pool_args) as pool:
        futures = [pool.submit(simulate_chunk, seed, chunk, span_days) for chunk in chunks]
        for fut in concurrent.futures.as_completed(futures):
            results.extend(fut.result())
            progress(len(results), n)
    return results


def _run_dask(seed: int, n: int, span_days: int, scheduler: Any,
              progress: Progress) -> tuple[list[PatientResult], str]:
    """Same chunks on a Dask distributed cluster; ``scheduler`` is an address or a Client."""
    try:
        from dask.distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError("--scheduler needs Dask: pip install 'pyemu[fleet]'") from exc
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        chunks = _chunks(n, n_workers)
        futures = [client.submit(simulate_chunk, seed, chunk, span_days, pure=False) for chunk in chunks]
        results: list[PatientResult] = []
        for fut in as_completed(futures):
            results.extend(fut.result())
            progress(len(results), n)
        return results, f"{n_workers} Dask worker(s) at {client.scheduler.address}"
    finally:
        if own:
            client.close()


def run_fleet(n: int, span_days: int, seed: int, workers: Optional[int] = None,
              scheduler: Any = None, progress: Optional[Progress] = None) -> FleetReport:
    """Simulate ``n`` patients for ``span_days`` days each and build the population report.

    ``workers``: local processes (default: every CPU; 1 runs in this process).
    ``scheduler``: a Dask scheduler address (``tcp://host:port``) or a
    ``dask.distributed.Client``; then the cluster's workers do the work.
    ``progress(done, total)`` is called as patients finish.
    """
    if n < 1:
        raise ValueError("a fleet needs at least one patient")
    if span_days < 1:
        raise ValueError("the span must be at least one day")
    report_progress = progress or (lambda done, total: None)
    t0 = time.perf_counter()
    if scheduler is not None:
        results, where = _run_dask(seed, n, span_days, scheduler, report_progress)
    else:
        w = workers if workers is not None else (os.cpu_count() or 1)
        if w < 1:
            raise ValueError("workers must be at least 1")
        results = _run_local(seed, n, span_days, w, report_progress)
        where = "this process" if w == 1 else f"{w} local processes"
    return FleetReport.from_patients(seed, span_days, results,
                                     elapsed_s=time.perf_counter() - t0, workers=where)


# -- the command ---------------------------------------------------------------------

def _span_days(text: str) -> int:
    """Whole days: ``365``, ``365d``, ``52w``, ``2y`` (a year is 365 days here)."""
    from pyemu import units

    t = text.strip()
    if t.isdigit():
        t += "d"
    try:
        if t.endswith("y") and t[:-1].strip().isdigit():
            days = int(t[:-1]) * 365
        else:
            ms = units.duration_ms(t)
            if ms % MS_PER_DAY:
                raise argparse.ArgumentTypeError(f"{text!r}: the span is whole days, e.g. 365d, 52w or 2y")
            days = ms // MS_PER_DAY
    except units.UnitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if days < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: the span must be at least one day")
    return days


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``pyemu fleet``."""
    p = subparsers.add_parser(
        "fleet", help="simulate a population of virtual patients and report risk figures",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Simulate N virtual patients, each an emulated pump with a random but clinically
plausible prescription (drug, concentration, daily schedule, patient-bolus
settings, refill habits including late refills) and random patient-bolus
requests, and report population figures: alarms per patient-year by kind,
refused patient boluses by reason, dose-limit hits, days spent empty, and
the battery's years to ERI, with a plot.

The same --seed gives the same report on one worker or many, locally or on
a Dask cluster.""",
        epilog="""\
examples:
  pyemu fleet                                   200 patients x 1 year on every CPU
  pyemu fleet -n 2000 --span 3y --seed 7 --plot fleet.png --json fleet.json
  pyemu fleet -n 10000 --scheduler tcp://scheduler-host:8786   on a Dask cluster

On a Dask cluster every worker needs the same pyemu installed (it imports
pyemu.therapy.fleet and runs the C core); `pip install 'pyemu[fleet]'` adds Dask here.
""")
    p.add_argument("-n", "--patients", type=int, default=200, metavar="N",
                   help="number of virtual patients (default: %(default)s)")
    p.add_argument("--span", type=_span_days, default=365, metavar="DURATION",
                   help="therapy simulated per patient, whole days: 365d, 52w, 2y... "
                        "(default: 365d)")
    p.add_argument("--seed", type=int, default=1, help="population seed (default: %(default)s)")
    p.add_argument("-j", "--workers", type=int, default=None, metavar="N",
                   help="local worker processes (default: one per CPU)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask distributed cluster, e.g. tcp://host:8786")
    p.add_argument("--plot", metavar="PNG", default="fleet.png",
                   help="write the population plot here (default: %(default)s; '' for none)")
    p.add_argument("--json", metavar="FILE", help="also write the report as JSON (with per-patient rows)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=main)


def _progress_printer(stream: Any) -> Progress:
    t0 = time.perf_counter()
    last = [0.0]
    tty = hasattr(stream, "isatty") and stream.isatty()

    def show(done: int, total: int) -> None:
        now = time.perf_counter()
        if done < total and now - last[0] < (0.2 if tty else 5.0):
            return
        last[0] = now
        rate = done / (now - t0) if now > t0 else 0.0
        eta = (total - done) / rate if rate else 0.0
        text = (f"fleet: {done}/{total} patients ({done / total:.0%}), {rate:.1f} patients/s, "
                f"~{eta:.0f} s left")
        stream.write(("\r" + text + ("\n" if done == total else "")) if tty else text + "\n")
        stream.flush()

    return show


def main(args: argparse.Namespace) -> int:
    """Run ``pyemu fleet`` from parsed arguments; returns the exit status."""
    if args.patients < 1:
        print("pyemu fleet: --patients must be at least 1", file=sys.stderr)
        return 2
    if args.workers is not None and args.workers < 1:
        print("pyemu fleet: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.plot:
        from pyemu.therapy.plotting import PlotUnavailable, require_matplotlib
        try:
            require_matplotlib()   # before the run, not after it
        except PlotUnavailable as exc:
            print(f"pyemu fleet: {exc} (or --plot '' for no plot)", file=sys.stderr)
            return 2
    progress = None if args.quiet else _progress_printer(sys.stderr)
    try:
        report = run_fleet(args.patients, args.span, args.seed, workers=args.workers,
                           scheduler=args.scheduler, progress=progress)
    except (RuntimeError, OSError) as exc:
        print(f"pyemu fleet: {exc}", file=sys.stderr)
        return 3
    print(report.format_text())
    if args.plot:
        print(f"plot: {report.plot(args.plot)}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            f.write(report.to_json(with_patients=True) + "\n")
        print(f"json: {args.json}")
    return 0
