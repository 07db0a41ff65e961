"""Patient-bolus lockout, count per 24 h and the 24-h dose limit; no delivery while stopped.

The checks read the pump's own event log: every grant and denial is there
with its time, so the limits are verified over the whole request stream
rather than only at the moment of each request.
"""
from __future__ import annotations

from hypothesis import event, given, settings, strategies as st

from pyemu.core import (Alarm, Config, Drug, EventKind, Fault, Prescription, Pump, PumpError,
                        Reason, State, Step)

from core_support import U, basal_24h_pg, prescriptions, refusal

LOCKOUT_TIMES = st.one_of(st.integers(0, 60_000), st.integers(0, 6 * 3_600_000), st.just(U))


@settings(max_examples=150)
@given(conc=st.sampled_from((1, 1000, 25_000)), data=st.data(),
       gaps=st.lists(st.tuples(LOCKOUT_TIMES, st.sampled_from(("patient", "patient", "patient",
                                                                "clinician", "cancel"))),
                     min_size=1, max_size=60))
def test_lockout_count_and_24h_dose_limit_never_exceeded_by_any_request_stream(conc, data, gaps):
    """Over a random stream of patient requests (plus clinician boluses and cancels):
    granted patient boluses are >= lockout apart, at most pb_max_per_24h fall in any
    (t-24h, t], and at every grant basal + boluses granted in (t-24h, t] <= the limit.
    Every denial names a reason that really held, and dose_24h_ug never exceeds the limit."""
    cap = 40_000_000
    pump = Pump(Config(reservoir_capacity_nl=cap))
    pump.refill(cap, Drug.HYDROMORPHONE, conc)
    rx = data.draw(prescriptions(Drug.HYDROMORPHONE, conc, cap, patient=True), label="rx")
    pump.prescribe(rx)
    limit_pg = rx.max_dose_ug_24h * 1_000_000
    basal = basal_24h_pg(rx.steps, conc)
    grants: list[tuple[int, int, int]] = []     # (time, kind, mass pg) from BOLUS_START
    patient: list[int] = []
    seen = pump.status().last_event_seq + 1
    for gap, what in gaps:
        pump.advance(pump.now_ms + gap)
        before = pump.status()
        if what == "patient":
            code = refusal(pump.patient_bolus)
        elif what == "clinician":
            code = refusal(pump.clinician_bolus, data.draw(st.integers(1, 400_000), label="vol"),
                           data.draw(st.integers(1, 3_600_000), label="dur"))
        else:
            code = refusal(pump.cancel_bolus)
        now = pump.now_ms
        event(f"{what} -> {Reason(code).name}")
        new = pump.events(seen)
        seen = pump.status().last_event_seq + 1
        window = [g for g in grants if g[0] > now - U]
        window_patient = [t for t in patient if t > now - U]
        for e in new:
            if e.kind == EventKind.BOLUS_START:
                mass = e.data1 * conc
                assert basal + sum(g[2] for g in window) + mass <= limit_pg, "dose limit exceeded"
                grants.append((e.time_ms, e.data0, mass))
            elif e.kind == EventKind.PATIENT_GRANTED:
                assert code == 0 and what == "patient"
                assert not window_patient or now - window_patient[-1] >= rx.pb_lockout_ms, "lockout"
                assert len(window_patient) < rx.pb_max_per_24h, "count"
                assert e.data0 == len(window_patient) + 1 and e.data1 == rx.pb_volume_nl
                patient.append(e.time_ms)
            elif e.kind == EventKind.PATIENT_DENIED:
                assert e.data1 == code != 0
                # the denial's reason really held
                if code == Reason.LOCKOUT:
                    assert window_patient and now - window_patient[-1] < rx.pb_lockout_ms
                elif code == Reason.COUNT:
                    assert len(window_patient) >= rx.pb_max_per_24h or len(window) >= 64
                elif code == Reason.DOSE_LIMIT:
                    assert basal + sum(g[2] for g in window) + rx.pb_volume_nl * conc > limit_pg
                    assert Alarm.DOSE_LIMIT in pump.status().alarms
                elif code == Reason.BOLUS_ACTIVE:
                    assert before.bolus_kind != 0
                elif code == Reason.EMPTY:
                    assert before.reservoir_nl < pump.config.stroke_nl
                else:
                    raise AssertionError(f"unexpected denial {code}")
        if what == "patient":
            assert [e.kind for e in new if e.kind in (EventKind.PATIENT_GRANTED,
                                                      EventKind.PATIENT_DENIED)] != [], \
                "every request is logged"
        assert pump.status().dose_24h_ug <= rx.max_dose_ug_24h


HALTS = ("suspended", "empty", "stall", "memory", "eos", "no prescription")


@settings(max_examples=60)
@given(how=st.sampled_from(HALTS), rate=st.integers(48_000, 24_000_000),
       wait=st.integers(1, 60 * U), bolus_first=st.booleans())
def test_nothing_is_delivered_while_suspended_empty_stalled_at_eos_or_unprescribed(
        how, rate, wait, bolus_first):
    """Once delivery is stopped (suspended, reservoir empty, motor stall latched, memory
    fault, EOS, or no prescription) no stroke completes however long time runs, a running
    bolus is cancelled, and every bolus request is refused with the stopping reason."""
    cfg = Config(stroke_nl=250, battery_capacity_nc=2_500_000_000_000)
    pump = Pump(cfg)
    pump.refill(20_000_000 if how != "empty" else 10 * 250, Drug.MORPHINE, 1000)
    if how != "no prescription":
        pump.prescribe(Prescription(Drug.MORPHINE, 1000, (Step(0, rate),), 100_000_000))
        if bolus_first:
            pump.clinician_bolus(1_000_000, U)
    expected = {"suspended": Reason.SUSPENDED, "empty": Reason.EMPTY, "stall": Reason.STALLED,
                "memory": Reason.MEMORY, "eos": Reason.EOS,
                "no prescription": Reason.NO_PRESCRIPTION}[how]
    if how == "suspended":
        pump.suspend()
    elif how == "empty":
        pump.advance(pump.now_ms + 12 * 250 * U // rate + 2)
    elif how == "stall":
        pump.inject_fault(Fault.MOTOR_STALL)
        pump.advance(pump.next_stroke_ms())
        assert pump.status().failed_strokes == 1
    elif how == "memory":
        pump.inject_fault(Fault.MEMORY)
    elif how == "eos":
        pump.count_telemetry(2**32 - 1)     # 4.3e15 nC: far more than the battery holds
        pump.count_telemetry(2**32 - 1)
        assert pump.status().battery_nc == 0
    s = pump.status()
    assert s.bolus_kind == 0
    assert s.next_stroke_ms is None and s.rate_nl_day == 0
    if how != "no prescription":
        assert s.state == (State.SUSPENDED if how == "suspended" else State.HALTED)
    before = pump.balance()
    pump.advance(pump.now_ms + wait)
    after = pump.balance()
    assert after.pumped_nl == before.pumped_nl and after.delivered_pg == before.delivered_pg
    assert pump.status().strokes == s.strokes and pump.status().failed_strokes == s.failed_strokes
    for fn, args in ((pump.clinician_bolus, (1000, 60_000)), (pump.prime_bolus, (0, 60_000))):
        try:
            fn(*args)
        except PumpError as e:
            assert e.reason == expected
        else:
            raise AssertionError("bolus granted while delivery is stopped")
