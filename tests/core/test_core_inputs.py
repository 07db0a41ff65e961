"""Out-of-range inputs through the binding: the right reason code, and the state unchanged.

Refusals that log nothing must leave the snapshot byte-identical. Refusals
of prescribe / bolus / patient bolus / refill add exactly the one log entry
pump.h lists (plus DOSE_LIMIT's alarm for a dose-limit refusal); for those
the pump must otherwise behave exactly like an untouched twin restored from
the snapshot taken before the refusal.
"""
from __future__ import annotations

import dataclasses

from hypothesis import given, settings, strategies as st

from pyemu.testing import oracle
from pyemu.pump.core import (Config, Drug, EventKind, Prescription, Pump, PumpError, Reason,
                        Step, dose_to_rate)

from core_support import (U, apply_op, configs, draw_op, prescriptions, refusal, scaled,
                          status_dict)

CAP = 20_000_000
U32 = 2**32 - 1


def ready_pump(patient: bool = True) -> Pump:
    """Filled with morphine 1000 µg/mL, prescribed 1 mL/day with room for boluses."""
    pump = Pump()
    pump.refill(CAP, Drug.MORPHINE, 1000)
    pump.prescribe(good_rx(patient))
    pump.advance(3_600_000)
    return pump


def good_rx(patient: bool = True) -> Prescription:
    extra = dict(pb_enabled=True, pb_volume_nl=20_000, pb_duration_ms=600_000,
                 pb_lockout_ms=3_600_000, pb_max_per_24h=6) if patient else {}
    return Prescription(Drug.MORPHINE, 1000, (Step(0, 1_000_000), Step(600, 500_000)), 5000, **extra)


def bad_prescriptions():
    """(prescription, reason) with exactly one field out of range for ready_pump()."""
    base = good_rx()
    r = lambda **kw: dataclasses.replace(base, **kw)
    return st.one_of(
        st.sampled_from((0, 7, 999, 65535, int(Drug.BACLOFEN), int(Drug.SALINE)))
          .map(lambda d: (r(drug=d), Reason.DRUG)),
        st.sampled_from((0, 1, 999, 1001, 100_000, 100_001, U32))
          .map(lambda c: (r(conc_ug_ml=c), Reason.CONCENTRATION)),
        st.one_of(
            st.just(()),
            st.just(tuple(Step(i, 0) for i in range(25))),
            st.integers(1, 1439).map(lambda m: (Step(m, 100_000),)),
            st.integers(1, 1439).map(lambda m: (Step(0, 100_000), Step(m, 0), Step(m, 0))),
            st.integers(2, 1439).map(lambda m: (Step(0, 100_000), Step(m, 0), Step(m - 1, 0))),
            st.integers(1440, U32).map(lambda m: (Step(0, 100_000), Step(m, 0))),
        ).map(lambda steps: (r(steps=steps), Reason.STEPS)),
        st.one_of(st.integers(1, 47_999), st.integers(24_000_001, U32))
          .map(lambda v: (r(steps=(Step(0, 100_000), Step(720, v))), Reason.RATE_RANGE)),
        st.one_of(st.just(0), st.integers(100_000_001, U32))
          .map(lambda v: (r(max_dose_ug_24h=v), Reason.LIMIT_RANGE)),
        st.one_of(st.just(0), st.integers(CAP + 1, U32))
          .map(lambda v: (r(low_reservoir_nl=v), Reason.LIMIT_RANGE)),
        st.one_of(
            st.one_of(st.just(0), st.integers(CAP + 1, U32)).map(lambda v: r(pb_volume_nl=v)),
            st.one_of(st.just(0), st.integers(U + 1, U32)).map(lambda v: r(pb_duration_ms=v)),
            # faster than 1 mL/min: 1 mL in less than 60 s
            st.integers(1, 59_999).map(lambda d: r(pb_volume_nl=1_000_000, pb_duration_ms=d,
                                                   pb_lockout_ms=3_600_000)),
            st.integers(0, 599_999).map(lambda v: r(pb_lockout_ms=v)),
            st.integers(U + 1, U32).map(lambda v: r(pb_lockout_ms=v)),
            st.sampled_from((0, 25, 255)).map(lambda v: r(pb_max_per_24h=v)),
        ).map(lambda rx: (rx, Reason.BOLUS_RANGE)),
        # 1 mL/day for 10 h + 0.5 mL/day for 14 h at 1000 µg/mL: ceil(708,333,333.3 pg) -> the
        # basal needs a limit of 709 µg; every lower limit refuses it
        st.integers(1, 708).map(lambda v: (r(max_dose_ug_24h=v), Reason.DOSE_LIMIT)),
    )


def bad_boluses():
    return st.one_of(
        st.tuples(st.one_of(st.integers(CAP + 1, U32)), st.just(60_000)),
        st.tuples(st.integers(1, 100_000), st.one_of(st.just(0), st.integers(U + 1, U32))),
        # faster than 1 mL/min
        st.integers(1_000_000, CAP).flatmap(
            lambda v: st.tuples(st.just(v), st.integers(1, v * U // 1_440_000_000 - 1))),
    )


def assert_like_untouched_twin(pump: Pump, image: bytes, extra_events: int, data) -> None:
    """pump differs from a twin restored from image only by extra_events log entries,
    now and after the same further random commands on both."""
    twin = Pump.from_snapshot(image)
    image_seq = twin.status().last_event_seq
    for step in range(6):
        sp, st_ = status_dict(pump.status()), status_dict(twin.status())
        assert sp.pop("last_event_seq") == st_.pop("last_event_seq") + extra_events
        assert sp == st_, f"after {step} further commands"
        assert pump.balance() == twin.balance()
        assert pump.prescription() == twin.prescription()
        tail = lambda p: [(e.time_ms, e.kind, e.data0, e.data1) for e in p.events(image_seq + 1)]
        assert tail(pump)[extra_events:] == tail(twin)
        op = draw_op(data, pump, max_dt=2 * U)
        assert apply_op(pump, op) == apply_op(twin, op)



def refused(fn, *args) -> Reason:
    try:
        fn(*args)
    except PumpError as e:
        return e.reason
    raise AssertionError(f"{getattr(fn, '__name__', fn)}{args} was accepted")


@settings(max_examples=scaled(150))
@given(case=bad_prescriptions(), data=st.data())
def test_out_of_range_prescription_refused_with_its_reason_and_state_unchanged(case, data):
    """A prescription with one field out of range is refused with that field's reason,
    logs exactly PRESCRIBE_REFUSED(0, reason), keeps the running prescription, and
    otherwise leaves the pump behaving exactly like its untouched twin."""
    rx, reason = case
    pump = ready_pump()
    image, image_seq = pump.snapshot(), pump.status().last_event_seq
    assert refused(pump.prescribe, rx) == reason
    if reason == Reason.STEPS and not 1 <= len(rx.steps) <= 24:
        # refused by the binding before reaching C: nothing may change at all
        assert pump.snapshot() == image
        return
    new = pump.events(image_seq + 1)
    assert [(e.kind, e.data0, e.data1) for e in new] == [(EventKind.PRESCRIBE_REFUSED, 0, reason)]
    assert pump.prescription() == good_rx()
    assert_like_untouched_twin(pump, image, 1, data)


@settings(max_examples=scaled(100))
@given(kind=st.sampled_from(("clinician_bolus", "prime_bolus")), args=bad_boluses(), data=st.data())
def test_out_of_range_bolus_refused_with_bolus_range_and_state_unchanged(kind, args, data):
    """A clinician or prime bolus with volume, duration or rate out of range is refused
    with BOLUS_RANGE, logs BOLUS_REFUSED(kind, BOLUS_RANGE), and changes nothing else."""
    pump = ready_pump()
    image, image_seq = pump.snapshot(), pump.status().last_event_seq
    assert refused(getattr(pump, kind), *args) == Reason.BOLUS_RANGE
    code = 1 if kind == "clinician_bolus" else 2
    assert [(e.kind, e.data0, e.data1) for e in pump.events(image_seq + 1)] == \
        [(EventKind.BOLUS_REFUSED, code, Reason.BOLUS_RANGE)]
    assert_like_untouched_twin(pump, image, 1, data)


@settings(max_examples=scaled(100))
@given(case=st.one_of(
    st.integers(CAP + 1, U32).map(lambda v: ((v, Drug.MORPHINE, 1000), Reason.OVERFILL)),
    st.sampled_from((0, 7, 999, 65535)).map(lambda d: ((1000, d, 1000), Reason.DRUG)),
    st.sampled_from((0, 100_001, U32)).map(lambda c: ((1000, Drug.MORPHINE, c), Reason.CONCENTRATION)),
    st.sampled_from((100_001, U32)).map(lambda c: ((1000, Drug.SALINE, c), Reason.CONCENTRATION)),
), data=st.data())
def test_out_of_range_refill_refused_with_its_reason_and_state_unchanged(case, data):
    """Overfill, an unknown drug or a bad concentration is refused with its reason, logs
    REFILL_REFUSED(0, reason), and the reservoir and everything else stay as they were."""
    args, reason = case
    pump = ready_pump()
    image, image_seq = pump.snapshot(), pump.status().last_event_seq
    assert refused(pump.refill, *args) == reason
    assert [(e.kind, e.data0, e.data1) for e in pump.events(image_seq + 1)] == \
        [(EventKind.REFILL_REFUSED, 0, reason)]
    assert_like_untouched_twin(pump, image, 1, data)


@settings(max_examples=scaled(100))
@given(case=st.one_of(
    st.just(("ack_alarm", (0,), Reason.ALARM)),
    st.integers(1, 0xFF).map(lambda b: ("ack_alarm", (b | 0x80 if b & 1 else b,), Reason.ALARM)),
    st.sampled_from((0, 3, 4, 255)).map(lambda f: ("inject_fault", (f,), Reason.FAULT_KIND)),
    st.sampled_from((0, 3, 4, 255)).map(lambda f: ("clear_fault", (f,), Reason.FAULT_KIND)),
    st.sampled_from((1, 2)).map(lambda f: ("clear_fault", (f,), Reason.NO_FAULT)),
    st.just(("cancel_bolus", (), Reason.NO_BOLUS)),
    st.just(("resume", (), Reason.NOT_SUSPENDED)),
    st.integers(0, 3_599_999).map(lambda t: ("advance", (t,), Reason.TIME)),
    # the log keeps 48-bit times: later than 2^48-1 ms (8,900 years) is refused
    st.integers(2**48, 2**64 - 1).map(lambda t: ("advance", (t,), Reason.TIME)),
    # values that do not fit the C field never reach the core
    st.integers(-2**40, -1).map(lambda v: ("refill", (v, Drug.MORPHINE, 1000), Reason.ARG)),
    st.integers(U32 + 1, 2**70).map(lambda v: ("clinician_bolus", (v, 1000), Reason.ARG)),
    st.integers(U32 + 1, 2**70).map(lambda v: ("ack_alarm", (v,), Reason.ARG)),
    st.integers(2**64, 2**70).map(lambda v: ("advance", (v,), Reason.ARG)),
    st.integers(256, 2**20).map(lambda v: ("inject_fault", (v,), Reason.ARG)),
    st.integers(-2**40, -1).map(lambda v: ("count_telemetry", (v,), Reason.ARG)),
))
def test_refused_command_that_logs_nothing_leaves_snapshot_byte_identical(case):
    """Bad alarm bits, unknown faults, absent fault/bolus, resume when running, time going
    backwards and values that do not fit the C field are refused with their reason and
    the snapshot is byte-identical before and after."""
    name, args, reason = case
    pump = ready_pump(patient=False)
    image = pump.snapshot()
    assert refused(getattr(pump, name), *args) == reason
    assert pump.snapshot() == image


def test_state_dependent_refusals_give_their_reason_and_change_nothing():
    """suspend twice, patient bolus when disabled, bolus with no prescription: the reason
    of pump.h, and otherwise no change (snapshot identical, or one log entry)."""
    fresh = Pump()
    image = fresh.snapshot()
    assert refused(fresh.suspend) == Reason.NO_PRESCRIPTION
    assert refused(fresh.resume) == Reason.NOT_SUSPENDED
    assert fresh.snapshot() == image
    assert refused(fresh.clinician_bolus, 1000, 1000) == Reason.NO_PRESCRIPTION
    assert [(e.kind, e.data1) for e in fresh.events(2)] == [(EventKind.BOLUS_REFUSED,
                                                             Reason.NO_PRESCRIPTION)]
    pump = ready_pump(patient=False)
    pump.suspend()
    image = pump.snapshot()
    assert refused(pump.suspend) == Reason.SUSPENDED
    assert pump.snapshot() == image
    seq = pump.status().last_event_seq
    assert refused(pump.patient_bolus) == Reason.PB_DISABLED
    assert [(e.kind, e.data1) for e in pump.events(seq + 1)] == [(EventKind.PATIENT_DENIED,
                                                                   Reason.PB_DISABLED)]


@settings(max_examples=scaled(100))
@given(field=st.sampled_from([f.name for f in dataclasses.fields(Config)]), data=st.data())
def test_out_of_range_config_refused_with_config_reason(field, data):
    """Every configuration field outside pump.h's range is refused with CONFIG."""
    bad = {
        "serial": None,
        "reservoir_capacity_nl": st.integers(0, U32).filter(lambda v: v not in (20_000_000, 40_000_000)),
        "stroke_nl": st.one_of(st.integers(0, 9), st.integers(10_001, U32)),
        "dead_volume_nl": st.integers(2_000_001, U32),
        "battery_capacity_nc": st.one_of(st.just(0), st.integers(10**13 + 1, 2**64 - 1)),
        "quiescent_ua": st.one_of(st.just(0), st.integers(1001, U32)),
        "stroke_nc": st.integers(10**6 + 1, U32),
        "telemetry_byte_nc": st.integers(10**6 + 1, U32),
        "tone_ua": st.integers(100_001, U32),
        "eri_days": st.one_of(st.just(0), st.integers(366, U32)),
    }[field]
    if bad is None:       # every serial number is valid
        Pump(Config(serial=data.draw(st.integers(0, U32))))
        return
    cfg = dataclasses.replace(Config(), **{field: data.draw(bad)})
    assert refused(Pump, cfg) == Reason.CONFIG
    try:
        oracle.Oracle(cfg)
    except oracle.OracleError as e:
        assert e.reason_code == Reason.CONFIG
    else:
        raise AssertionError("oracle accepted an out-of-range config")


@settings(max_examples=scaled(200))
@given(dose=st.integers(0, U32), conc=st.one_of(st.integers(0, 100_001), st.integers(0, U32)))
def test_dose_to_rate_rounds_to_nearest_and_refuses_out_of_range(dose, conc):
    """dose_to_rate is round-half-up of dose*10^6/conc; conc 0 or above the maximum is
    CONCENTRATION; a non-zero result outside 0.048-24 mL/day is RATE_RANGE."""
    if conc == 0 or conc > 100_000:
        assert refused(dose_to_rate, dose, conc) == Reason.CONCENTRATION
        return
    nearest = (2 * dose * 1_000_000 + conc) // (2 * conc)
    if nearest != 0 and not 48_000 <= nearest <= 24_000_000:
        assert refused(dose_to_rate, dose, conc) == Reason.RATE_RANGE
    else:
        assert dose_to_rate(dose, conc) == nearest
        assert abs(nearest * conc - dose * 1_000_000) * 2 <= conc


@settings(max_examples=scaled(100))
@given(data=st.data())
def test_multi_fault_inputs_get_the_first_reason_in_pumph_check_order(data):
    """With several things wrong at once, in random pump states, the C core's reason is
    the one the header's check order (first failure wins) names, as the oracle computes."""
    cfg = data.draw(configs(), label="cfg")
    pump, model = Pump(cfg), oracle.Oracle(cfg)
    for _ in range(data.draw(st.integers(0, 12), label="n_ops")):
        op = draw_op(data, pump, max_dt=2 * U)
        if op[0] == "advance":
            # keep the oracle cheap: bounded jumps
            op = ("advance", (min(op[1][0], pump.now_ms + 3_600_000),))
        assert apply_op(pump, op) == apply_op(model, op)
    rx = data.draw(prescriptions(int(data.draw(st.sampled_from(list(Drug)[1:]))), 1000,
                                 cfg.reservoir_capacity_nl, patient=True), label="rx")
    rx = dataclasses.replace(rx, **data.draw(st.fixed_dictionaries({}, optional={
        "conc_ug_ml": st.sampled_from((0, 500, 100_001)),
        "steps": st.sampled_from(((Step(1, 0),), (Step(0, 5),), (Step(0, 0), Step(0, 0)))),
        "max_dose_ug_24h": st.sampled_from((0, 1, 100_000_001)),
        "low_reservoir_nl": st.sampled_from((0, 40_000_001)),
        "pb_volume_nl": st.sampled_from((0, 40_000_001)),
        "pb_lockout_ms": st.sampled_from((0, U + 1)),
    }), label="faults"))
    assert refusal(pump.prescribe, rx) == refusal(model.prescribe, rx)
    vol, dur = data.draw(st.tuples(st.sampled_from((0, 1, 40_000_001)), st.sampled_from((0, 1, U + 1))))
    for name in ("clinician_bolus", "prime_bolus"):
        assert refusal(getattr(pump, name), vol, dur) == refusal(getattr(model, name), vol, dur)
    assert refusal(pump.patient_bolus) == refusal(model.patient_bolus)
    args = data.draw(st.tuples(st.sampled_from((0, 40_000_001)), st.sampled_from((0, 5, 7)),
                               st.sampled_from((0, 1000, 100_001))), label="refill")
    assert refusal(pump.refill, *args) == refusal(model.refill, *args)
    assert status_dict(pump.status()) == status_dict(model.status())
