"""Virtual patients for fleet simulation: a seeded, clinically plausible therapy per patient.

Each patient's random stream is derived from (fleet seed, patient index) only,
so patient 17 of seed 42 is the same patient whether the fleet runs on one
worker, on many, or on a Dask cluster, and in whatever order chunks finish.
Draws use the random module and plain arithmetic only (no libm functions,
whose last bits can differ between platforms), so a cluster of mixed
machines with the same Python draws the same patients.

The figures below are plausible ranges from intrathecal practice: drug, concentration and daily dose are drawn
together so the basal rate lands in 0.1–1.5 mL/day; the 24-h dose limit sits
above the basal day (so a busy patient-bolus day can reach it); the refill
interval is what a clinic would book for the reservoir and demand, and each
patient has a habit of coming late.
"""
from __future__ import annotations

import dataclasses
import hashlib
import math
import random
from typing import Any, Sequence

from pyemu.protocol import vocabulary as V

MS_PER_MIN = 60_000
MS_PER_DAY = 86_400_000
NL_PER_ML = 1_000_000

RATE_MIN_NL_DAY = 48_000          # pump.h PUMP_RATE_MIN_NL_DAY
BASAL_BAND_NL_DAY = (100_000, 1_500_000)


@dataclasses.dataclass(frozen=True)
class Drug:
    """Name, wire code (pump.h pump_drug_t), concentrations and daily-dose range."""

    name: str
    code: int
    weight: float                  # share of the population
    concentrations: tuple[int, ...]  # µg/mL
    doses_ug_day: tuple[int, ...]    # daily doses clinicians prescribe (round numbers)
    pb_share: float                # share of patients with a patient-bolus controller


def _drug(drug: V.Drug, *rest: Any) -> Drug:
    """A Drug named and numbered by the vocabulary (protocol/vocabulary.json)."""
    return Drug(V.user_name(drug), int(drug), *rest)


DRUGS: tuple[Drug, ...] = (
    # concentrations within the drug library's maxima (vocabulary.json drug_library);
    # ziconotide allows no patient boluses there
    _drug(V.Drug.MORPHINE, 0.35, (10_000, 20_000),
         (1_000, 1_500, 2_000, 3_000, 4_000, 5_000, 7_500, 10_000), 0.7),
    _drug(V.Drug.HYDROMORPHONE, 0.20, (2_000, 5_000, 10_000),
         (200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 4_000), 0.7),
    _drug(V.Drug.ZICONOTIDE, 0.10, (25, 50, 100), (2, 3, 5, 7, 10, 15, 19), 0.0),
    _drug(V.Drug.BACLOFEN, 0.35, (500, 1_000, 2_000),
         (50, 75, 100, 150, 200, 300, 400, 500, 700, 1_000), 0.4),
)


@dataclasses.dataclass(frozen=True)
class PatientPlan:
    """Everything random about one patient, drawn before the simulation starts."""

    index: int
    drug: str
    drug_code: int
    conc_ug_ml: int
    reservoir_nl: int                        # 20 or 40 mL model
    steps: tuple[tuple[int, int], ...]       # (start minute, rate nL/day)
    max_dose_ug_24h: int
    low_reservoir_nl: int
    pb_enabled: bool
    pb_volume_nl: int
    pb_duration_ms: int
    pb_lockout_ms: int
    pb_max_per_24h: int
    requests_per_day: float                  # mean patient-bolus requests
    refill_interval_days: int
    late_prob: float                         # chance a refill visit is late
    late_days_max: int                       # how late a late visit can be
    stream_seed: int                         # seeds the day-by-day random stream

    @property
    def basal_nl_day(self) -> int:
        """Volume of one schedule day (nL), exact to the minute."""
        total = 0
        for i, (start, rate) in enumerate(self.steps):
            end = self.steps[i + 1][0] if i + 1 < len(self.steps) else 1440
            total += rate * (end - start)
        return total // 1440


def patient_rng(seed: int, index: int) -> random.Random:
    """The patient's own generator: a hash of (seed, index), independent of run layout."""
    digest = hashlib.sha256(f"pyemu-fleet/{seed}/{index}".encode()).digest()
    return random.Random(int.from_bytes(digest[:16], "little"))


def _weighted(rng: random.Random, items: Sequence[Drug]) -> Drug:
    x = rng.random() * sum(d.weight for d in items)
    for d in items:
        x -= d.weight
        if x < 0:
            return d
    return items[-1]


def _schedule(rng: random.Random, basal: int) -> tuple[tuple[int, int], ...]:
    """Simple continuous rate (40%) or a 2-6 step day around the same mean."""
    if rng.random() < 0.4:
        return ((0, basal),)
    n = rng.randint(2, 6)
    starts = sorted(rng.sample(range(1, 48), n - 1))
    minutes = [0] + [s * 30 for s in starts]
    factors = [rng.uniform(0.6, 1.5) for _ in range(n)]
    durations = [(minutes[i + 1] if i + 1 < n else 1440) - minutes[i] for i in range(n)]
    mean = sum(f * d for f, d in zip(factors, durations)) / 1440
    rates = [max(RATE_MIN_NL_DAY, int(basal * f / mean)) for f in factors]
    return tuple(zip(minutes, rates))


def make_plan(seed: int, index: int) -> PatientPlan:
    """Draw patient ``index`` of fleet ``seed``."""
    rng = patient_rng(seed, index)
    drug = _weighted(rng, DRUGS)
    dose = rng.choice(drug.doses_ug_day)
    # Concentrations that put this dose in the usual rate band; else the one nearest
    # 0.5 mL/day. Integer arithmetic only, so every platform draws the same patient.
    fitting = [c for c in drug.concentrations
               if BASAL_BAND_NL_DAY[0] <= dose * NL_PER_ML // c <= BASAL_BAND_NL_DAY[1]]
    conc = rng.choice(fitting) if fitting else min(
        drug.concentrations, key=lambda c: abs(dose * NL_PER_ML // c - 500_000))
    basal = min(max(dose * NL_PER_ML // conc, BASAL_BAND_NL_DAY[0]), BASAL_BAND_NL_DAY[1])
    steps = _schedule(rng, basal)
    reservoir = 40 * NL_PER_ML if rng.random() < 0.6 else 20 * NL_PER_ML
    low = 3 * NL_PER_ML if rng.random() < 0.2 else 2 * NL_PER_ML

    pb_enabled = rng.random() < drug.pb_share
    if pb_enabled:
        pb_volume = max(2_000, int(basal * rng.uniform(0.03, 0.15)) // 1000 * 1000)
        pb_duration = rng.choice((1, 2, 5, 10, 15)) * MS_PER_MIN
        pb_lockout = rng.choice((60, 120, 180, 240, 360, 480)) * MS_PER_MIN
        pb_max = rng.randint(1, 8)
        demand = rng.uniform(0.5, 4.0)
    else:
        pb_volume = pb_duration = pb_lockout = pb_max = 0
        demand = 0.0

    plan_basal = PatientPlan(0, "", 0, conc, 0, steps, 0, 0, False, 0, 0, 0, 0, 0.0, 0, 0.0, 0, 0)
    day_nl = plan_basal.basal_nl_day
    # Limit: the basal day plus a small margin, plus room for some of the allowed
    # patient boluses (40-100% of the daily count), so busy days can reach it.
    # Rounded up to whole µg, with one more µg so stroke rounding never matters.
    if pb_enabled:
        room_nl = day_nl * rng.uniform(0.02, 0.15) + pb_volume * round(pb_max * rng.uniform(0.4, 1.0))
    else:
        room_nl = day_nl * rng.uniform(0.05, 0.5)
    limit_ug = math.ceil((day_nl + room_nl) * conc / NL_PER_ML) + 1
    # never above the drug library's hard limit (the pump refuses it); above the soft
    # limit the clinician confirms (the fleet's prescriptions do)
    hard = V.DRUG_LIBRARY[V.Drug(drug.code)].dose_hard_ug_24h
    if hard:
        limit_ug = min(limit_ug, hard)

    # The clinic books the visit for when the reservoir would reach its low threshold
    # plus a margin with the expected boluses; never more than 90 days.
    expected_day_nl = day_nl + min(demand, pb_max) * pb_volume
    usable = reservoir - low - NL_PER_ML
    interval = int(max(14, min(90, usable // max(expected_day_nl, 1))))
    late_prob = rng.choice((0.0, 0.05, 0.1, 0.2, 0.35))
    late_max = rng.choice((3, 7, 14, 30))

    return PatientPlan(
        index=index, drug=drug.name, drug_code=drug.code, conc_ug_ml=conc,
        reservoir_nl=reservoir, steps=steps, max_dose_ug_24h=max(1, limit_ug),
        low_reservoir_nl=low, pb_enabled=pb_enabled, pb_volume_nl=pb_volume,
        pb_duration_ms=pb_duration, pb_lockout_ms=pb_lockout, pb_max_per_24h=pb_max,
        requests_per_day=demand, refill_interval_days=interval, late_prob=late_prob,
        late_days_max=late_max, stream_seed=rng.getrandbits(64),
    )


def requests_today(rng: random.Random, mean: float, slots: int = 16) -> int:
    """How many times the patient presses the controller today: binomial over ``slots``
    chances (close to Poisson for these means, bounded, and free of libm calls so the
    draw is bit-identical on every platform)."""
    if mean <= 0:
        return 0
    p = mean / slots
    return sum(1 for _ in range(slots) if rng.random() < p)
