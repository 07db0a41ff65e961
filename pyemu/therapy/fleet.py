"""``pyemu fleet``: virtual-patient Monte Carlo over many emulated pumps.

Each patient is a :class:`pyemu.pump.core.Pump` with a randomized, clinically
plausible prescription (:mod:`pyemu.therapy.fleet_plan`) and a random stream of
patient-bolus requests and refill visits over the span; the population
figures are in :mod:`pyemu.therapy.fleet_report`.

Patients run in chunks (:mod:`pyemu.therapy.fleet_runner`) on a local
process pool (the default), in this process (``workers=1``), or on a Dask
distributed cluster (``scheduler="tcp://host:port"``). Every patient's
randomness comes from (seed, index) alone, and the report is built from the
results in patient order, so a seed gives the same report on one worker or a
hundred.
"""
from __future__ import annotations

import random
import time
from typing import Any, Optional

from pyemu.therapy.fleet_plan import MS_PER_DAY, MS_PER_MIN, PatientPlan, make_plan, requests_today
from pyemu.therapy.fleet_report import FleetReport, PatientResult
from pyemu.therapy.fleet_runner import Progress, run_chunks
from pyemu.protocol import vocabulary as V

__all__ = ["Progress", "run_fleet", "simulate_patient"]

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
        self.pump.prescribe(self._prescription(), confirm_soft_limit=True)  # the clinician confirms soft limits
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


def simulate_chunk(seed: int, span_days: int, indices: tuple[int, ...]) -> list[PatientResult]:
    """The unit of work shipped to a worker: a few patients, so task overhead stays small."""
    return [simulate_patient(seed, i, span_days) for i in indices]


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
    t0 = time.perf_counter()
    parts, where = run_chunks(simulate_chunk, (seed, span_days), n, workers=workers,
                              scheduler=scheduler, progress=progress)
    results = [r for part in parts for r in part]
    return FleetReport.from_patients(seed, span_days, results,
                                     elapsed_s=time.perf_counter() - t0, workers=where)
