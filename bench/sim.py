"""Simulation speed: 7 device-years of a realistic therapy through the Python API.

The therapy (same as bench/instr_per_day.c): a 40 mL pump of morphine
10 mg/mL, 0.5 mL/day over a 6-step daily schedule, one to four patient-bolus
requests a day at random waking minutes (seeded), refilled every 60 days.
The slow reference (``pyemu.testing.oracle``, pure Python, event by event) runs the
same script over a shorter span; its time is scaled to 7 years and set
beside the C core's in the same run, and the two must end in the same state.
"""
from __future__ import annotations

import random
from typing import Any

from bench.table import Row, goal_at_most
from bench.timing import median_time

YEARS = 7
DAYS = 7 * 365 + 2
ORACLE_DAYS = 14
RESERVOIR_NL = 40_000_000
CONC = 10_000
STEPS = ((0, 400_000), (240, 450_000), (480, 550_000), (720, 600_000), (960, 550_000), (1200, 450_000))
MIN_MS = 60_000
DAY_MS = 86_400_000


def therapy(pump: Any, refused: type, days: int) -> Any:
    """Drive ``pump`` (a core.Pump or an oracle.Oracle) through ``days`` of the bench therapy."""
    from pyemu.pump import core

    rng = random.Random(7)
    rx = core.Prescription(
        drug=core.Drug.MORPHINE, conc_ug_ml=CONC,
        steps=tuple(core.Step(start, rate) for start, rate in STEPS),
        max_dose_ug_24h=8_000, low_reservoir_nl=2_000_000, pb_enabled=True,
        pb_volume_nl=20_000, pb_duration_ms=10 * MIN_MS, pb_lockout_ms=180 * MIN_MS, pb_max_per_24h=4)
    pump.refill(RESERVOIR_NL, int(core.Drug.MORPHINE), CONC)
    pump.prescribe(rx)
    for day in range(days):
        day0 = day * DAY_MS
        if day and day % 60 == 0:
            pump.advance(day0 + 10 * 60 * MIN_MS)
            pump.refill(RESERVOIR_NL, int(core.Drug.MORPHINE), CONC)
        minute = 10 * 60 + 1
        for _ in range(rng.randint(1, 4)):
            minute += rng.randint(30, 209)
            pump.advance(day0 + minute * MIN_MS)
            try:
                pump.patient_bolus()
            except refused:
                pass
        pump.advance(day0 + DAY_MS)
    return pump.status()


def _fresh_core() -> Any:
    from pyemu.pump import core
    return core.Pump(core.Config(reservoir_capacity_nl=RESERVOIR_NL))


def _fresh_oracle() -> Any:
    from pyemu.pump import core
    from pyemu.testing import oracle
    return oracle.Oracle(core.Config(reservoir_capacity_nl=RESERVOIR_NL))


def rows() -> list[Row]:
    from pyemu.pump import core
    from pyemu.testing import oracle

    t_core = median_time(lambda: therapy(_fresh_core(), core.PumpError, DAYS))
    out = [Row("sim", f"{YEARS} device-years through the Python API", t_core, "s", "< 0.5 s",
               goal_at_most(t_core, 0.5), note=f"{DAYS} days, 6-step 0.5 mL/day, 1-4 patient "
               f"boluses/day, refill every 60 days; median of 5")]
    t_oracle = median_time(lambda: therapy(_fresh_oracle(), oracle.OracleError, ORACLE_DAYS), repeats=3)
    scaled = t_oracle * DAYS / ORACLE_DAYS
    a = therapy(_fresh_core(), core.PumpError, ORACLE_DAYS)
    b = therapy(_fresh_oracle(), oracle.OracleError, ORACLE_DAYS)
    agree = all(int(getattr(a, k)) == int(getattr(b, k)) for k in
                ("now_ms", "pumped_nl", "delivered_pg", "reservoir_nl", "battery_nc", "last_event_seq"))
    out.append(Row("sim", f"  oracle, {ORACLE_DAYS} days scaled to {YEARS} years", scaled, "s",
                   note=f"pure-Python reference, {ORACLE_DAYS} days took {t_oracle:.2f} s; "
                        f"same end state as the core over those days: {'yes' if agree else 'NO'}"))
    out.append(Row("sim", "  speed-up of the C core over the oracle", scaled / t_core, "x"))
    return out
