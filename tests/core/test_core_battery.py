"""Battery model: charge only falls, ERI comes before EOS, EOS stops delivery, default sizing."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from pyemu.pump.core import Alarm, Drug, EventKind, Prescription, Pump, PumpError, Reason, Step

from core_support import U, apply_op, configs, draw_op, scaled


def first_raise(pump: Pump, bit: Alarm):
    return next((e for e in pump.events() if e.kind == EventKind.ALARM_RAISED and e.data0 == bit),
                None)


@settings(max_examples=scaled(100))
@given(cfg=configs(), data=st.data())
def test_battery_charge_never_rises_over_random_commands(cfg, data):
    """battery_nc and battery_permille never increase, whatever the command (refills,
    prescriptions, boluses, acks and faults included)."""
    pump = Pump(cfg)
    last = pump.status()
    for _ in range(data.draw(st.integers(1, 40), label="n_ops")):
        apply_op(pump, draw_op(data, pump, max_dt=30 * U))
        s = pump.status()
        assert s.battery_nc <= last.battery_nc and s.battery_permille <= last.battery_permille
        assert s.battery_nc <= cfg.battery_capacity_nc
        assert s.eri or not last.eri, "ERI never un-latches"
        last = s


@settings(max_examples=scaled(100))
@given(cfg=configs(small_battery=True), data=st.data(),
       finish=st.sampled_from(("time", "telemetry")))
def test_eri_is_always_raised_no_later_than_eos(cfg, data, finish):
    """Driven to EOS (by time or by a telemetry burst) after random commands, the pump
    latched ERI at or before the instant of EOS, logged ERI's ALARM_RAISED before EOS's,
    and then completes no stroke and grants no bolus."""
    pump = Pump(cfg)
    for _ in range(data.draw(st.integers(0, 15), label="n_ops")):
        apply_op(pump, draw_op(data, pump, max_dt=2 * U))
        s = pump.status()
        if s.battery_nc == 0:
            assert s.eri
        assert s.days_to_eri == 0 or not s.eri
    if finish == "time":
        # quiescent drain alone empties the battery within capacity / quiescent ms
        pump.advance(pump.now_ms + -(-pump.status().battery_nc // cfg.quiescent_ua))
    else:
        while pump.status().battery_nc:
            pump.count_telemetry(2**32 - 1)
            if cfg.telemetry_byte_nc == 0:
                pump.advance(pump.now_ms + U)
    s = pump.status()
    assert s.battery_nc == 0 and s.eri and Alarm.EOS in s.alarms
    eri, eos = first_raise(pump, Alarm.ERI), first_raise(pump, Alarm.EOS)
    assert eri is not None and eos is not None
    assert eri.seq < eos.seq and eri.time_ms <= eos.time_ms
    strokes = s.strokes
    pump.advance(pump.now_ms + 30 * U)
    assert pump.status().strokes == strokes
    try:
        pump.clinician_bolus(1000, 1000)
    except PumpError as e:
        assert e.reason in (Reason.EOS, Reason.NO_PRESCRIPTION)
    else:
        raise AssertionError("bolus granted at EOS")


def test_default_battery_reaches_eri_after_about_seven_years_at_half_a_ml_per_day():
    """With the default configuration at 0.5 mL/day (refilled monthly, so no reservoir
    alarm tone), days_to_eri projected at the start is 7 years +-5 %, and ERI is
    actually latched within one day of that projection."""
    pump = Pump()
    pump.refill(20_000_000, Drug.OTHER, 1000)
    pump.prescribe(Prescription(Drug.OTHER, 1000, (Step(0, 500_000),), 1000))
    projected = pump.status().days_to_eri
    assert abs(projected - 7 * 365.25) < 0.05 * 7 * 365.25, projected
    day = 0
    while not pump.status().eri:
        day += 1
        pump.advance(day * U)
        if day % 30 == 0:
            pump.refill(20_000_000, Drug.OTHER, 1000)
        assert day < 10 * 365
    assert abs(day - projected) <= 1, (day, projected)
    # and ERI still leaves eri_days of service at the worst drain of that therapy:
    # every alarm tone (2 uA) sounding on top of it (issue 12: the ERI margin)
    worst_day = 10 * U + 500_000 * 40_000 // 250 + 2 * U
    assert 89 * worst_day <= pump.status().battery_nc <= 90 * worst_day
