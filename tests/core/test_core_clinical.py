"""Clinical rules of the core (issue 12), checked on the C core against the oracle and on
their own: alarm latching and re-sound, the ERI margin, the implant configuration, refill
reconciliation and the low-reservoir projection (pump.h SEMANTICS)."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from pyemu.testing import oracle
from pyemu.pump.core import Alarm, Drug, Prescription, Pump, Step, dead_volume_from_catheter

from core_support import U, assert_same, refusal, scaled

H = 3_600_000


def _low_pump(model: bool = False):
    p = oracle.Oracle() if model else Pump()
    p.refill(2_100_000, Drug.MORPHINE, 10_000)
    p.prescribe(Prescription(Drug.MORPHINE, 10_000, (Step(0, 500_000),), 100_000,
                             low_reservoir_nl=2_000_000))
    return p


@settings(max_examples=scaled(60), deadline=None)
@given(ack_after=st.integers(0, 3 * U), interval=st.integers(60_000, 2 * U),
       horizon=st.integers(0, 5 * U))
def test_acked_low_reservoir_stays_active_while_low_and_resounds_after_the_interval(
        ack_after, interval, horizon):
    """Invariant: an acknowledged non-critical alarm stays in the active set while its
    cause lasts, is silent for exactly the re-sound interval after the ack, then sounds
    again; C and oracle agree on all of it."""
    pump, model = _low_pump(), _low_pump(model=True)
    for t in (pump, model):
        t.set_alarm_resound(interval)
        t.advance(U)                       # 2.1 mL - 0.5 mL: below the 2 mL threshold
        t.advance(U + ack_after)
        t.ack_alarm(int(Alarm.LOW_RESERVOIR))
    acked_at = U + ack_after
    for t in (pump, model):
        t.advance(acked_at + horizon)
    assert_same(pump, model, "after the horizon")
    s = pump.status()
    if s.reservoir_nl > 2_000_000 or s.reservoir_nl < 250:
        return
    assert s.alarms & Alarm.LOW_RESERVOIR, "acked alarm left the active set while still low"
    sounding = bool(s.unacked_alarms & Alarm.LOW_RESERVOIR)
    assert sounding == (horizon >= interval)


def test_dose_limit_alarm_ends_with_its_ack_and_critical_alarms_stay_acked():
    """DOSE_LIMIT has no lasting cause: the ack ends it. A critical alarm acked stays
    active and silent until its cause clears, without re-sounding."""
    pump = Pump()
    pump.refill(10_000_000, Drug.MORPHINE, 10_000)
    pump.prescribe(Prescription(Drug.MORPHINE, 10_000, (Step(0, 500_000),), 5000))
    assert refusal(pump.clinician_bolus, 100_000, 60_000) == oracle.E_DOSE_LIMIT
    pump.ack_alarm(int(Alarm.DOSE_LIMIT))
    assert pump.status().alarms == 0
    pump.inject_fault(2)
    pump.ack_alarm(int(Alarm.MEMORY_ERROR))
    pump.advance(30 * U)
    s = pump.status()
    assert s.alarms == Alarm.MEMORY_ERROR and s.unacked_alarms == 0


@settings(max_examples=scaled(40), deadline=None)
@given(length=st.integers(0, 2100), per_cm=st.integers(0, 11_000), tubing=st.integers(0, 600_000))
def test_dead_volume_from_catheter_is_tubing_plus_length_times_volume_per_cm(length, per_cm, tubing):
    """Invariant: the catheter calculation is tubing + ceil(length_mm * nL/cm / 10), refused
    (CONFIG) out of range, identically in C and oracle."""
    def run(fn):
        try:
            return fn(length, per_cm, tubing)
        except Exception as e:
            return ("refused", e.reason_code)
    assert run(dead_volume_from_catheter) == run(oracle.dead_volume_from_catheter)


@settings(max_examples=scaled(60), deadline=None)
@given(days=st.integers(0, 40), delta=st.integers(-3_000_000, 3_000_000),
       capacity=st.sampled_from((20_000_000, 40_000_000)))
def test_refill_verdict_is_within_tolerance_exactly_when_the_discrepancy_is_at_most_the_tolerance(
        days, delta, capacity):
    """Invariant: verdict 0 iff |withdrawn - expected| <= min(ceil(14.5 % of the volume pumped
    since the last refill), 1 mL (20 mL pump) / 2 mL (40 mL pump)); otherwise 1 when less was
    withdrawn than expected (possible over-infusion), 2 when more."""
    from pyemu.pump.core import Config
    pump = Pump(Config(reservoir_capacity_nl=capacity))
    pump.refill(capacity, Drug.MORPHINE, 10_000)
    pump.prescribe(Prescription(Drug.MORPHINE, 10_000, (Step(0, 400_000),), 100_000))
    pump.advance(days * U)
    s = pump.status()
    withdrawn = max(0, min(capacity, s.reservoir_nl + delta))
    r = pump.refill_reconciled(capacity, Drug.MORPHINE, 10_000, withdrawn)
    delivered = capacity - s.reservoir_nl
    tol = min(-(-delivered * 145 // 1000), 1_000_000 if capacity == 20_000_000 else 2_000_000)
    disc = abs(withdrawn - s.reservoir_nl)
    assert (r.expected_nl, r.delivered_nl, r.tolerance_nl, r.discrepancy_nl) == \
        (s.reservoir_nl, delivered, tol, disc)
    expected_verdict = 0 if disc <= tol else (1 if withdrawn < s.reservoir_nl else 2)
    assert r.verdict == expected_verdict


def test_eri_to_eos_lasts_at_least_ninety_days_unacknowledged():
    """Invariant: at the programmed therapy (0.5 mL/day) the pump runs >= 90 days after
    ERI when nobody acknowledges the ERI alarm (its tone counted in the threshold)."""
    from pyemu.pump.core import Config
    pump = Pump(Config(battery_capacity_nc=200_000_000_000))
    pump.refill(20_000_000, Drug.MORPHINE, 1000)
    pump.prescribe(Prescription(Drug.MORPHINE, 1000, (Step(0, 500_000),), 1000, low_reservoir_nl=1))
    day = eri_day = 0
    while pump.status().battery_nc > 0:
        day += 1
        pump.advance(day * U)
        if day % 30 == 0:
            pump.refill(20_000_000, Drug.MORPHINE, 1000)
        if pump.status().eri and not eri_day:
            eri_day = day
        assert day < 400
    assert day - eri_day >= 90, (eri_day, day)
