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
    p.refill(2_100_000, Drug.OTHER, 10_000)
    p.prescribe(Prescription(Drug.OTHER, 10_000, (Step(0, 500_000),), 100_000,
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
    pump.refill(10_000_000, Drug.OTHER, 10_000)
    pump.prescribe(Prescription(Drug.OTHER, 10_000, (Step(0, 500_000),), 5000))
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
    pump.refill(capacity, Drug.OTHER, 10_000)
    pump.prescribe(Prescription(Drug.OTHER, 10_000, (Step(0, 400_000),), 100_000))
    pump.advance(days * U)
    s = pump.status()
    withdrawn = max(0, min(capacity, s.reservoir_nl + delta))
    r = pump.refill_reconciled(capacity, Drug.OTHER, 10_000, withdrawn)
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
    pump.refill(20_000_000, Drug.OTHER, 1000)
    pump.prescribe(Prescription(Drug.OTHER, 1000, (Step(0, 500_000),), 1000, low_reservoir_nl=1))
    day = eri_day = 0
    while pump.status().battery_nc > 0:
        day += 1
        pump.advance(day * U)
        if day % 30 == 0:
            pump.refill(20_000_000, Drug.OTHER, 1000)
        if pump.status().eri and not eri_day:
            eri_day = day
        assert day < 400
    assert day - eri_day >= 90, (eri_day, day)


# ----------------------------------------------------------------------------- drug library
from pyemu.protocol.vocabulary import DRUG_LIBRARY  # noqa: E402

_LIB_DRUGS = (Drug.MORPHINE, Drug.HYDROMORPHONE, Drug.ZICONOTIDE, Drug.BACLOFEN, Drug.OTHER)


def test_oracle_drug_library_is_the_generated_table():
    """The oracle copies the drug library as numbers (it must not read the C); they are
    the figures of vocabulary.json's drug_library, which the C core is generated from."""
    for drug, row in DRUG_LIBRARY.items():
        want = (row.max_conc_ug_ml, row.dose_hard_ug_24h, row.dose_soft_ug_24h,
                row.stability_days, row.patient_bolus)
        assert oracle.DRUG_LIBRARY.get(int(drug), oracle.NO_LIMITS) == want, drug


@settings(max_examples=scaled(120), deadline=None)
@given(drug=st.sampled_from(_LIB_DRUGS), conc=st.sampled_from((10, 100, 101, 2000, 2001, 15_000, 20_000, 20_001)),
       max_dose=st.sampled_from((5, 10, 11, 20, 21, 1000, 1001, 2000, 2001, 5000, 10_000, 10_001, 15_000, 15_001)),
       pb=st.booleans(), confirm=st.booleans())
def test_drug_library_hard_limits_refused_soft_limit_needs_confirmation_like_the_oracle(
        drug, conc, max_dose, pb, confirm):
    """Invariant: a refill above the drug's maximum concentration and a prescription above
    its hard 24-h limit (or with patient boluses the drug does not allow) are refused with
    DRUG_LIMIT; above the soft limit only a confirmed prescription is taken (logged
    SOFT_LIMIT_CONFIRMED); C and oracle give the same code, state and log."""
    pump, model = Pump(), oracle.Oracle()
    codes = [refusal(t.refill, 20_000_000, drug, conc) for t in (pump, model)]
    assert codes[0] == codes[1]
    lim = DRUG_LIBRARY[drug]
    assert (codes[0] == oracle.E_DRUG_LIMIT) == bool(lim.max_conc_ug_ml and conc > lim.max_conc_ug_ml)
    rx = Prescription(drug, conc, (Step(0, 48_000),), max_dose, low_reservoir_nl=2_000_000,
                      pb_enabled=int(pb), pb_volume_nl=10_000 if pb else 0, pb_duration_ms=600_000 if pb else 0,
                      pb_lockout_ms=3_600_000 if pb else 0, pb_max_per_24h=2 if pb else 0)
    got = [refusal(t.prescribe, rx, confirm) for t in (pump, model)]
    assert got[0] == got[1]
    assert_same(pump, model, "after prescribe")
    if got[0] == 0:
        assert not lim.dose_hard_ug_24h or max_dose <= lim.dose_hard_ug_24h
        assert confirm or not lim.dose_soft_ug_24h or max_dose <= lim.dose_soft_ug_24h
        assert pb <= lim.patient_bolus


@settings(max_examples=scaled(40), deadline=None)
@given(drug=st.sampled_from(_LIB_DRUGS), refill_at=st.integers(0, 3 * U),
       horizon=st.integers(0, 100 * U), ack=st.booleans())
def test_drug_expired_raised_exactly_at_stability_time_and_refill_clears_it(drug, refill_at, horizon, ack):
    """Invariant: DRUG_EXPIRED is active exactly from refill + stability days on (never for
    a drug without a stability time), an ack does not remove it, a refill clears it; C and
    oracle agree on status, log and battery (the tone)."""
    pump, model = Pump(), oracle.Oracle()
    for t in (pump, model):
        t.advance(refill_at)
        t.refill(20_000_000, drug, 10)
        t.advance(refill_at + horizon)
        if ack and t.status().alarms & Alarm.DRUG_EXPIRED:
            t.ack_alarm(int(Alarm.DRUG_EXPIRED))
            t.advance(refill_at + horizon + U)
    assert_same(pump, model, "after the horizon")
    days = DRUG_LIBRARY[drug].stability_days
    expired = bool(pump.status().alarms & Alarm.DRUG_EXPIRED)
    assert expired == bool(days and horizon >= days * U)
    for t in (pump, model):
        t.refill(20_000_000, drug, 10)
    assert not pump.status().alarms & Alarm.DRUG_EXPIRED
    assert_same(pump, model, "after the refill")
