"""A slow, independent reference model of the dosing core, written from pump.h's SEMANTICS.

`Oracle` has the same method names as `pyemu.core.Pump` and answers the same
questions (status, balance, events, prescription, next stroke), but it shares
no code with the C: it is plain Python integers, lists and sets, and it walks
time event by event (one schedule step, one stroke, one battery crossing at a
time), so every rule of the header can be checked by reading one small
function. The test suite drives it side by side with the C core; the benchmark
uses it as the slow reference. Refusals raise `OracleError` with the reason
code of pump.h and change nothing but the log entries the header lists.

Nothing here is fast: a day at 24 mL/day is ~100,000 strokes, each handled on
its own.
"""
from __future__ import annotations

import dataclasses
import types
from typing import Any, Optional

# --- constants of pump.h (copied as numbers on purpose: the oracle must not read the C) ----
U = 86_400_000                     # ms per day
MAX_STEPS = 24
LOG_CAPACITY = 512
RATE_MIN, RATE_MAX = 48_000, 24_000_000
CONC_MAX = 100_000
DOSE_LIMIT_MAX_UG = 100_000_000
BOLUS_DURATION_MAX = 86_400_000
BOLUS_RATE_MAX = 1_440_000_000
PB_MAX_PER_24H = 24
BOLUS_HISTORY = 64
MAX_SLUGS = 16
LOW_DEFAULT = 2_000_000
CAPACITIES = (20_000_000, 40_000_000)
NEVER = 2**64 - 1
TIME_MAX = 2**48 - 1               # advance refuses later times (the log stores 48-bit times)
RESOUND_DEFAULT, RESOUND_MIN, RESOUND_MAX = 86_400_000, 60_000, 604_800_000
DEAD_VOLUME_MAX = 2_000_000
ACCURACY_PERMILLE = 145
RECONCILE_LIMIT = {20_000_000: 1_000_000, 40_000_000: 2_000_000}
WITHIN_TOLERANCE, POSSIBLE_OVER_INFUSION, POSSIBLE_UNDER_INFUSION = 0, 1, 2
U32_MAX = 2**32 - 1

# reason codes
OK, E_ARG, E_RATE_RANGE, E_STEPS, E_CONCENTRATION, E_DOSE_LIMIT, E_LIMIT_RANGE = range(7)
E_BOLUS_RANGE, E_BOLUS_ACTIVE, E_NO_BOLUS, E_SUSPENDED, E_EMPTY, E_EOS, E_STALLED = range(7, 14)
E_OVERFILL, E_LOCKOUT, E_COUNT, E_PB_DISABLED, E_TIME, E_NOT_SUSPENDED = range(14, 20)
E_NO_PRESCRIPTION = 20
E_FAULT_KIND, E_ALARM, E_DRUG, E_CONFIG, E_NO_FAULT, E_MEMORY = 26, 27, 28, 29, 30, 31
E_THERAPY_ACTIVE = 32
E_DRUG_LIMIT, E_SOFT_LIMIT = 33, 34

# drugs
DRUG_NONE, DRUG_SALINE, DRUG_COUNT = 0, 5, 7
# drug library (vocabulary.json drug_library): drug -> (max conc ug/mL, 24-h dose hard
# limit ug, soft limit ug, stability days, patient boluses allowed); 0 = no limit.
DRUG_LIBRARY = {
    1: (20_000, 15_000, 10_000, 90, True),    # morphine
    2: (15_000, 10_000, 5_000, 60, True),     # hydromorphone
    3: (100, 20, 10, 60, False),              # ziconotide
    4: (2_000, 3_000, 2_000, 90, True),       # baclofen
}
NO_LIMITS = (0, 0, 0, 0, True)
RX_CONFIRM_SOFT_LIMIT = 1

# alarm bits, in the order the header evaluates them
LOW, EMPTY, ERI, EOS, STALL, DOSE, MEMORY, EXPIRED = (1 << i for i in range(8))
ALARM_ORDER = (LOW, EMPTY, ERI, EOS, STALL, DOSE, MEMORY, EXPIRED)
CRITICAL = EMPTY | EOS | STALL | MEMORY
ALL_ALARMS = 0xFF

# event kinds
(EV_INIT, EV_RESET, EV_PRESCRIBED, EV_PRESCRIBE_REFUSED, EV_BOLUS_START, EV_BOLUS_END,
 EV_BOLUS_CANCELLED, EV_BOLUS_REFUSED, EV_PATIENT_GRANTED, EV_PATIENT_DENIED, EV_SUSPENDED,
 EV_RESUMED, EV_REFILL, EV_REFILL_REFUSED, EV_ALARM_RAISED, EV_ALARM_CLEARED, EV_ALARM_ACKED,
 EV_FAULT_INJECTED, EV_FAULT_CLEARED) = range(1, 20)
EV_IMPLANT_CONFIGURED, EV_RESOUND_SET, EV_REFILL_RECONCILED, EV_SOFT_LIMIT_CONFIRMED = 22, 23, 24, 25

# bolus kinds, faults, states
BOLUS_NONE, BOLUS_CLINICIAN, BOLUS_PRIME, BOLUS_PATIENT = range(4)
FAULT_STALL, FAULT_MEMORY = 1, 2
STOPPED, RUNNING, SUSPENDED, HALTED = range(4)

DEFAULT_CONFIG = dict(
    serial=1, reservoir_capacity_nl=20_000_000, stroke_nl=250, dead_volume_nl=256_000,
    battery_capacity_nc=2_500_000_000_000, quiescent_ua=10, stroke_nc=40_000,
    telemetry_byte_nc=1_000, tone_ua=2, eri_days=90,
)
_CONFIG_RANGES = dict(
    stroke_nl=(10, 10_000), dead_volume_nl=(0, 2_000_000), battery_capacity_nc=(1, 10**13),
    quiescent_ua=(1, 1000), stroke_nc=(0, 10**6), telemetry_byte_nc=(0, 10**6),
    tone_ua=(0, 100_000), eri_days=(1, 365),
)


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


class OracleError(Exception):
    """A refusal, with pump.h's reason code in `.reason_code`."""

    def __init__(self, reason_code: int) -> None:
        super().__init__(f"refused with reason {reason_code}")
        self.reason_code = reason_code


@dataclasses.dataclass
class Rx:
    """A stored (normalised) prescription."""
    drug: int
    conc_ug_ml: int
    steps: list[tuple[int, int]]          # (start_min, rate_nl_day)
    max_dose_ug_24h: int
    low_reservoir_nl: int
    pb_enabled: int
    pb_volume_nl: int
    pb_duration_ms: int
    pb_lockout_ms: int
    pb_max_per_24h: int

    def rate_at(self, t_ms: int) -> int:
        """Basal rate of the step in force at absolute time t_ms."""
        minute = (t_ms % U) // 60_000
        rate = 0
        for start, r in self.steps:
            if start <= minute:
                rate = r
        return rate

    def next_change(self, t_ms: int) -> int:
        """First step start (or midnight) strictly after t_ms."""
        day0 = t_ms - t_ms % U
        for start, _ in self.steps:
            if day0 + start * 60_000 > t_ms:
                return day0 + start * 60_000
        return day0 + U

    def volume1440(self) -> int:
        """sum_i rate_i * minutes_i: 1440 times the daily volume in nL."""
        total = 0
        for i, (start, rate) in enumerate(self.steps):
            end = self.steps[i + 1][0] if i + 1 < len(self.steps) else 1440
            total += rate * (end - start)
        return total


@dataclasses.dataclass
class Slug:
    """A run of fluid in the tubing + catheter; `conc` None once two slugs were mixed."""
    vol: int
    mass: int
    conc: Optional[int]
    out_vol: int = 0
    out_mass: int = 0


@dataclasses.dataclass
class Bolus:
    kind: int
    volume: int
    rate: int        # Rb, nL/day
    t0: int

    def credited(self, t: int) -> int:
        """Units (nL*ms/day) this bolus has added to `owed` by time t."""
        return min(self.rate * (t - self.t0), self.volume * U)

    def end(self) -> int:
        return self.t0 + ceil_div(self.volume * U, self.rate)


@dataclasses.dataclass
class Grant:
    """A granted bolus as the 24-h limit remembers it."""
    t0: int
    kind: int
    mass: int                  # pg, V * reservoir conc at grant
    end: Optional[int] = None  # BOLUS_END or cancel time; None while it runs

    def counts(self, t: int) -> bool:
        """Counts against the 24-h limit at t while some of its credit may lie in (t-24h, t]."""
        return self.end is None or self.end > t - U


@dataclasses.dataclass(frozen=True)
class OracleStatus:
    """Same fields (and plain int values) as pyemu.core.Status."""
    now_ms: int
    state: int
    rate_nl_day: int
    basal_nl_day: int
    reservoir_nl: int
    pumped_nl: int
    delivered_pg: int
    battery_nc: int
    battery_permille: int
    days_to_eri: int
    alarms: int
    unacked_alarms: int
    bolus_kind: int
    bolus_remaining_nl: int
    drug: int
    conc_ug_ml: int
    dose_24h_ug: int
    last_event_seq: int
    strokes: int
    failed_strokes: int
    eri: bool
    suspended: bool
    faults: tuple[int, ...]
    low_reservoir_nl: int
    next_stroke_ms: Optional[int]
    dead_volume_nl: int = 0
    resound_ms: int = 0
    days_to_low_reservoir: int = 0
    days_to_low_reservoir_max_use: int = 0
    refill_ms: int = 0
    days_to_drug_expiry: int = 0


@dataclasses.dataclass(frozen=True)
class OracleBalance:
    filled_nl: int
    discarded_nl: int
    pumped_nl: int
    reservoir_nl: int
    pumped_pg: int
    delivered_pg: int
    in_catheter_pg: int
    catheter_discarded_pg: int = 0


@dataclasses.dataclass(frozen=True)
class OracleEvent:
    seq: int
    time_ms: int
    kind: int
    data0: int
    data1: int


def _field(obj: Any, name: str) -> Any:
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def dead_volume_from_catheter(length_mm: int, nl_per_cm: int, tubing_nl: int) -> int:
    """tubing + ceil(length_mm * nl_per_cm / 10) (pump_dead_volume_from_catheter)."""
    if not (1 <= length_mm <= 2000 and 1 <= nl_per_cm <= 10_000 and 0 <= tubing_nl <= 500_000):
        raise OracleError(E_CONFIG)
    v = tubing_nl + ceil_div(length_mm * nl_per_cm, 10)
    if v > DEAD_VOLUME_MAX:
        raise OracleError(E_CONFIG)
    return v


def dose_to_rate(dose_ug_day: int, conc_ug_ml: int) -> int:
    """µg/day -> nL/day, nearest with halves up (pump_dose_to_rate)."""
    if conc_ug_ml == 0 or conc_ug_ml > CONC_MAX:
        raise OracleError(E_CONCENTRATION)
    rate = (dose_ug_day * 1_000_000 + conc_ug_ml // 2) // conc_ug_ml
    if rate != 0 and not RATE_MIN <= rate <= RATE_MAX:
        raise OracleError(E_RATE_RANGE)
    return rate


class Oracle:
    """Reference pump. `config` is a mapping or any object with pump_config_t's field names."""

    def __init__(self, config: Any = None) -> None:
        cfg = dict(DEFAULT_CONFIG)
        if config is not None:
            cfg = {k: int(_field(config, k)) for k in DEFAULT_CONFIG}
        if cfg["reservoir_capacity_nl"] not in CAPACITIES or cfg["serial"] > 2**32 - 1:
            raise OracleError(E_CONFIG)
        for k, (lo, hi) in _CONFIG_RANGES.items():
            if not lo <= cfg[k] <= hi:
                raise OracleError(E_CONFIG)
        self.cfg = cfg
        self.S = cfg["stroke_nl"]
        self.SU = self.S * U
        self.now = 0
        self.rx: Optional[Rx] = None
        self.suspended = False
        self.reservoir = 0
        self.res_drug = DRUG_NONE
        self.res_conc = 0
        self.filled = self.discarded = 0
        self.pumped_nl = self.pumped_pg = self.delivered_pg = 0
        self.slugs: list[Slug] = []
        if cfg["dead_volume_nl"]:
            self.slugs.append(Slug(cfg["dead_volume_nl"], 0, 0))
        self.owed = 0
        self.bolus: Optional[Bolus] = None
        self.grants: list[Grant] = []
        self.battery = cfg["battery_capacity_nc"]
        self.eri = False
        self.active = 0
        self.acked = 0          # active bits acknowledged (tone silent)
        self.resound_ms = RESOUND_DEFAULT
        self.resound_at: dict[int, int] = {}   # acked lasting non-critical bit -> re-sound time
        self.refill_ms = 0
        self.pumped_at_refill = 0
        self.catheter_discarded_pg = 0
        self.faults: set[int] = set()
        self.stall_latched = False
        self.strokes = self.failed = 0
        self.log: list[OracleEvent] = []
        self.seq = 0
        self._log(EV_INIT, cfg["serial"], cfg["reservoir_capacity_nl"])
        self._settle()

    # ------------------------------------------------------------------ basics
    def _log(self, kind: int, d0: int = 0, d1: int = 0) -> None:
        self.seq += 1
        self.log.append(OracleEvent(self.seq, self.now, kind, d0, d1))
        if len(self.log) > LOG_CAPACITY:
            del self.log[0]

    def _empty(self) -> bool:
        return self.rx is not None and self.reservoir < self.S

    def _halt_cause(self) -> int:
        """Reason code of the first halting condition (EOS, stall, memory, empty), or 0."""
        if self.battery == 0:
            return E_EOS
        if self.stall_latched:
            return E_STALLED
        if FAULT_MEMORY in self.faults:
            return E_MEMORY
        if self._empty():
            return E_EMPTY
        return 0

    def _enabled(self) -> bool:
        return self.rx is not None and not self.suspended and self._halt_cause() == 0

    def _drain_day(self) -> int:
        v1440 = self.rx.volume1440() if self.rx else 0
        return (self.cfg["quiescent_ua"] * U
                + ceil_div(v1440 * self.cfg["stroke_nc"], 1440 * self.S))

    def _eri_threshold(self) -> int:
        # the worst drain at the programmed therapy: every alarm tone sounding
        return self.cfg["eri_days"] * (self._drain_day() + self.cfg["tone_ua"] * U)

    def _drain_per_ms(self) -> int:
        unacked = self.active & ~self.acked
        tone = 0
        if unacked & CRITICAL:
            tone = self.cfg["tone_ua"]
        elif unacked:
            tone = self.cfg["tone_ua"] // 2
        return self.cfg["quiescent_ua"] + tone

    def _draw(self, nc: int) -> None:
        self.battery = max(0, self.battery - nc)

    # ------------------------------------------------------------------ alarms
    def _causes(self) -> dict[int, bool]:
        return {
            LOW: self.rx is not None and self.reservoir <= self.rx.low_reservoir_nl,
            EMPTY: self._empty(),
            ERI: self.eri,
            EOS: self.battery == 0,
            STALL: self.stall_latched,
            MEMORY: FAULT_MEMORY in self.faults,
            EXPIRED: self.now >= self._expiry_ms(),
        }

    def _expiry_ms(self) -> int:
        """When the reservoir's drug passes its stability time (NEVER without one)."""
        days = DRUG_LIBRARY.get(self.res_drug, NO_LIMITS)[3]
        return self.refill_ms + days * U if days else NEVER

    def _settle(self) -> None:
        """Latch ERI, evaluate alarms in bit order, then let a halt cancel the bolus."""
        if not self.eri and self.battery <= self._eri_threshold():
            self.eri = True
        causes = self._causes()
        for bit in ALARM_ORDER:
            if bit == DOSE:
                continue       # no lasting cause: raised by a refusal, cleared by ack
            if causes[bit]:
                if not self.active & bit:
                    self.active |= bit
                    self.acked &= ~bit
                    self.resound_at.pop(bit, None)
                    self._log(EV_ALARM_RAISED, bit)
                elif bit in self.resound_at and self.now >= self.resound_at[bit]:
                    self.acked &= ~bit
                    del self.resound_at[bit]
                    self._log(EV_ALARM_RAISED, bit, 1)
            else:
                if self.active & bit:
                    self._log(EV_ALARM_CLEARED, bit)
                self.active &= ~bit
                self.acked &= ~bit
                self.resound_at.pop(bit, None)
        cause = self._halt_cause()
        if cause and self.rx is not None:
            self.owed %= self.SU
        if cause and self.bolus is not None:
            self._log(EV_BOLUS_CANCELLED, self.bolus.kind, cause)
            self._end_bolus()

    def _end_bolus(self) -> None:
        """The running bolus ends or is cancelled now: its grant stops running."""
        self.grants[-1].end = self.now
        self.bolus = None

    def _raise_dose_limit(self) -> None:
        if not self.active & DOSE:
            self.active |= DOSE
            self._log(EV_ALARM_RAISED, DOSE)

    # ------------------------------------------------------------------ catheter
    def _push(self, vol: int, conc: int) -> None:
        tail = self.slugs[-1] if self.slugs else None
        if tail is not None and tail.conc == conc:
            tail.vol += vol
            tail.mass += vol * conc
            return
        if len(self.slugs) == MAX_SLUGS:
            a, b = self.slugs[-2], self.slugs[-1]
            assert a.out_vol == 0 and b.out_vol == 0
            self.slugs[-2:] = [Slug(a.vol + b.vol, a.mass + b.mass, None)]
        self.slugs.append(Slug(vol, vol * conc, conc))

    def _pop(self, vol: int) -> int:
        """Remove vol nL from the tip; return the drug mass that left."""
        out = 0
        while vol:
            head = self.slugs[0]
            take = min(vol, head.vol - head.out_vol)
            head.out_vol += take
            mass_out = head.mass * head.out_vol // head.vol
            out += mass_out - head.out_mass
            head.out_mass = mass_out
            if head.out_vol == head.vol:
                del self.slugs[0]
            vol -= take
        return out

    def _in_catheter_pg(self) -> int:
        return sum(s.mass - s.out_mass for s in self.slugs)

    # ------------------------------------------------------------------ time
    def _increment(self, t: int) -> tuple[int, int]:
        """(owed units added in ms [t, t+1), first t' > t where that may change)."""
        assert self.rx is not None
        inc = self.rx.rate_at(t)
        until = self.rx.next_change(t)
        b = self.bolus
        if b is not None:
            inc += b.credited(t + 1) - b.credited(t)
            end = b.end()
            # full-rate ms up to end-1, then the last (partial) ms, then none
            for edge in (end - 1, end):
                if edge > t:
                    until = min(until, edge)
                    break
        return inc, until

    def _instant(self, was_enabled: bool) -> None:
        """Everything that happens at self.now, in the header's order."""
        if was_enabled:
            while self.owed >= self.SU:
                if FAULT_STALL in self.faults:
                    self.failed += 1
                    self._draw(self.cfg["stroke_nc"])
                    self.stall_latched = True
                    break
                if self.reservoir < self.S:
                    break
                self._stroke()
        if self.bolus is not None and self.now >= self.bolus.end():
            self._log(EV_BOLUS_END, self.bolus.kind, self.bolus.volume)
            self._end_bolus()
        self._settle()

    def _stroke(self) -> None:
        self.owed -= self.SU
        self.reservoir -= self.S
        self.pumped_nl += self.S
        self.pumped_pg += self.S * self.res_conc
        self.strokes += 1
        self._draw(self.cfg["stroke_nc"])
        self._push(self.S, self.res_conc)
        self.delivered_pg += self._pop(self.S)

    def advance(self, to_ms: int) -> None:
        if to_ms < self.now or to_ms > TIME_MAX:
            raise OracleError(E_TIME)
        while self.now < to_ms:
            enabled = self._enabled()
            nxt = to_ms
            inc = 0
            if enabled:
                inc, until = self._increment(self.now)
                nxt = min(nxt, until)
                if inc:
                    nxt = min(nxt, self.now + ceil_div(self.SU - self.owed, inc))
            q = self._drain_per_ms()
            th = self._eri_threshold()
            if not self.eri and self.battery > th:
                nxt = min(nxt, self.now + ceil_div(self.battery - th, q))
            if self.battery > 0:
                nxt = min(nxt, self.now + ceil_div(self.battery, q))
            if self.resound_at:
                nxt = min(nxt, min(self.resound_at.values()))
            if self._expiry_ms() > self.now:
                nxt = min(nxt, self._expiry_ms())
            dt = nxt - self.now
            self.owed += inc * dt
            self._draw(q * dt)
            self.now = nxt
            self._instant(enabled)

    def advance_by(self, ms: int) -> None:
        self.advance(self.now + ms)

    @property
    def now_ms(self) -> int:
        return self.now

    @property
    def config(self) -> Any:
        """The configuration, with pump_config_t's field names as attributes."""
        return types.SimpleNamespace(**self.cfg)

    def next_stroke_ms(self) -> Optional[int]:
        """Next stroke attempt, ignoring the battery; None if none is coming."""
        if not self._enabled():
            return None
        rx = self.rx
        t, owed = self.now, self.owed
        day_units = rx.volume1440() * 60_000
        while True:
            if self.bolus is not None and t < self.bolus.end():
                inc, until = self._increment(t)
            else:
                if day_units == 0:
                    return None
                if t % U == 0:
                    # whole days that cannot complete a stroke are skipped in one go
                    days = ceil_div(self.SU - owed, day_units) - 1
                    t += days * U
                    owed += days * day_units
                inc, until = rx.rate_at(t), rx.next_change(t)
            if inc and owed + inc * (until - t) >= self.SU:
                return t + ceil_div(self.SU - owed, inc)
            owed += inc * (until - t)
            t = until

    # ------------------------------------------------------------------ prescriptions
    def _check_drug_conc(self, drug: int, conc: int) -> int:
        if not 1 <= drug < DRUG_COUNT:
            return E_DRUG
        if conc > CONC_MAX or (conc == 0 and drug != DRUG_SALINE):
            return E_CONCENTRATION
        return OK

    def _validate_rx(self, rx: Any, confirm: bool = False) -> tuple[int, Optional[Rx]]:
        drug, conc = int(_field(rx, "drug")), int(_field(rx, "conc_ug_ml"))
        raw_steps = [(int(_field(s, "start_min")), int(_field(s, "rate_nl_day")))
                     if not isinstance(s, tuple) else (int(s[0]), int(s[1]))
                     for s in _field(rx, "steps")]
        if not 1 <= drug < DRUG_COUNT or drug != self.res_drug:
            return E_DRUG, None
        if self._check_drug_conc(drug, conc) or conc != self.res_conc:
            return E_CONCENTRATION, None
        if not 1 <= len(raw_steps) <= MAX_STEPS or raw_steps[0][0] != 0:
            return E_STEPS, None
        for (a, _), (b, _) in zip(raw_steps, raw_steps[1:]):
            if b <= a:
                return E_STEPS, None
        if raw_steps[-1][0] >= 1440:
            return E_STEPS, None
        for _, rate in raw_steps:
            if rate != 0 and not RATE_MIN <= rate <= RATE_MAX:
                return E_RATE_RANGE, None
        max_dose = int(_field(rx, "max_dose_ug_24h"))
        low = int(_field(rx, "low_reservoir_nl"))
        if not 1 <= max_dose <= DOSE_LIMIT_MAX_UG or not 1 <= low <= self.cfg["reservoir_capacity_nl"]:
            return E_LIMIT_RANGE, None
        pb = [int(_field(rx, k)) for k in
              ("pb_enabled", "pb_volume_nl", "pb_duration_ms", "pb_lockout_ms", "pb_max_per_24h")]
        if pb[0] not in (0, 1):
            return E_BOLUS_RANGE, None
        if pb[0]:
            vol, dur, lockout, count = pb[1:]
            if not (1 <= vol <= self.cfg["reservoir_capacity_nl"] and 1 <= dur <= BOLUS_DURATION_MAX
                    and ceil_div(vol * U, dur) <= BOLUS_RATE_MAX and dur <= lockout <= U
                    and 1 <= count <= PB_MAX_PER_24H):
                return E_BOLUS_RANGE, None
        else:
            pb = [0, 0, 0, 0, 0]
        new = Rx(drug, conc, raw_steps, max_dose, low, *pb)
        if self._basal_24h_pg(new) > max_dose * 1_000_000:
            return E_DOSE_LIMIT, None
        max_conc, hard, soft, _, pb_ok = DRUG_LIBRARY.get(drug, NO_LIMITS)
        if (max_conc and conc > max_conc) or (hard and max_dose > hard) or (pb[0] and not pb_ok):
            return E_DRUG_LIMIT, None
        if soft and max_dose > soft and not confirm:
            return E_SOFT_LIMIT, None
        return OK, new

    @staticmethod
    def _basal_24h_pg(rx: Optional[Rx]) -> int:
        if rx is None:
            return 0
        return ceil_div(rx.conc_ug_ml * rx.volume1440(), 1440)

    def prescribe(self, rx: Any, confirm_soft_limit: bool = False) -> None:
        code, new = self._validate_rx(rx, confirm_soft_limit)
        if code:
            self._log(EV_PRESCRIBE_REFUSED, 0, code)
            raise OracleError(code)
        soft = DRUG_LIBRARY.get(new.drug, NO_LIMITS)[2]
        if soft and new.max_dose_ug_24h > soft:
            self._log(EV_SOFT_LIMIT_CONFIRMED, new.max_dose_ug_24h, soft)
        self.rx = new
        self._log(EV_PRESCRIBED, new.volume1440() // 1440, new.max_dose_ug_24h)
        self._settle()

    def prescription(self) -> Optional[Rx]:
        return dataclasses.replace(self.rx, steps=list(self.rx.steps)) if self.rx else None

    # ------------------------------------------------------------------ boluses
    def _counting_grants(self) -> list[Grant]:
        return [g for g in self.grants if g.counts(self.now)]

    def _patient_grants_24h(self) -> list[Grant]:
        """Patient boluses started in (now-24h, now], oldest first."""
        return [g for g in self.grants if g.kind == BOLUS_PATIENT and g.t0 > self.now - U]

    def _dose_24h_pg(self) -> int:
        return self._basal_24h_pg(self.rx) + sum(g.mass for g in self._counting_grants())

    def _state_refusal(self) -> int:
        """Common checks of bolus commands after the range / prescription checks."""
        if self.battery == 0:
            return E_EOS
        if self.stall_latched:
            return E_STALLED
        if FAULT_MEMORY in self.faults:
            return E_MEMORY
        if self.suspended:
            return E_SUSPENDED
        if self._empty():
            return E_EMPTY
        if self.bolus is not None:
            return E_BOLUS_ACTIVE
        return OK

    def _grant_refusal(self, volume: int) -> int:
        """Record-full and dose-limit checks shared by every bolus kind."""
        if len(self._counting_grants()) >= BOLUS_HISTORY:
            return E_COUNT
        if self._dose_24h_pg() + volume * self.res_conc > self.rx.max_dose_ug_24h * 1_000_000:
            return E_DOSE_LIMIT
        return OK

    def _start_bolus(self, kind: int, volume: int, rate: int) -> None:
        self.grants = self._counting_grants()
        self.grants.append(Grant(self.now, kind, volume * self.res_conc))
        self.bolus = Bolus(kind, volume, rate, self.now)
        self._log(EV_BOLUS_START, kind, volume)

    def _bolus(self, kind: int, volume: int, duration: int) -> None:
        code = OK
        rate = 0
        if not (1 <= volume <= self.cfg["reservoir_capacity_nl"]
                and 1 <= duration <= BOLUS_DURATION_MAX):
            code = E_BOLUS_RANGE
        else:
            rate = ceil_div(volume * U, duration)
            if rate > BOLUS_RATE_MAX:
                code = E_BOLUS_RANGE
        if not code and self.rx is None:
            code = E_NO_PRESCRIPTION
        code = code or self._state_refusal() or self._grant_refusal(volume)
        if code:
            self._log(EV_BOLUS_REFUSED, kind, code)
            if code == E_DOSE_LIMIT:
                self._raise_dose_limit()
            raise OracleError(code)
        self._start_bolus(kind, volume, rate)

    def clinician_bolus(self, volume_nl: int, duration_ms: int) -> None:
        self._bolus(BOLUS_CLINICIAN, volume_nl, duration_ms)

    def prime_bolus(self, volume_nl: int = 0, duration_ms: int = 3_600_000) -> None:
        self._bolus(BOLUS_PRIME, volume_nl or self.cfg["dead_volume_nl"], duration_ms)

    def patient_bolus(self) -> None:
        rx = self.rx
        code = OK
        if rx is None or not rx.pb_enabled:
            code = E_PB_DISABLED
        code = code or self._state_refusal()
        if not code:
            patient = self._patient_grants_24h()
            if patient and self.now - patient[-1].t0 < rx.pb_lockout_ms:
                code = E_LOCKOUT
            elif len(patient) >= rx.pb_max_per_24h:
                code = E_COUNT
            else:
                code = self._grant_refusal(rx.pb_volume_nl)
        if code:
            self._log(EV_PATIENT_DENIED, 0, code)
            if code == E_DOSE_LIMIT:
                self._raise_dose_limit()
            raise OracleError(code)
        count = 1 + len(self._patient_grants_24h())
        self._log(EV_PATIENT_GRANTED, count, rx.pb_volume_nl)
        self._start_bolus(BOLUS_PATIENT, rx.pb_volume_nl, ceil_div(rx.pb_volume_nl * U, rx.pb_duration_ms))

    def cancel_bolus(self) -> None:
        if self.bolus is None:
            raise OracleError(E_NO_BOLUS)
        self._log(EV_BOLUS_CANCELLED, self.bolus.kind, 0)
        self._end_bolus()

    # ------------------------------------------------------------------ other commands
    def suspend(self) -> None:
        if self.rx is None:
            raise OracleError(E_NO_PRESCRIPTION)
        if self.suspended:
            raise OracleError(E_SUSPENDED)
        self._suspend(0)

    def _suspend(self, cause: int) -> None:
        self.suspended = True
        self._log(EV_SUSPENDED, cause)
        if self.bolus is not None:
            self._log(EV_BOLUS_CANCELLED, self.bolus.kind, E_SUSPENDED)
            self._end_bolus()

    def resume(self) -> None:
        if not self.suspended:
            raise OracleError(E_NOT_SUSPENDED)
        if self.res_drug != self.rx.drug:
            raise OracleError(E_DRUG)
        if self.res_conc != self.rx.conc_ug_ml:
            raise OracleError(E_CONCENTRATION)
        self.suspended = False
        self._log(EV_RESUMED)

    def refill(self, volume_nl: int, drug: int, conc_ug_ml: int) -> None:
        self._refill(volume_nl, drug, conc_ug_ml, None)

    def refill_reconciled(self, volume_nl: int, drug: int, conc_ug_ml: int,
                          withdrawn_nl: int) -> types.SimpleNamespace:
        return self._refill(volume_nl, drug, conc_ug_ml, withdrawn_nl)

    def _reconcile(self, withdrawn: int) -> types.SimpleNamespace:
        delivered = self.pumped_nl - self.pumped_at_refill
        tolerance = min(ceil_div(delivered * ACCURACY_PERMILLE, 1000),
                        RECONCILE_LIMIT[self.cfg["reservoir_capacity_nl"]])
        expected = self.reservoir
        disc = abs(withdrawn - expected)
        if disc <= tolerance:
            verdict = WITHIN_TOLERANCE
        elif withdrawn < expected:
            verdict = POSSIBLE_OVER_INFUSION
        else:
            verdict = POSSIBLE_UNDER_INFUSION
        return types.SimpleNamespace(expected_nl=expected, withdrawn_nl=withdrawn,
                                     discrepancy_nl=disc, delivered_nl=delivered,
                                     tolerance_nl=tolerance, verdict=verdict)

    def _refill(self, volume_nl: int, drug: int, conc_ug_ml: int,
                withdrawn: Optional[int]) -> Optional[types.SimpleNamespace]:
        code = OK
        cap = self.cfg["reservoir_capacity_nl"]
        if volume_nl > cap or (withdrawn is not None and withdrawn > cap):
            code = E_OVERFILL
        code = code or self._check_drug_conc(int(drug), conc_ug_ml)
        max_conc = DRUG_LIBRARY.get(int(drug), NO_LIMITS)[0]
        if not code and max_conc and conc_ug_ml > max_conc:
            code = E_DRUG_LIMIT
        if code:
            self._log(EV_REFILL_REFUSED, 0, code)
            raise OracleError(code)
        rec = None
        if withdrawn is not None:
            rec = self._reconcile(withdrawn)
            self._log(EV_REFILL_RECONCILED, rec.expected_nl, withdrawn)
        self.refill_ms = self.now
        self.pumped_at_refill = self.pumped_nl
        old = self.reservoir
        self.discarded += old
        self.filled += volume_nl
        self.reservoir = volume_nl
        self.res_drug, self.res_conc = int(drug), conc_ug_ml
        self._log(EV_REFILL, volume_nl, old)
        if (self.rx is not None and not self.suspended
                and (self.rx.drug != self.res_drug or self.rx.conc_ug_ml != conc_ug_ml)):
            self._suspend(E_DRUG if self.rx.drug != self.res_drug else E_CONCENTRATION)
        self._settle()
        return rec

    def ack_alarm(self, alarm_bits: int) -> None:
        bits = int(alarm_bits)
        if bits == 0 or bits & ~self.active:
            raise OracleError(E_ALARM)
        for bit in ALARM_ORDER:
            if bits & bit:
                self._log(EV_ALARM_ACKED, bit)
                if bit == DOSE:
                    self.active &= ~bit      # an event alarm: the ack ends it
                else:
                    self.acked |= bit
                    if not bit & CRITICAL:
                        self.resound_at[bit] = self.now + self.resound_ms

    def set_alarm_resound(self, interval_ms: int) -> None:
        if not RESOUND_MIN <= interval_ms <= RESOUND_MAX:
            raise OracleError(E_LIMIT_RANGE)
        self._log(EV_RESOUND_SET, interval_ms, self.resound_ms)
        self.resound_ms = interval_ms

    def configure_implant(self, dead_volume_nl: int) -> None:
        if dead_volume_nl > DEAD_VOLUME_MAX:
            raise OracleError(E_CONFIG)
        if self.rx is not None and not self.suspended:
            raise OracleError(E_THERAPY_ACTIVE)
        self.catheter_discarded_pg += self._in_catheter_pg()
        self.slugs = [Slug(dead_volume_nl, 0, 0)] if dead_volume_nl else []
        old, self.cfg["dead_volume_nl"] = self.cfg["dead_volume_nl"], dead_volume_nl
        self._log(EV_IMPLANT_CONFIGURED, dead_volume_nl, old)

    def inject_fault(self, fault: int) -> None:
        fault = int(fault)
        if fault not in (FAULT_STALL, FAULT_MEMORY):
            raise OracleError(E_FAULT_KIND)
        if fault in self.faults:
            return
        self.faults.add(fault)
        self._log(EV_FAULT_INJECTED, fault)
        self._settle()

    def clear_fault(self, fault: int) -> None:
        fault = int(fault)
        if fault not in (FAULT_STALL, FAULT_MEMORY):
            raise OracleError(E_FAULT_KIND)
        if fault not in self.faults:
            raise OracleError(E_NO_FAULT)
        self.faults.discard(fault)
        if fault == FAULT_STALL:
            self.stall_latched = False
        self._log(EV_FAULT_CLEARED, fault)
        self._settle()

    def count_telemetry(self, nbytes: int) -> None:
        self._draw(nbytes * self.cfg["telemetry_byte_nc"])
        self._settle()

    def note_reset(self) -> None:
        self._log(EV_RESET)

    # ------------------------------------------------------------------ reading
    def _state(self) -> int:
        if self._halt_cause():
            return HALTED
        if self.suspended:
            return SUSPENDED
        if self.rx is None or (self.rx.rate_at(self.now) == 0 and self.bolus is None):
            return STOPPED
        return RUNNING

    def status(self) -> OracleStatus:
        basal = self.rx.rate_at(self.now) if self.rx else 0
        enabled = self._enabled()
        rate = (basal + (self.bolus.rate if self.bolus else 0)) if enabled else 0
        drain = self._drain_day()
        if self.eri:
            days = 0
        else:
            days = (self.battery - self._eri_threshold()) // drain
        b = self.bolus
        basal_day = ceil_div(self.rx.volume1440(), 1440) if self.rx else 0
        pb = self.rx.pb_volume_nl if self.rx else 0
        pb_max = self.rx.pb_max_per_24h if self.rx else 0
        return OracleStatus(
            now_ms=self.now, state=self._state(), rate_nl_day=rate, basal_nl_day=basal,
            reservoir_nl=self.reservoir, pumped_nl=self.pumped_nl, delivered_pg=self.delivered_pg,
            battery_nc=self.battery,
            battery_permille=self.battery * 1000 // self.cfg["battery_capacity_nc"],
            days_to_eri=days, alarms=self.active, unacked_alarms=self.active & ~self.acked,
            bolus_kind=b.kind if b else BOLUS_NONE,
            bolus_remaining_nl=b.volume - b.credited(self.now) // U if b else 0,
            drug=self.res_drug, conc_ug_ml=self.res_conc,
            dose_24h_ug=ceil_div(self._dose_24h_pg(), 1_000_000),
            last_event_seq=self.seq, strokes=self.strokes, failed_strokes=self.failed,
            eri=self.eri, suspended=self.suspended, faults=tuple(sorted(self.faults)),
            low_reservoir_nl=self.rx.low_reservoir_nl if self.rx else LOW_DEFAULT,
            next_stroke_ms=self.next_stroke_ms(),
            dead_volume_nl=self.cfg["dead_volume_nl"], resound_ms=self.resound_ms,
            days_to_low_reservoir=self._days_to_low(basal_day + len(self._patient_grants_24h()) * pb),
            days_to_low_reservoir_max_use=self._days_to_low(basal_day + pb_max * pb),
            refill_ms=self.refill_ms,
            days_to_drug_expiry=(U32_MAX if self._expiry_ms() == NEVER
                                 else max(0, self._expiry_ms() - self.now) // U),
        )

    def balance(self) -> OracleBalance:
        return OracleBalance(self.filled, self.discarded, self.pumped_nl, self.reservoir,
                             self.pumped_pg, self.delivered_pg, self._in_catheter_pg(),
                             self.catheter_discarded_pg)

    def _days_to_low(self, use_day: int) -> int:
        """Whole days until the reservoir reaches the low threshold at use_day nL/day."""
        if self.rx is None or use_day == 0:
            return U32_MAX
        return max(0, self.reservoir - self.rx.low_reservoir_nl) // use_day

    def events(self, from_seq: int = 0, max: int = LOG_CAPACITY) -> list[OracleEvent]:
        return [e for e in self.log if e.seq >= from_seq][:max]

    def first_available_seq(self) -> int:
        return self.log[0].seq if self.log else self.seq + 1
