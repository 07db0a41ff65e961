"""The fleet with the physical plant in the loop: across a population with faults at
given rates, how often each clinical check catches each fault, and after how many
days (issue 13).

Each virtual patient is one call of the C batch ``device_fleet_run``
(``firmware/device/device.h``, FLEET BATCH): a planned year (or any span) of
morphine therapy with patient boluses and refills every ``refill_days``, the
physical plant in the loop and any of four faults, each drawn on its own:

* per patient-year (flow_error, occlusion, mri): an exponential onset at that
  rate; the fault happens if its onset day falls inside the span;
* per refill (pocket_fill): a Bernoulli trial at each refill visit inside the
  span; the first hit is the pocket fill.

So a patient may have no fault (the healthy control), one, or several. The
checks a clinic has are the pump's own: the refill reconciliation (withdrawn
against expected), the low-reservoir alarm and the motor-stall alarm.

Every patient's randomness comes from (seed, index) alone, and each fault always
consumes the same two draws, so a seed gives the same table on any number of
workers, and one fault's rate does not reshuffle another fault's patients. The
onset draw uses float multiplication only (each step's survival, computed once by
the caller with ``math.exp``, is passed to the workers), so mixed machines draw
the same onsets. Healthy patients are tallied in their chunk, not kept: a fleet
for a 1-in-10,000-refills fault holds records of its faulted patients only.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from pyemu.protocol import vocabulary as V
from pyemu.therapy.fleet_plant_report import (CHECKS, DAYS_PER_YEAR, FAULTS, FLOW_ERROR, MRI, OCCLUSION,
                                              POCKET_FILL, DetectionRow, PlantPatient, PlantReport)
from pyemu.therapy.fleet_runner import Progress, run_chunks

__all__ = ["FAULTS", "PER", "DEFAULT_RATES", "Rate", "parse_rate", "onset_probability",
           "simulate", "simulate_chunk", "run_plant_fleet", "PlantPatient", "PlantReport"]

#: The unit of each fault's rate (FAULTS: the faults the fleet draws, in table order).
PER = {FLOW_ERROR: "patient-year", OCCLUSION: "patient-year", POCKET_FILL: "refill", MRI: "patient-year"}
_PER_SPELLINGS = {"patient-year": "patient-year", "patient-years": "patient-year", "patient_year": "patient-year",
                  "refill": "refill", "refills": "refill"}
#: Illustrative rates (not epidemiology) that give every row patients in a default run of 2,000.
DEFAULT_RATES: Dict[str, float] = {FLOW_ERROR: 0.1, OCCLUSION: 0.05, POCKET_FILL: 0.005, MRI: 0.1}
_EXAMPLE = {FLOW_ERROR: 0.05, OCCLUSION: 0.02, POCKET_FILL: 1e-4, MRI: 0.1}
FLOW_ERRORS_PCT = (-20, -10, -5, 5, 10, 15, 20, 30)   # sizes a flow error is drawn from


@dataclass(frozen=True)
class Rate:
    """One fault's rate: ``value`` per patient-year or per refill (the fault's own unit, :data:`PER`)."""

    fault: str
    value: float

    @property
    def per(self) -> str:
        return PER[self.fault]

    def __str__(self) -> str:
        return f"{self.fault}={self.value:g}/{self.per}"


def _form(fault: str) -> str:
    return f"{fault}={_EXAMPLE[fault]:g}/{PER[fault]}"


def parse_rate(text: str) -> Tuple[Rate, Optional[str]]:
    """``FAULT=VALUE[/UNIT]`` -> (Rate, note). The unit, if given, must be the fault's own
    (``/patient-year`` or ``/refill``); ``note`` names the spelling to use when an older
    (hyphen) spelling was given. Raises ValueError with a sentence showing the right form."""
    forms = ", ".join(_form(f) for f in FAULTS)
    name, eq, rest = text.partition("=")
    if not eq:
        fault = name.strip().lower().replace("-", "_")
        hint = _form(fault) if fault in PER else forms
        raise ValueError(f"{text!r}: a rate is FAULT=VALUE/UNIT, e.g. {hint}")
    try:
        member, note = V.lookup(V.Fault, name)
    except ValueError:
        member, note = None, None
    fault = V.user_name(member) if member is not None else ""
    if fault not in PER:
        raise ValueError(f"{name.strip()!r} is not a fault of the plant fleet; one of "
                         f"{', '.join(FAULTS)}, e.g. {forms}")
    value_text, slash, unit = rest.partition("/")
    if slash and _PER_SPELLINGS.get(unit.strip().lower()) != PER[fault]:
        raise ValueError(f"{text!r}: {fault} is counted per {PER[fault]}, e.g. {_form(fault)}")
    try:
        value = float(value_text)
    except ValueError:
        raise ValueError(f"{text!r}: the rate is a number, e.g. {_form(fault)}") from None
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"{text!r}: the rate is a number >= 0, e.g. {_form(fault)}")
    if PER[fault] == "refill" and value > 1:
        raise ValueError(f"{text!r}: a per-refill rate is a probability, at most 1, e.g. {_form(fault)}")
    return Rate(fault, value), note


def _check_rates(rates: Mapping[str, float]) -> None:
    for fault, value in rates.items():
        if fault not in PER:
            raise ValueError(f"unknown fault {fault!r}; the plant fleet draws {', '.join(FAULTS)}")
        if not 0 <= value < float("inf") or (PER[fault] == "refill" and value > 1):
            raise ValueError(f"rate of {fault} out of range: {Rate(fault, value)}")


def _steps(fault: str, value: float, span_days: int, refill_days: int) -> Tuple[float, int]:
    """(survival per step, steps in the span): days for a per-patient-year rate, refills per refill."""
    import math

    if PER[fault] == "refill":
        return 1.0 - value, (span_days - 1) // refill_days   # refills on days R, 2R, ... < span
    return math.exp(-value / DAYS_PER_YEAR), span_days


def _survival(per_step: float, steps: int) -> float:
    """``per_step ** steps`` by the same multiplications the onset draw makes."""
    s = 1.0
    for _ in range(steps):
        s *= per_step
    return s


def onset_probability(fault: str, value: float, span_days: int, refill_days: int = 30) -> float:
    """The chance a patient's ``fault`` starts inside the span at this rate."""
    _check_rates({fault: value})
    return 1.0 - _survival(*_steps(fault, value, span_days, refill_days))


@dataclass(frozen=True)
class PlantConfig:
    """What every patient of one fleet shares; the draws hold (fault, survival per step,
    steps, survival over the span) and are computed once by the caller."""

    span_days: int
    refill_days: int
    requests_max: int
    draws: Tuple[Tuple[str, float, int, float], ...]

    @classmethod
    def make(cls, span_days: int, refill_days: int, requests_max: int,
             rates: Mapping[str, float]) -> "PlantConfig":
        _check_rates(rates)
        if span_days < 1 or refill_days < 1:
            raise ValueError("the span and the refill interval are at least one day")
        from pyemu._core import lib   # the batch's bound, from device.h

        if span_days > int(lib.DEVICE_FLEET_MAX_DAYS):
            raise ValueError(f"the span is at most {int(lib.DEVICE_FLEET_MAX_DAYS)} days (100 years) a patient")
        if not 0 <= requests_max <= 8:
            raise ValueError("requests_max is 0..8 patient-bolus requests a day")
        draws = []
        for fault in FAULTS:
            per_step, steps = _steps(fault, rates.get(fault, 0.0), span_days, refill_days)
            draws.append((fault, per_step, steps, _survival(per_step, steps)))
        return cls(span_days, refill_days, requests_max, tuple(draws))


def _first_step(w: float, per_step: float, steps: int, whole: float) -> Optional[int]:
    """The first step k (1-based) at which the survival ``per_step ** k`` drops below ``w``
    in (0, 1]: the onset of an event with that survival; None if it outlives the span."""
    if not whole < w:
        return None
    s = 1.0
    for k in range(1, steps + 1):
        s *= per_step
        if s < w:
            return k
    return None   # pragma: no cover - unreachable: the last step's s is `whole`


class _Runner:
    """One C device, plan and result, reused for every patient of a chunk."""

    def __init__(self, seed: int, cfg: PlantConfig) -> None:
        from pyemu._core import ffi, lib   # the C core loads in the worker, not on `pyemu --help`

        self.lib, self.seed, self.cfg = lib, seed, cfg
        self.never = int(lib.DEVICE_FLEET_NEVER)
        self.dev = ffi.new("device_t *")
        self.out = ffi.new("device_fleet_result_t *")
        p = self.plan = ffi.new("device_fleet_plan_t *")
        p.span_days = cfg.span_days
        p.capacity_nl = p.fill_nl = 20_000_000
        p.drug, p.conc_ug_ml = 1, 1000                       # morphine 1 mg/mL
        p.max_dose_ug_24h, p.low_reservoir_nl = 2000, 2_000_000
        p.refill_interval_days = cfg.refill_days
        p.pb_requests_max, p.pb_volume_nl, p.pb_duration_ms = cfg.requests_max, 20_000, 600_000
        p.pb_lockout_ms, p.pb_max_per_24h = 3 * 3_600_000, 3
        p.mri_duration_ms, p.mri_recovery = 2_700_000, 2        # 45 min, recovery at interrogation

    def run(self, index: int) -> Tuple[Dict[str, int], str]:
        """Plan and play patient ``index``; returns (fault -> onset day, detail); result in ``self.out``."""
        p, never, cfg = self.plan, self.never, self.cfg
        rng = random.Random(f"{self.seed}:{index}")
        p.seed = (self.seed * 1_000_003 + index) & 0xFFFFFFFF or 1
        p.serial = index + 1
        p.rate_nl_day = rng.choice((300_000, 400_000, 500_000))
        p.flow_onset_day = p.occlusion_onset_day = p.mri_day = never
        p.flow_factor_ppm, p.pocket_fill_refill = 1_000_000, 0
        onsets: Dict[str, int] = {}
        detail = ""
        for fault, per_step, steps, whole in cfg.draws:
            # two draws for every fault, hit or not: the streams of the others stay put
            w, size = 1.0 - rng.random(), rng.random()
            k = _first_step(w, per_step, steps, whole)
            if k is None:
                continue
            if fault == POCKET_FILL:
                p.pocket_fill_refill = k
                onsets[fault] = k * cfg.refill_days
                continue
            day = k - 1
            onsets[fault] = day
            if fault == FLOW_ERROR:
                pct = FLOW_ERRORS_PCT[int(size * len(FLOW_ERRORS_PCT))]
                p.flow_onset_day, p.flow_factor_ppm = day, 1_000_000 + pct * 10_000
                detail = f"flow {pct:+d} %"
            elif fault == OCCLUSION:
                p.occlusion_onset_day = day
            else:
                p.mri_day = day
        rc = self.lib.device_fleet_run(self.dev, p, self.out)
        if rc != 0:
            raise RuntimeError(f"plant fleet seed {self.seed}, patient {index}: device_fleet_run returned {rc}")
        return onsets, detail

    def first_days(self) -> Tuple[Optional[int], ...]:
        o, never = self.out, self.never
        days = (o.first_flagged_day, o.first_low_reservoir_day, o.first_motor_stall_day)
        return tuple(None if d == never else int(d) for d in days)

    def patient(self, index: int, onsets: Dict[str, int], detail: str) -> PlantPatient:
        o = self.out
        return PlantPatient(
            index=index, onsets=onsets, detail=detail, span_days=self.cfg.span_days,
            first=dict(zip(CHECKS, self.first_days())), dry_days=int(o.dry_days),
            stalled_days=int(o.stalled_days), intrathecal_ug=o.intrathecal_pg / 1e6,
            tissue_ug=o.tissue_pg / 1e6, held_ug=o.held_pg / 1e6)


def simulate_chunk(seed: int, cfg: PlantConfig,
                   indices: Sequence[int]) -> Tuple[DetectionRow, List[PlantPatient]]:
    """The unit of work shipped to a worker: the healthy patients' tally and the faulted patients."""
    runner = _Runner(seed, cfg)
    healthy = DetectionRow("none")
    faulted = []
    for i in indices:
        onsets, detail = runner.run(i)
        if onsets:
            faulted.append(runner.patient(i, onsets, detail))
        else:
            o = runner.out
            healthy.add(0, runner.first_days(), int(o.dry_days) + int(o.stalled_days))
    return healthy, faulted


def simulate(n_patients: int, seed: int = 1, span_days: int = 365, refill_days: int = 30,
             rates: Optional[Mapping[str, float]] = None, requests_max: int = 2) -> List[PlantPatient]:
    """Every patient's record, healthy ones included (one process; for small fleets and tests).
    ``rates``: fault -> rate in its unit (:data:`PER`; default :data:`DEFAULT_RATES`);
    each day 0..``requests_max`` patient-bolus requests (uniform; at most 8)."""
    cfg = PlantConfig.make(span_days, refill_days, requests_max, DEFAULT_RATES if rates is None else rates)
    runner = _Runner(seed, cfg)
    patients = []
    for i in range(n_patients):
        onsets, detail = runner.run(i)
        patients.append(runner.patient(i, onsets, detail))
    return patients


def run_plant_fleet(n: int, seed: int = 1, span_days: int = 365, refill_days: int = 30,
                    rates: Optional[Mapping[str, float]] = None, requests_max: int = 2,
                    workers: Optional[int] = None, scheduler: Any = None,
                    progress: Optional[Progress] = None) -> PlantReport:
    """Simulate ``n`` patients and build the detection table (:class:`PlantReport`).

    ``rates`` as for :func:`simulate`; ``workers``, ``scheduler`` and ``progress`` as for
    :func:`pyemu.therapy.fleet.run_fleet` (chunks of up to 500 patients: a C patient-year
    takes about a millisecond, so smaller chunks would be mostly task overhead).
    """
    if n < 1:
        raise ValueError("a fleet needs at least one patient")
    rates = dict(DEFAULT_RATES if rates is None else rates)
    cfg = PlantConfig.make(span_days, refill_days, requests_max, rates)
    t0 = time.perf_counter()
    parts, where = run_chunks(simulate_chunk, (seed, cfg), n, workers=workers, scheduler=scheduler,
                              progress=progress, max_size=500)
    probabilities = {f: 1.0 - whole for f, _, _, whole in cfg.draws}
    return PlantReport.from_chunks(
        seed=seed, n_patients=n, span_days=span_days, refill_days=refill_days, requests_max=requests_max,
        rates=[Rate(f, v) for f, v in sorted(rates.items(), key=lambda kv: FAULTS.index(kv[0]))],
        probabilities=probabilities, parts=parts, elapsed_s=time.perf_counter() - t0, workers=where)

