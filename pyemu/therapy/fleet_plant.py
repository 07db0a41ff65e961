"""The fleet with the physical plant in the loop: how often each clinical check
catches each fault, and after how many days (issue 13).

Each virtual patient is one call of the C batch ``device_fleet_run``
(``firmware/device/device.h``, FLEET BATCH): a planned year (or any span) of
morphine therapy with patient boluses and refills every ``refill_days``, the
physical plant in the loop and at most one fault, drawn per patient from the
given rates with a random onset and size. The checks a clinic has are the
pump's own: the refill reconciliation (withdrawn against expected), the
low-reservoir alarm and the motor-stall alarm. Every patient's randomness
comes from (seed, index) alone, so a seed gives the same table every time.
"""
from __future__ import annotations

import random
import statistics
from dataclasses import dataclass, field
from typing import Dict, List, Optional

__all__ = ["FAULTS", "PlantPatient", "DetectionRow", "simulate", "detection_table", "format_table"]

#: The faults the fleet draws, in table order ("none": the healthy control).
FAULTS = ("none", "flow_error", "occlusion", "pocket_fill", "mri")
CHECKS = ("refill_reconciliation", "low_reservoir", "motor_stall")
DAY_MS = 86_400_000


@dataclass(frozen=True)
class PlantPatient:
    """One patient's outcome: the fault, its onset day and the first day each check fired."""

    index: int
    fault: str
    onset_day: Optional[int]
    detail: str                       # the fault's size, in words
    span_days: int
    first: Dict[str, Optional[int]]   # check -> first day it fired (None: never)
    dry_days: int
    stalled_days: int
    intrathecal_ug: float
    tissue_ug: float
    held_ug: float


@dataclass
class DetectionRow:
    fault: str
    patients: int = 0
    caught_by: Dict[str, int] = field(default_factory=lambda: {c: 0 for c in CHECKS})
    missed: int = 0
    days_to_catch: List[int] = field(default_factory=list)
    days_without_drug: List[int] = field(default_factory=list)

    @property
    def mean_days_without_drug(self) -> float:
        return statistics.fmean(self.days_without_drug) if self.days_without_drug else 0.0

    @property
    def median_days(self) -> Optional[float]:
        return statistics.median(self.days_to_catch) if self.days_to_catch else None


def _plan(ffi, lib, index: int, seed: int, span_days: int, refill_days: int, fault: str,
          rng: random.Random, requests_max: int):
    """The C plan of one patient and (onset day, detail)."""
    never = int(lib.DEVICE_FLEET_NEVER)
    p = ffi.new("device_fleet_plan_t *")
    p.seed = (seed * 1_000_003 + index) & 0xFFFFFFFF or 1
    p.serial = index + 1
    p.span_days = span_days
    p.capacity_nl = p.fill_nl = 20_000_000
    p.drug, p.conc_ug_ml = 1, 1000                       # morphine 1 mg/mL
    p.rate_nl_day = rng.choice((300_000, 400_000, 500_000))
    p.max_dose_ug_24h, p.low_reservoir_nl = 2000, 2_000_000
    p.refill_interval_days = refill_days
    p.pb_requests_max, p.pb_volume_nl, p.pb_duration_ms = requests_max, 20_000, 600_000
    p.pb_lockout_ms, p.pb_max_per_24h = 3 * 3_600_000, 3
    p.flow_onset_day = p.occlusion_onset_day = p.mri_day = never
    p.flow_factor_ppm, p.pocket_fill_refill, p.mri_duration_ms, p.mri_recovery = 1_000_000, 0, 2_700_000, 2
    onset: Optional[int] = None
    detail = ""
    if fault == "flow_error":
        onset = rng.randrange(span_days)
        pct = rng.choice((-20, -10, -5, 5, 10, 15, 20, 30))
        p.flow_onset_day, p.flow_factor_ppm = onset, 1_000_000 + pct * 10_000
        detail = f"{pct:+d} %"
    elif fault == "occlusion":
        onset = rng.randrange(span_days)
        p.occlusion_onset_day = onset
    elif fault == "pocket_fill":
        k = rng.randrange(1, max(2, span_days // refill_days))
        p.pocket_fill_refill = k
        onset = k * refill_days
    elif fault == "mri":
        onset = rng.randrange(span_days)
        p.mri_day = onset
        detail = "45 min, recovery at interrogation"
    return p, onset, detail


def simulate(n_patients: int, seed: int = 1, span_days: int = 365, refill_days: int = 30,
             rates: Optional[Dict[str, float]] = None, requests_max: int = 2) -> List[PlantPatient]:
    """Run n patients; ``rates``: fault -> share of patients (the rest healthy);
    each day 0..``requests_max`` patient-bolus requests (uniform; at most 8)."""
    from pyemu._core import ffi, lib

    if rates is None:
        rates = {"flow_error": 0.2, "occlusion": 0.2, "pocket_fill": 0.2, "mri": 0.2}
    unknown = set(rates) - set(FAULTS[1:])
    if unknown:
        raise ValueError(f"unknown fault(s) {sorted(unknown)}; the fleet draws {', '.join(FAULTS[1:])}")
    if sum(rates.values()) > 1 or any(v < 0 for v in rates.values()):
        raise ValueError("fault rates are shares of the patients: each >= 0, together at most 1")
    never = int(lib.DEVICE_FLEET_NEVER)
    dev = ffi.new("device_t *")
    out = ffi.new("device_fleet_result_t *")
    patients = []
    for i in range(n_patients):
        rng = random.Random(f"{seed}:{i}")
        r, fault, acc = rng.random(), "none", 0.0
        for name, share in rates.items():
            acc += share
            if r < acc:
                fault = name
                break
        plan, onset, detail = _plan(ffi, lib, i, seed, span_days, refill_days, fault, rng, requests_max)
        rc = lib.device_fleet_run(dev, plan, out)
        if rc != 0:
            raise RuntimeError(f"patient {i}: device_fleet_run returned {rc}")
        first = {"refill_reconciliation": out.first_flagged_day, "low_reservoir": out.first_low_reservoir_day,
                 "motor_stall": out.first_motor_stall_day}
        patients.append(PlantPatient(
            index=i, fault=fault, onset_day=onset, detail=detail, span_days=span_days,
            first={k: (None if v == never else int(v)) for k, v in first.items()},
            dry_days=int(out.dry_days), stalled_days=int(out.stalled_days),
            intrathecal_ug=out.intrathecal_pg / 1e6, tissue_ug=out.tissue_pg / 1e6, held_ug=out.held_pg / 1e6))
    return patients


def detection_table(patients: List[PlantPatient]) -> List[DetectionRow]:
    """Per fault: patients, how many each check caught (at or after the onset), missed, days to the first catch."""
    rows = {f: DetectionRow(f) for f in FAULTS}
    for p in patients:
        row = rows[p.fault]
        row.patients += 1
        start = p.onset_day or 0
        # days no drug reached the spine: the real reservoir empty, the motor stalled,
        # or (occlusion, never cleared in the fleet) every day from the onset on
        blocked = (p.span_days - start) if p.fault == "occlusion" else 0
        row.days_without_drug.append(p.dry_days + p.stalled_days + blocked)
        caught = {c: d for c, d in p.first.items() if d is not None and d >= start}
        for c in caught:
            row.caught_by[c] += 1
        if caught:
            row.days_to_catch.append(min(caught.values()) - start)
        else:
            row.missed += 1
    return [rows[f] for f in FAULTS if rows[f].patients]


def format_table(rows: List[DetectionRow]) -> str:
    """The table as text: % of each fault's patients caught by each check, missed, median days
    from onset to the first catch, and the mean days per patient on which no drug reached the spine."""
    head = (f"{'fault':<12} {'patients':>8} " + " ".join(f"{c:>22}" for c in CHECKS)
            + f" {'missed':>8} {'median days':>11} {'days without drug':>17}")
    lines = [head]
    for r in rows:
        pct = [f"{100 * r.caught_by[c] / r.patients:21.1f}%" for c in CHECKS]
        med = "-" if r.median_days is None else f"{r.median_days:g}"
        lines.append(f"{r.fault:<12} {r.patients:>8} " + " ".join(pct)
                     + f" {100 * r.missed / r.patients:7.1f}% {med:>11} {r.mean_days_without_drug:17.1f}")
    return "\n".join(lines)
