"""Patient-bolus lockout, count per 24 h and the 24-h dose limit; no delivery while stopped.

The checks read the pump's own event log: every grant and denial is there
with its time, so the limits are verified over the whole request stream
rather than only at the moment of each request.
"""
from __future__ import annotations

import dataclasses

from hypothesis import event, given, settings, strategies as st

from pyemu.pump.core import (Alarm, Config, Drug, EventKind, Fault, Prescription, Pump, PumpError,
                        Reason, State, Step)

from core_support import U, basal_24h_pg, prescriptions, refusal, scaled

LOCKOUT_TIMES = st.one_of(st.integers(0, 60_000), st.integers(0, 6 * 3_600_000), st.just(U))
ACTIONS = ("patient",) * 8 + ("clinician",) * 3 + ("cancel", "cancel", "suspend", "resume", "resume")
REQUESTS = st.tuples(LOCKOUT_TIMES, st.sampled_from(ACTIONS)).flatmap(
    lambda ga: st.tuples(st.just(ga[0]), st.just(ga[1]),
                         st.tuples(st.integers(1, 400_000), st.integers(1, 6 * 3_600_000))
                         if ga[1] == "clinician" else st.just(())))


def limit_pump(conc: int, rx: Prescription) -> Pump:
    cap = 40_000_000
    pump = Pump(Config(reservoir_capacity_nl=cap))
    pump.refill(cap, Drug.OTHER, conc)
    pump.prescribe(rx)
    return pump


def request(pump: Pump, what: str, args: tuple) -> int:
    return refusal({"patient": pump.patient_bolus, "clinician": pump.clinician_bolus,
                    "cancel": pump.cancel_bolus, "suspend": pump.suspend,
                    "resume": pump.resume}[what], *args)


@settings(max_examples=scaled(150))
@given(conc=st.sampled_from((1, 1000, 25_000)), data=st.data(),
       stream=st.lists(REQUESTS, min_size=1, max_size=60))
def test_lockout_count_and_24h_dose_limit_never_exceeded_by_any_request_stream(conc, data, stream):
    """Over a random stream of patient requests (plus clinician boluses, cancels, suspends):
    granted patient boluses are >= lockout apart, at most pb_max_per_24h start in any
    (t-24h, t], and at every grant basal + every grant still counting (ended or cancelled
    less than 24 h ago, or running) + the new one <= the limit. Every denial names a
    reason that really held, and dose_24h_ug never exceeds the limit."""
    rx = data.draw(prescriptions(Drug.OTHER, conc, 40_000_000, patient=True), label="rx")
    pump = limit_pump(conc, rx)
    limit_pg = rx.max_dose_ug_24h * 1_000_000
    basal = basal_24h_pg(rx.steps, conc)
    grants: list[list] = []          # [start, kind, mass pg, end or None] from the log
    patient: list[int] = []          # patient grant times
    seen = pump.status().last_event_seq + 1

    def counting(t):
        return [g for g in grants if g[3] is None or g[3] > t - U]

    def read_log(code, what, before):
        nonlocal seen
        new = pump.events(seen)
        seen = pump.status().last_event_seq + 1
        for e in new:
            t = e.time_ms
            window_patient = [p for p in patient if p > t - U]
            if e.kind == EventKind.BOLUS_START:
                mass = e.data1 * conc
                assert basal + sum(g[2] for g in counting(t)) + mass <= limit_pg, "dose limit"
                grants.append([t, e.data0, mass, None])
            elif e.kind in (EventKind.BOLUS_END, EventKind.BOLUS_CANCELLED):
                assert grants and grants[-1][3] is None
                grants[-1][3] = t
            elif e.kind == EventKind.PATIENT_GRANTED:
                assert code == 0 and what == "patient"
                assert not window_patient or t - window_patient[-1] >= rx.pb_lockout_ms, "lockout"
                assert len(window_patient) < rx.pb_max_per_24h, "count"
                assert e.data0 == len(window_patient) + 1 and e.data1 == rx.pb_volume_nl
                patient.append(t)
            elif e.kind == EventKind.PATIENT_DENIED:
                assert e.data1 == code != 0
                # the denial's reason really held
                if code == Reason.LOCKOUT:
                    assert window_patient and t - window_patient[-1] < rx.pb_lockout_ms
                elif code == Reason.COUNT:
                    assert len(window_patient) >= rx.pb_max_per_24h or len(counting(t)) >= 64
                elif code == Reason.DOSE_LIMIT:
                    assert basal + sum(g[2] for g in counting(t)) + rx.pb_volume_nl * conc > limit_pg
                    assert Alarm.DOSE_LIMIT in pump.status().alarms
                elif code == Reason.BOLUS_ACTIVE:
                    assert before.bolus_kind != 0
                elif code == Reason.EMPTY:
                    assert before.reservoir_nl < pump.config.stroke_nl
                elif code == Reason.SUSPENDED:
                    assert before.suspended
                else:
                    raise AssertionError(f"unexpected denial {code}")
        if what == "patient":
            assert any(e.kind in (EventKind.PATIENT_GRANTED, EventKind.PATIENT_DENIED)
                       for e in new), "every request is logged"
        assert pump.status().dose_24h_ug <= rx.max_dose_ug_24h

    for gap, what, args in stream:
        pump.advance(pump.now_ms + gap)
        read_log(0, "advance", None)
        before = pump.status()
        code = request(pump, what, args)
        event(f"{what} -> {Reason(code).name}")
        read_log(code, what, before)


# Streams aimed at the limit's weak spot: long boluses, then more boluses a little over
# 24 h later, each sized as a fraction of the headroom the limit leaves above the basal.
NEAR_A_DAY = st.one_of(st.integers(0, 6 * 3_600_000), st.integers(U - 6 * 3_600_000, U + 6 * 3_600_000))
WINDOW_REQUESTS = st.tuples(
    NEAR_A_DAY, st.sampled_from(("clinician", "clinician", "patient", "cancel")),
    st.tuples(st.integers(20, 100), st.one_of(st.integers(1, U), st.just(U))))


def sized_request(pump: Pump, what: str, args: tuple, headroom_nl: int) -> int:
    if what == "clinician":
        percent, duration = args
        volume = max(1, headroom_nl * percent // 100)
        if volume * U // duration > 1_440_000_000:
            duration = U
        args = (volume, duration)
    else:
        args = ()
    return request(pump, what, args)


@settings(max_examples=scaled(150))
@given(conc=st.sampled_from((1, 1000, 25_000)), data=st.data(),
       stream=st.lists(WINDOW_REQUESTS, min_size=4, max_size=30))
def test_drug_pumped_in_any_24h_window_stays_below_the_limit_plus_one_stroke(conc, data, stream):
    """The end-to-end safety property of the 24-h limit: for every 24-h window (x, x+24h],
    drug mass actually pumped < limit + one stroke's mass, whatever the request stream.
    Windows are measured exactly by replaying the stream with extra stops at every window
    start that can be a maximum (each bolus start/end and 24 h before it)."""
    rx = data.draw(prescriptions(Drug.OTHER, conc, 40_000_000, patient=True), label="rx")
    basal_ug = -(-basal_24h_pg(rx.steps, conc) // 1_000_000)
    rx = dataclasses.replace(rx, max_dose_ug_24h=basal_ug + data.draw(st.integers(1, 500), label="room"))
    limit_pg = rx.max_dose_ug_24h * 1_000_000
    headroom_nl = (limit_pg - basal_24h_pg(rx.steps, conc)) // conc
    first = limit_pump(conc, rx)
    t0 = first.now_ms
    times, t = [], t0
    for gap, _, _ in stream:
        t += gap
        times.append(t)
    for (gap, what, args), t in zip(stream, times):
        first.advance(t)
        sized_request(first, what, args, headroom_nl)
    end = first.now_ms + U
    first.advance(end)
    # credit in (x, x+U] is piecewise linear in x, with corners where x or x+U meets a
    # bolus start or end: those window starts are the candidates for the maximum
    corners = {e.time_ms for e in first.events()
               if e.kind in (EventKind.BOLUS_START, EventKind.BOLUS_END, EventKind.BOLUS_CANCELLED)}
    starts = sorted({x for c in corners for x in (c, c - U) if t0 <= x <= end - U} | {t0})
    stops = sorted(set(starts) | {x + U for x in starts})
    pumped: dict[int, int] = {}
    replay = limit_pump(conc, rx)
    plan = sorted([(x, 0, None) for x in stops] + [(t, 1, i) for i, t in enumerate(times)])
    for t, is_request, i in plan:
        replay.advance(t)
        if is_request:
            sized_request(replay, stream[i][1], stream[i][2], headroom_nl)
        else:
            pumped.setdefault(t, replay.status().pumped_nl)
    stroke = replay.config.stroke_nl
    for x in starts:
        mass = (pumped[x + U] - pumped[x]) * conc
        assert mass < limit_pg + stroke * conc, (x, mass, limit_pg)
    event(f"bolus starts/ends: {len(corners) // 5 * 5}+")


HALTS = ("suspended", "empty", "stall", "memory", "eos", "no prescription")


@settings(max_examples=scaled(60))
@given(how=st.sampled_from(HALTS), rate=st.integers(48_000, 24_000_000),
       wait=st.integers(1, 60 * U), bolus_first=st.booleans())
def test_nothing_is_delivered_while_suspended_empty_stalled_at_eos_or_unprescribed(
        how, rate, wait, bolus_first):
    """Once delivery is stopped (suspended, reservoir empty, motor stall latched, memory
    fault, EOS, or no prescription) no stroke completes however long time runs, a running
    bolus is cancelled, and every bolus request is refused with the stopping reason."""
    cfg = Config(stroke_nl=250, battery_capacity_nc=2_500_000_000_000)
    pump = Pump(cfg)
    pump.refill(20_000_000 if how != "empty" else 10 * 250, Drug.OTHER, 1000)
    if how != "no prescription":
        pump.prescribe(Prescription(Drug.OTHER, 1000, (Step(0, rate),), 100_000_000))
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
    if bolus_first and how != "no prescription":
        cancels = [e for e in pump.events() if e.kind == EventKind.BOLUS_CANCELLED]
        assert [(e.data0, e.data1) for e in cancels] == [(1, expected)], "cancelled, with its cause"
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
