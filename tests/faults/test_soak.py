"""Soak: years of simulated therapy, random commands, a noisy line.

A seeded stream of commands (refills every few weeks, prescriptions in rate
and dose units, patient and clinician boluses, suspensions, faults, alarm
acknowledgements, clock jumps of up to ten days) runs through the client
over a line with 1% byte errors, until the battery is long past its end of
service. After every command the device must pass its invariant check, the
volumes must balance to the nanolitre, the event log must have grown without
a gap, and the alarms it shows active must be exactly those its log raised
and did not clear: an alarm that is active without having been logged, or a
logged command that ran twice, fails the soak.

CI runs 3 seeds x 12 years (a few seconds each). ``HYPOTHESIS_PROFILE=deep``
or ``PYEMU_SOAK_YEARS=N`` / ``PYEMU_SOAK_SEEDS=N`` run longer.
"""
from __future__ import annotations

import os
import random
from typing import Any, Iterator, List

import pytest

from line_support import DAY_MS, Command, RX, run_session
from pyemu.pump.client import Alarm
from pyemu.pump.core import EventKind
from pyemu.link.lossy import LineFaults
from pyemu.protocol.vocabulary import Alarm as VAlarm

DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
YEARS = int(os.environ.get("PYEMU_SOAK_YEARS", "30" if DEEP else "12"))
SEEDS = int(os.environ.get("PYEMU_SOAK_SEEDS", "10" if DEEP else "3"))


def therapy(seed: int, years: int, clock: List[int]) -> Iterator[Command]:
    """Commands until ``years`` of device time have passed (``clock[0]`` tracks it)."""
    rng = random.Random(seed)
    yield ("REFILL", dict(volume_nl=20_000_000, drug=1, conc_ug_ml=1000))
    yield ("PRESCRIBE", RX)
    last_refill = 0
    end = years * 365 * DAY_MS
    while clock[0] < end:
        if clock[0] - last_refill > rng.randrange(20, 45) * DAY_MS:
            last_refill = clock[0]
            yield ("REFILL", dict(volume_nl=rng.choice([20_000_000, 15_000_000]), drug=1, conc_ug_ml=1000))
            continue
        r = rng.random()
        if r < 0.30:
            delta = rng.choice([rng.randrange(1, 3_600_000), rng.randrange(1, 10 * DAY_MS)])
            clock[0] += delta
            yield ("ADVANCE", dict(delta_ms=delta))
        elif r < 0.45:
            yield ("PATIENT_BOLUS", {})
        elif r < 0.52:
            yield ("CLINICIAN_BOLUS", dict(volume_nl=rng.choice([10_000, 200_000, 5_000_000]),
                                           duration_ms=rng.choice([60_000, 3_600_000, 86_400_000])))
        elif r < 0.56:
            yield ("CANCEL_BOLUS", {})
        elif r < 0.60:
            yield ("SUSPEND", {})
        elif r < 0.66:
            yield ("RESUME", {})
        elif r < 0.74:
            yield ("ACK_ALARM", dict(alarm_bits=rng.choice([0x7F, 1, 2, 4, 8, 16, 32])))
        elif r < 0.78:
            rate = rng.choice([0, 100_000, 500_000, 2_000_000])
            unit = rng.choice([0, 1])
            value = rate if unit == 0 else rate // 1000   # ug/day at 1000 ug/mL
            yield ("PRESCRIBE", {**RX, "step_unit": unit, "max_dose_ug_24h": rng.choice([600, 10_000]),
                                 "steps": [{"start_min": 0, "value": value}]})
        elif r < 0.82:
            yield ("INJECT_FAULT", dict(fault=rng.choice([1, 2]), action=rng.choice([0, 1, 1])))
        elif r < 0.86:
            yield ("PRIME_BOLUS", dict(volume_nl=rng.choice([0, 100_000]), duration_ms=600_000))
        elif r < 0.90:
            yield ("SET_CLOCK", dict(unix_ms=1_700_000_000_000 + clock[0]))
        else:
            yield ("GET_STATUS", {})


class Auditor:
    """Checks the device after every command; keeps the whole event log."""

    def __init__(self, clock: List[int]) -> None:
        self.clock = clock
        self.events: List[Any] = []
        self.active = 0
        self.raised_ever = 0
        self.patient_requests = 0
        self.alarms_seen = 0

    def __call__(self, session: Any, command: Command, outcome: Any) -> None:
        dev, client = session.device, session.client
        name = command[0]
        if name == "PATIENT_BOLUS":
            self.patient_requests += 1
        if name == "ADVANCE" and outcome[0] == "STATUS":
            self.clock[0] = outcome[1]   # device time after the jump
        dev.check()   # every invariant of the core (PumpError if one is broken)
        b = dev.balance()
        assert b.filled_nl == b.discarded_nl + b.pumped_nl + b.reservoir_nl, "volume does not balance"
        assert b.pumped_pg == b.delivered_pg + b.in_catheter_pg, "drug mass does not balance"
        assert b.pumped_pg == b.pumped_nl * 1000, "one concentration in use: mass = volume x 1000 pg/nL"
        # The log grew without a gap (it is read after every command, before its ring wraps).
        first = self.events[-1].seq + 1 if self.events else 1
        new = dev.events(first)
        assert not new or new[0].seq == first, f"event log lost entries {first}..{new[0].seq - 1}"
        assert [e.seq for e in new] == list(range(first, first + len(new)))
        for e in new:
            # pump.h THE ALARM RULE: an alarm is active while its cause lasts, acked
            # or not; a re-sound (data1 = 1) is logged for an alarm still active;
            # only DOSE_LIMIT, which has no lasting cause, ends when acknowledged.
            if e.kind == EventKind.ALARM_RAISED and e.data1 == 1:
                assert self.active & e.data0 == e.data0, "a re-sound of an alarm that was not active"
            elif e.kind == EventKind.ALARM_RAISED:
                assert not self.active & e.data0, "an alarm was raised twice without clearing"
                self.active |= e.data0
                self.raised_ever |= e.data0
            elif e.kind == EventKind.ALARM_CLEARED:
                self.active &= ~e.data0
            elif e.kind == EventKind.ALARM_ACKED:
                self.active &= ~(e.data0 & int(VAlarm.DOSE_LIMIT))
        self.events += new
        assert int(dev.status().alarms) == self.active, \
            "the pump shows alarms its log did not raise (or still shows ones it cleared)"
        for item in client.drain_unsolicited():
            if isinstance(item, Alarm):
                self.alarms_seen += 1
                assert item.raised & ~self.raised_ever == 0, "an ALARM frame announced an unlogged alarm"


@pytest.mark.parametrize("seed", range(1, SEEDS + 1))
def test_years_of_therapy_over_a_noisy_line_lose_nothing(monkeypatch, seed):
    """Invariant: years of random therapy over a line with 1% byte errors end
    with no crash, exact volume and mass balance after every command, a gapless
    event log, every active alarm logged, and each patient request logged once."""
    clock = [0]
    auditor = Auditor(clock)
    result = run_session(therapy(seed, YEARS, clock), monkeypatch, LineFaults(flip=0.01), seed=seed,
                         retries=60, after=auditor)
    assert result.failed_at is None, result.error
    dev = result.device
    years = dev.now_ms / (365 * DAY_MS)
    assert years >= YEARS
    kinds = {e.kind for e in auditor.events}
    patient_logged = sum(1 for e in auditor.events
                         if e.kind in (EventKind.PATIENT_GRANTED, EventKind.PATIENT_DENIED))
    assert patient_logged == auditor.patient_requests, "a patient request was logged twice or not at all"
    # The soak reached the states it is meant to stress.
    assert auditor.raised_ever & 0x08, "the battery must reach end of service"
    assert {EventKind.BOLUS_START, EventKind.REFILL, EventKind.ALARM_RAISED, EventKind.ALARM_CLEARED,
            EventKind.FAULT_INJECTED, EventKind.PATIENT_GRANTED, EventKind.SUSPENDED} <= kinds
    assert result.client.stats.retries > 0 and result.client.stats.replayed > 0
