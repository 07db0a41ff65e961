"""Pulsatile delivery against the programmed rate, stroke prediction, and time jumps.

The integral of the programmed rate is computed here independently from the
prescription (schedule segments) and the bolus's linear credit, in exact
nL*ms/day units.
"""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from pyemu.pump.core import Config, Drug, Prescription, Pump

from core_support import U, apply_op, configs, draw_op, schedule_integral, schedules, scaled


@settings(max_examples=scaled(150))
@given(stroke=st.sampled_from((10, 250, 1000, 10_000)), steps=schedules(),
       t_rx=st.integers(0, 2 * U), horizon=st.integers(1, 3 * U),
       samples=st.lists(st.floats(0, 1), min_size=1, max_size=25),
       bolus=st.one_of(st.none(), st.tuples(st.floats(0, 1), st.integers(1, 2_000_000),
                                            st.integers(1, 6 * 3_600_000))))
def test_pumped_volume_stays_within_one_stroke_below_the_rate_integral(
        stroke, steps, t_rx, horizon, samples, bolus):
    """At every sampled instant while delivering: 0 <= integral(programmed rate) - pumped < S,
    with the integral over the schedule plus the bolus's linear credit since prescription."""
    cap = 40_000_000
    pump = Pump(Config(reservoir_capacity_nl=cap, stroke_nl=stroke))
    pump.refill(cap, Drug.OTHER, 1)
    pump.advance(t_rx)
    pump.prescribe(Prescription(Drug.OTHER, 1, steps, 100_000_000, low_reservoir_nl=1))
    top = max(s.rate_nl_day for s in steps)
    bolus_volume = bolus[1] if bolus is not None and bolus[1] * U // bolus[2] <= 1_440_000_000 else 0
    if top:
        # the reservoir must not run dry inside the horizon: shorten it so it cannot
        horizon = min(horizon, (cap - bolus_volume - stroke) * U // top)
    events = [(t_rx + round(f * horizon), "sample", None) for f in samples]
    if bolus_volume:
        events.append((t_rx + round(bolus[0] * horizon), "bolus", (bolus[1], bolus[2])))
    b_start = b_rate = None
    for t, what, arg in sorted(events, key=lambda e: (e[0], e[1] == "sample")):
        pump.advance(t)
        if what == "bolus":
            pump.clinician_bolus(*arg)
            b_start, b_rate = t, -(-arg[0] * U // arg[1])
            continue
        integral = schedule_integral(steps, t_rx, t)
        if b_start is not None:
            integral += min(b_rate * (t - b_start), bolus_volume * U)
        pumped = pump.status().pumped_nl
        assert 0 <= integral - pumped * U < stroke * U, (t, integral / U, pumped)


@settings(max_examples=scaled(100))
@given(cfg=configs(small_battery=False), data=st.data())
def test_next_stroke_ms_is_exactly_the_next_stroke_attempt(cfg, data):
    """Advancing to next_stroke_ms()-1 moves nothing; advancing to next_stroke_ms() makes
    at least one stroke attempt (completed or failed)."""
    pump = Pump(cfg)
    for _ in range(data.draw(st.integers(1, 25), label="n_ops")):
        apply_op(pump, draw_op(data, pump, max_dt=U))
        s = pump.status()
        t = pump.next_stroke_ms()
        assert t == s.next_stroke_ms
        if t is None or t - s.now_ms > 200 * U:
            continue
        assert t > s.now_ms
        attempts = s.strokes + s.failed_strokes
        pump.advance(t - 1)
        mid = pump.status()
        # a battery crossing (EOS) may halt delivery first; otherwise nothing moved yet
        assert mid.strokes + mid.failed_strokes == attempts
        if mid.next_stroke_ms is None:
            continue
        assert mid.next_stroke_ms == t
        pump.advance(t)
        assert pump.status().strokes + pump.status().failed_strokes > attempts


@settings(max_examples=scaled(120))
@given(cfg=configs(), data=st.data(), span=st.one_of(st.integers(0, 2 * U), st.integers(0, 400 * U)),
       cuts=st.lists(st.floats(0, 1), max_size=30), hit_strokes=st.booleans())
def test_one_jump_and_many_small_steps_give_byte_identical_snapshots(cfg, data, span, cuts, hit_strokes):
    """advance(T) in one call and advance through random intermediate times (optionally
    landing exactly on stroke instants) end in byte-identical snapshots."""
    pump = Pump(cfg)
    for _ in range(data.draw(st.integers(0, 20), label="n_ops")):
        apply_op(pump, draw_op(data, pump, max_dt=5 * U))
    image = pump.snapshot()
    start = pump.now_ms
    target = start + span
    jump = Pump.from_snapshot(image)
    jump.advance(target)
    stepped = Pump.from_snapshot(image)
    for t in sorted(start + round(f * span) for f in cuts):
        if hit_strokes:
            nxt = stepped.next_stroke_ms()
            if nxt is not None and nxt <= t:
                stepped.advance(nxt)
        stepped.advance(max(t, stepped.now_ms))
    stepped.advance(target)
    assert stepped.events() == jump.events()
    assert stepped.status() == jump.status()
    assert stepped.snapshot() == jump.snapshot()
