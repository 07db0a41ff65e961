"""Shared strategies and helpers for the dosing-core tests (tests/core).

Strategies draw configurations, prescriptions and command sequences that
reach every interesting corner quickly (small reservoirs fills, big strokes,
small batteries); helpers compare the C core with the oracle and run a
command list against either of them, collecting refusals instead of raising.
"""
from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any, Iterable, Optional

from hypothesis import strategies as st

from pyemu.pump import core

from pyemu.testing import oracle
from pyemu.pump.core import Drug, Prescription, Pump, PumpError, Step

U = core.MS_PER_DAY
CAP20 = 20_000_000
CAP40 = 40_000_000
DEFAULT = core.Config()

# Concentrations from a small set so refills often keep or change the drug.
CONCS = (0, 500, 1000, 2000, 25_000)
DRUGS = (Drug.MORPHINE, Drug.BACLOFEN, Drug.SALINE)


# ----------------------------------------------------------------------------- configs
@st.composite
def configs(draw: Any, small_battery: Optional[bool] = None) -> core.Config:
    """Pump configurations in range; often with big strokes and batteries near ERI/EOS."""
    stroke = draw(st.sampled_from((10, 250, 250, 1000, 5000, 10_000)))
    dead = draw(st.sampled_from((0, 0, 3000, 26_000, 256_000, 2_000_000)))
    quiescent = draw(st.sampled_from((1, 10, 1000)))
    if small_battery is None:
        small_battery = draw(st.booleans())
    eri_days = draw(st.sampled_from((1, 2, 30, 90, 365)))
    if small_battery:
        # ERI a few days after implant (or at once), EOS eri_days later: both reachable in a test
        days = draw(st.sampled_from((0, 1, 2, 5))) + eri_days
        battery = min(10**13, max(1, quiescent * U * days + draw(st.integers(-10**9, 10**9))))
    else:
        battery = draw(st.sampled_from((DEFAULT.battery_capacity_nc, 10**13)))
    return core.Config(
        serial=draw(st.integers(0, 2**32 - 1)),
        reservoir_capacity_nl=draw(st.sampled_from((CAP20, CAP40))),
        stroke_nl=stroke,
        dead_volume_nl=dead,
        battery_capacity_nc=battery,
        quiescent_ua=quiescent,
        stroke_nc=draw(st.sampled_from((0, 40_000, 10**6))),
        telemetry_byte_nc=draw(st.sampled_from((0, 1000, 10**6))),
        tone_ua=draw(st.sampled_from((0, 2, 3, 100_000))),
        eri_days=eri_days,
    )


# ----------------------------------------------------------------------------- prescriptions
rates = st.one_of(
    st.just(0),
    st.sampled_from((48_000, 500_000, 1_000_000, 24_000_000)),
    st.integers(48_000, 24_000_000),
)


@st.composite
def schedules(draw: Any, max_steps: int = 24) -> tuple[Step, ...]:
    """A valid daily schedule: 1..24 steps, starting at minute 0, strictly ascending."""
    n = draw(st.integers(1, max_steps))
    # n-1 strictly ascending starts in 1..1439, drawn as gaps so no draw is ever rejected
    gaps = draw(st.lists(st.integers(1, 1439 // n), min_size=n - 1, max_size=n - 1))
    starts = [sum(gaps[:i + 1]) for i in range(n - 1)]
    return tuple(Step(s, draw(rates)) for s in [0, *starts])


def daily_volume1440(steps: Iterable[Step]) -> int:
    steps = list(steps)
    total = 0
    for i, s in enumerate(steps):
        end = steps[i + 1].start_min if i + 1 < len(steps) else 1440
        total += s.rate_nl_day * (end - s.start_min)
    return total


def basal_24h_pg(steps: Iterable[Step], conc: int) -> int:
    return -(-conc * daily_volume1440(steps) // 1440)


@st.composite
def prescriptions(draw: Any, drug: int, conc: int, capacity: int = CAP20,
                  patient: Optional[bool] = None, headroom: Optional[bool] = None) -> Prescription:
    """A valid prescription for a reservoir holding `drug` at `conc`.

    The dose limit is the basal's 24-h mass plus a drawn headroom (sometimes
    none), so bolus requests meet the limit often.
    """
    steps = draw(schedules(draw(st.sampled_from((1, 1, 3, 24)))))
    basal_ug = -(-basal_24h_pg(steps, conc) // 1_000_000)
    if headroom is None:
        headroom = draw(st.booleans())
    extra = draw(st.integers(0, 200)) if headroom else draw(st.integers(0, 2))
    max_dose = max(1, min(basal_ug + extra, 100_000_000))
    fields: dict[str, Any] = dict(
        low_reservoir_nl=draw(st.sampled_from((1, 2_000_000, 5_000_000, capacity))))
    if patient is None:
        patient = draw(st.booleans())
    if patient:
        duration = draw(st.sampled_from((1, 1000, 60_000, 600_000, 3_600_000)))
        vol_min = 1
        vol_max = min(capacity, 1_440_000_000 * duration // U)
        fields.update(
            pb_enabled=True,
            pb_volume_nl=draw(st.integers(vol_min, max(vol_min, min(vol_max, 500_000)))),
            pb_duration_ms=duration,
            pb_lockout_ms=min(U, duration + draw(st.one_of(
                st.sampled_from((0, 600_000, 3_600_000, 4 * 3_600_000)), st.integers(0, U)))),
            pb_max_per_24h=draw(st.integers(1, 24)),
        )
    return Prescription(Drug(drug), conc, steps, max_dose, **fields)


# ----------------------------------------------------------------------------- running both
def refusal(fn: Any, *args: Any) -> int:
    """Call fn; return 0 or the reason code of the refusal (C or oracle)."""
    try:
        fn(*args)
    except PumpError as e:
        return e.reason_code
    except oracle.OracleError as e:
        return e.reason_code
    return 0


def status_dict(s: Any) -> dict[str, Any]:
    """A Status or OracleStatus as plain ints (enums and flags flattened)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(s):
        if f.name in ("seq", "unsolicited"):
            continue        # which frame a status came in: not the pump's state
        v = getattr(s, f.name)
        if isinstance(v, tuple):
            v = tuple(int(x) for x in v)
        elif isinstance(v, bool) or v is None:
            pass
        else:
            v = int(v)
        out[f.name] = v
    return out


def events_tuple(events: Iterable[Any]) -> list[tuple[int, int, int, int, int]]:
    return [(e.seq, e.time_ms, int(e.kind), e.data0, e.data1) for e in events]


def event_name(kind: int) -> str:
    return core.EventKind(kind).name


def diff_dicts(a: dict[str, Any], b: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (a[k], b[k]) for k in a if a[k] != b[k]}


def rx_tuple(rx: Any) -> Optional[tuple]:
    """A prescription (binding or oracle) as comparable plain data."""
    if rx is None:
        return None
    steps = tuple((int(s.start_min), int(s.rate_nl_day)) if not isinstance(s, tuple) else s
                  for s in rx.steps)
    return (int(rx.drug), rx.conc_ug_ml, steps, rx.max_dose_ug_24h, rx.low_reservoir_nl,
            int(rx.pb_enabled), rx.pb_volume_nl, rx.pb_duration_ms, rx.pb_lockout_ms,
            rx.pb_max_per_24h)


def assert_same(pump: Pump, model: oracle.Oracle, context: str = "", from_seq: int = 0) -> None:
    """Status, balance, prescription and the log entries from from_seq on agree."""
    sp, so = status_dict(pump.status()), status_dict(model.status())
    d = diff_dicts(sp, so)
    assert not d, f"{context}: status differs (C, oracle): {d}"
    bp, bo = dataclasses.asdict(pump.balance()), dataclasses.asdict(model.balance())
    assert bp == bo, f"{context}: balance differs: C {bp} oracle {bo}"
    assert rx_tuple(pump.prescription()) == rx_tuple(model.prescription()), \
        f"{context}: prescription differs"
    assert pump.first_available_seq() == model.first_available_seq(), f"{context}: ring start differs"
    ep, eo = events_tuple(pump.events(from_seq)), events_tuple(model.events(from_seq))
    if ep != eo:
        # show the first divergence readably
        i = next((i for i, (a, b) in enumerate(zip(ep, eo)) if a != b), min(len(ep), len(eo)))
        fmt = lambda e: f"{e[0]}@{e[1]} {event_name(e[2])}({e[3]},{e[4]})"
        raise AssertionError(
            f"{context}: event log differs at index {i}:\n  C:      "
            + ", ".join(fmt(e) for e in ep[max(0, i - 2):i + 4])
            + "\n  oracle: " + ", ".join(fmt(e) for e in eo[max(0, i - 2):i + 4]))


# ----------------------------------------------------------------------------- integral of the programmed rate
def schedule_integral(steps: tuple[Step, ...], a: int, b: int) -> int:
    """sum over each ms x in [a, b) of the step rate at x (nL*ms/day), by whole segments."""
    total = 0
    t = a
    while t < b:
        day0 = t - t % U
        minute = (t % U) // 60_000
        rate, nxt = 0, day0 + U
        for s in steps:
            if s.start_min <= minute:
                rate = s.rate_nl_day
            elif day0 + s.start_min * 60_000 < nxt:
                nxt = day0 + s.start_min * 60_000
                break
        seg_end = min(b, nxt)
        total += rate * (seg_end - t)
        t = seg_end
    return total


def as_fraction_nl(units: int) -> Fraction:
    return Fraction(units, U)


# ----------------------------------------------------------------------------- random operations (C only)
def draw_op(data: Any, pump: Pump, max_dt: int = 10 * U) -> tuple[str, tuple]:
    """Draw one command for `pump`, biased towards ones that do something now."""
    s = pump.status()
    cap = pump.config.reservoir_capacity_nl
    stroke = pump.config.stroke_nl
    kind = data.draw(st.sampled_from((
        "advance", "advance", "advance", "advance_next", "refill", "refill_same", "prescribe",
        "clinician_bolus", "prime_bolus", "patient_bolus", "cancel_bolus", "suspend", "resume",
        "ack_alarm", "inject_fault", "clear_fault", "count_telemetry")), label="op")
    if kind == "advance":
        dt = data.draw(st.one_of(st.integers(0, 5000), st.integers(0, max_dt)), label="dt")
        return "advance", (s.now_ms + dt,)
    if kind == "advance_next":
        t = s.next_stroke_ms
        return "advance", (s.now_ms if t is None else t,)
    if kind in ("refill", "refill_same"):
        volume = data.draw(st.one_of(st.sampled_from((0, stroke - 1, stroke, 5 * stroke, cap, cap + 1)),
                                     st.integers(0, cap)), label="volume")
        if kind == "refill_same" and s.drug != Drug.NONE:
            return "refill", (volume, s.drug, s.conc_ug_ml)
        drug = data.draw(st.sampled_from(DRUGS), label="drug")
        conc = data.draw(st.sampled_from(CONCS if drug == Drug.SALINE else CONCS[1:]), label="conc")
        return "refill", (volume, drug, conc)
    if kind == "prescribe":
        drug = int(s.drug) if s.drug != Drug.NONE else 1
        return "prescribe", (data.draw(prescriptions(drug, s.conc_ug_ml, cap), label="rx"),)
    if kind in ("clinician_bolus", "prime_bolus"):
        volume = data.draw(st.one_of(st.sampled_from((0, 1, stroke, 10 * stroke)),
                                     st.integers(1, 1_000_000)), label="volume")
        duration = data.draw(st.one_of(st.sampled_from((1, 1000, 3_600_000)),
                                       st.integers(1, U)), label="duration")
        return kind, (volume, duration)
    if kind == "ack_alarm":
        active = int(s.alarms)
        return kind, (data.draw(st.integers(0, 0x7F).map(lambda m: m & active or m), label="bits"),)
    if kind in ("inject_fault", "clear_fault"):
        return kind, (data.draw(st.sampled_from((1, 1, 2)), label="fault"),)
    if kind == "count_telemetry":
        return kind, (data.draw(st.integers(0, 10**6), label="bytes"),)
    return kind, ()


def apply_op(target: Any, op: tuple[str, tuple]) -> int:
    name, args = op
    return refusal(getattr(target, name), *args)


def running_pump(data: Any, cfg: Optional[core.Config] = None, patient: Optional[bool] = None,
                 headroom: Optional[bool] = None) -> Pump:
    """A pump filled (full reservoir) and prescribed with a drawn prescription."""
    cfg = cfg or data.draw(configs(small_battery=False), label="cfg")
    pump = Pump(cfg)
    drug = data.draw(st.sampled_from(DRUGS), label="drug")
    conc = data.draw(st.sampled_from(CONCS[1:]), label="conc")
    pump.refill(cfg.reservoir_capacity_nl, drug, conc)
    pump.prescribe(data.draw(prescriptions(drug, conc, cfg.reservoir_capacity_nl, patient=patient,
                                           headroom=headroom), label="rx"))
    return pump


def scaled(n: int) -> int:
    """max_examples for a test that runs n examples under the `ci` profile (200 by default),
    scaled with the active profile, so `deep` goes deeper and `dev` stays quick."""
    from hypothesis import settings
    return max(1, n * settings.default.max_examples // 200)
