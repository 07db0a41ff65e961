"""The records every pump returns: Status, Alarm, Event, Hello, Reconciliation, and
the prescription a pump is given.

One type each, whichever implementation answered (the in-process core,
:class:`pyemu.pump.core.Pump`, or a pump on the wire, :class:`pyemu.pump.client.Client`):
exact integers in the core's units (nL, nL/day, pg, ms), the pump's codes as
the vocabulary's enums (which are ints, so they compare with plain numbers),
names through properties, and ``to_json()``, the one JSON shape the CLI prints.
"""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple, Type, Union

from pyemu import protocol as P
from pyemu.protocol import vocabulary as V
from pyemu.pump.names import (_BOLUS_KINDS, _CRITICAL_ALARMS, _number, _volume, alarm_names,
                              bolus_name, drug_code, drug_name, event_kind_name, short_reason,
                              state_name)

__all__ = ["Status", "Hello", "Alarm", "Event", "Step", "PatientBolus", "Unsolicited",
           "RateStep", "Prescription", "Reconciliation", "LOW_RESERVOIR_DEFAULT_NL",
           "DEFAULT_PRIME_MS", "StatusExt", "NEVER_DAYS", "VERDICTS", "Truth", "PLANT_FAULTS",
           "plant_fault_fields", "plant_fault_accepts"]

#: 2^32 - 1 days: "never" in the projection and drug-expiry fields.
NEVER_DAYS = 0xFFFFFFFF
#: Refill reconciliation verdicts by wire value (protocol/spec.md, Refill reconciliation).
VERDICTS = ("within_tolerance", "possible_over_infusion", "possible_under_infusion")


def _days(value: int) -> Union[int, str]:
    return "never" if value == NEVER_DAYS else value


#: The low-reservoir threshold a prescription gets when none is given
#: (pump.h PUMP_LOW_RESERVOIR_DEFAULT_NL; tests/core checks the two agree).
LOW_RESERVOIR_DEFAULT_NL = 2_000_000

#: A prime/bridge bolus without a duration runs over this long, on every pump.
DEFAULT_PRIME_MS = 3_600_000


def _code(table: Type[enum.IntEnum], value: int) -> int:
    """value as a member of table; a code the vocabulary does not know stays a plain int
    (a newer device may send it, and the record must still hold it exactly)."""
    try:
        return table(value)
    except ValueError:
        return int(value)

#: The faults of the physical plant (PLANT_FAULT; the others are INJECT_FAULT's).
PLANT_FAULTS = frozenset(V.user_name(f) for f in (V.Fault.FLOW_ERROR, V.Fault.OCCLUSION, V.Fault.LEAK,
                                                    V.Fault.DISCONNECT, V.Fault.POCKET_FILL, V.Fault.MRI))

# -- replies -----------------------------------------------------------------------

_new_object = object.__new__
_set_attr = object.__setattr__
# The enums' own value -> member maps (an IntFlag adds each combination it meets).
_STATE_MAP = V.State._value2member_map_
_ALARM_MAP = V.Alarm._value2member_map_
_BOLUS_MAP = V.BolusKind._value2member_map_
_DRUG_MAP = V.Drug._value2member_map_

@dataclass(frozen=True)
class Status:
    """The pump's status, from either implementation, exact integers.

    The first 18 fields are what every pump reports (the wire's STATUS frame,
    the reply to GET_STATUS and ADVANCE, or telemetry); ``seq`` and
    ``unsolicited`` say which frame it came in (0 and False from the
    in-process core). The fields after those are the core's further detail:
    the in-process core fills them, a STATUS frame does not carry them, so a
    pump on the wire leaves them None (``next_stroke_ms`` is also None from
    the core when no stroke is coming).
    """

    now_ms: int
    state: V.State
    rate_nl_day: int
    basal_nl_day: int
    reservoir_nl: int
    pumped_nl: int
    delivered_pg: int
    battery_nc: int
    battery_permille: int
    days_to_eri: int
    alarms: V.Alarm
    unacked_alarms: V.Alarm
    bolus_kind: V.BolusKind
    bolus_remaining_nl: int
    drug: V.Drug
    conc_ug_ml: int
    dose_24h_ug: int
    last_event_seq: int
    seq: int = 0
    unsolicited: bool = False
    # -- the core's detail (None from a STATUS frame) --
    strokes: Optional[int] = None
    failed_strokes: Optional[int] = None
    eri: Optional[bool] = None
    suspended: Optional[bool] = None
    faults: Optional[Tuple[V.Fault, ...]] = None
    low_reservoir_nl: Optional[int] = None
    next_stroke_ms: Optional[int] = None
    dead_volume_nl: Optional[int] = None
    resound_ms: Optional[int] = None
    days_to_low_reservoir: Optional[int] = None          # 2**32 - 1: never (no use)
    days_to_low_reservoir_max_use: Optional[int] = None  # every allowed patient bolus taken
    refill_ms: Optional[int] = None                      # time of the last refill (0 before one)
    days_to_drug_expiry: Optional[int] = None            # 2**32 - 1: no stability time

    @classmethod
    def from_frame(cls, frame: Any, own: bool = False) -> "Status":
        """The Status a STATUS frame carries. ``own``: the caller hands over the
        frame's field dict (no one else holds the frame): it becomes the
        record's own instance dict instead of being copied."""
        fields = frame.fields
        if fields.keys() != _STATUS_FIELD_NAMES:
            # Not exactly the STATUS fields: the dataclass constructor says what is wrong.
            return cls(seq=frame.seq, unsolicited=frame.kind == P.KIND_UNSOLICITED, **fields)
        # The hot path of every status(): a frozen dataclass's __init__ sets each
        # attribute through object.__setattr__; filling the instance dict in one
        # update gives the same object (same fields, eq, hash, repr). The fields
        # after ``unsolicited`` keep their class defaults (None).
        status = _new_object(cls)
        if own:
            _set_attr(status, "__dict__", fields)
            attrs = fields
        else:
            attrs = status.__dict__
            attrs.update(fields)
        # Members straight from each enum's value map (what calling the enum
        # looks up first); a value not there (an unknown code, a new alarm
        # combination) takes the call, which gives the same object.
        value = fields["state"]
        member = _STATE_MAP.get(value)
        attrs["state"] = _code(V.State, value) if member is None else member
        value = fields["alarms"]
        member = _ALARM_MAP.get(value)
        attrs["alarms"] = V.Alarm(value) if member is None else member
        value = fields["unacked_alarms"]
        member = _ALARM_MAP.get(value)
        attrs["unacked_alarms"] = V.Alarm(value) if member is None else member
        value = fields["bolus_kind"]
        member = _BOLUS_MAP.get(value)
        attrs["bolus_kind"] = _code(V.BolusKind, value) if member is None else member
        value = fields["drug"]
        member = _DRUG_MAP.get(value)
        attrs["drug"] = _code(V.Drug, value) if member is None else member
        attrs["seq"] = frame.seq
        attrs["unsolicited"] = frame.kind == P.KIND_UNSOLICITED
        return status

    @classmethod
    def from_fields(cls, source: Any) -> "Status":
        """From a STATUS frame's field dict (a recording), or an object with these
        attributes, keeping only what a STATUS frame carries."""
        if isinstance(source, cls):
            return source
        get = source.get if isinstance(source, dict) else (lambda name: getattr(source, name))
        return cls(**{name: int(get(name)) for name in _STATUS_FIELD_ORDER})

    def __post_init__(self) -> None:
        # The constructor path (the core, from_fields, tests): the codes as the
        # vocabulary's enums, as from_frame gives them.
        put = object.__setattr__
        put(self, "state", _code(V.State, self.state))
        put(self, "alarms", V.Alarm(int(self.alarms)))
        put(self, "unacked_alarms", V.Alarm(int(self.unacked_alarms)))
        put(self, "bolus_kind", _code(V.BolusKind, self.bolus_kind))
        put(self, "drug", _code(V.Drug, self.drug))

    @property
    def state_name(self) -> str:
        return state_name(self.state)

    @property
    def alarm_names(self) -> List[str]:
        return alarm_names(self.alarms)

    @property
    def bolus_name(self) -> str:
        return bolus_name(self.bolus_kind)

    def to_json(self) -> Dict[str, Any]:
        """The ``pyemu ctl --json status`` object: readable units first, exact integers after."""
        return {
            "sim_time_s": self.now_ms / 1000,
            "state": self.state_name,
            "rate_ul_per_h": round(self.rate_nl_day / 24_000, 6),
            "basal_ul_per_h": round(self.basal_nl_day / 24_000, 6),
            "reservoir_ul": self.reservoir_nl / 1000,
            "pumped_ul": self.pumped_nl / 1000,
            "delivered_ug": self.delivered_pg / 1_000_000,
            "battery_pct": self.battery_permille / 10,
            "days_to_eri": self.days_to_eri,
            "alarms": self.alarm_names,
            "unacked_alarms": alarm_names(self.unacked_alarms),
            "bolus": self.bolus_name,
            "bolus_remaining_ul": self.bolus_remaining_nl / 1000,
            "drug": drug_name(self.drug),
            "conc_ug_per_ml": self.conc_ug_ml,
            "dose_24h_ug": self.dose_24h_ug,
            "last_event_seq": self.last_event_seq,
            "now_ms": self.now_ms,
            "rate_nl_per_day": self.rate_nl_day,
            "basal_nl_per_day": self.basal_nl_day,
            "reservoir_nl": self.reservoir_nl,
            "pumped_nl": self.pumped_nl,
            "delivered_pg": self.delivered_pg,
            "battery_nc": self.battery_nc,
            "battery_permille": self.battery_permille,
        }


#: The fields a STATUS frame carries, in frame order.
_STATUS_FIELD_ORDER = tuple(f.name for f in dataclasses.fields(Status))[:18]
_STATUS_FIELD_NAMES = frozenset(_STATUS_FIELD_ORDER)


_MRI_STATES = {0: "none", 1: "scanning", 2: "waiting_recovery"}

#: The options each plant fault takes (CLI --option / scenario field names).
PLANT_FAULT_OPTIONS: Dict[str, frozenset] = {
    "flow_error": frozenset({"percent", "drift_to", "over"}),
    "leak": frozenset({"percent"}),
    "occlusion": frozenset({"stall_after"}),
    "disconnect": frozenset(),
    "pocket_fill": frozenset(),
    "mri": frozenset({"duration", "recovery", "delay"}),
}


# The plant's limits (firmware/plant/plant.h; tests/host/test_cli_plant.py checks the two agree).
# The pump checks them; these name them in a usage error or beside its bad_field refusal.
PLANT_FACTOR_MAX_PPM = 2_000_000       # flow factor: +100 %
PLANT_STALL_AFTER_MAX = 10_000         # strokes
PLANT_MRI_MIN_MS = 60_000              # 1 min
PLANT_MRI_MAX_MS = 86_400_000          # 24 h
PLANT_MRI_DELAY_MAX_MS = 604_800_000   # 7 days
PLANT_DRIFT_MIN_MS = 86_400_000        # 1 day; the most is the u32 field's, 49 days and 17 h
_U32_MAX = 0xFFFFFFFF


def plant_fault_accepts(kind: str, spell: Callable[[str], str] = str, clear: str = "clear_fault mri") -> str:
    """What the pump accepts for a plant fault, in the options' words (spelled by ``spell``;
    ``clear``: how the caller clears a scan): the text beside its bad_field refusal, which
    names no option."""
    if kind == "flow_error":
        return (f"{spell('percent')} -100 to +100 % (0 % is no flow error: clear the fault instead); "
                f"a drift: {spell('drift_to')} -100 to +100 % {spell('over')} 1d to 49d")
    if kind == "leak":
        return f"{spell('percent')} more than 0 and less than 100 % (100 %: disconnect)"
    if kind == "occlusion":
        return f"{spell('stall_after')} 0 to {PLANT_STALL_AFTER_MAX} strokes (0: never stalls)"
    if kind == "mri":
        return (f"{spell('duration')} 1min to 24h; {spell('delay')} 1min to 7d with {spell('recovery')} delay; "
                f"one scan at a time: a scan under way or waiting for its recovery is cleared first ({clear})")
    return "no options"


def _ppm(percent: Any, what: str) -> int:
    """A percentage (Fraction, int or exact decimal) -> ppm, exactly, or ValueError."""
    from fractions import Fraction
    ppm = Fraction(percent) * 10_000
    if ppm.denominator != 1:
        raise ValueError(f"{what} {percent} % is finer than 1 ppm (0.0001 %)")
    return int(ppm)


def _fits(value: int, option: str, accepted: str, spell: Callable[[str], str]) -> None:
    """ValueError in the option's words when value cannot travel in PLANT_FAULT's u32 field
    (the pump checks the tighter range named by ``accepted``)."""
    if not 0 <= value <= _U32_MAX:
        raise ValueError(f"{spell(option)}: {accepted}")


def plant_fault_fields(kind: str, spell: Callable[[str], str] = str, **options: Any) -> Dict[str, int]:
    """PLANT_FAULT's fields (value, target, duration_ms, delay_ms) from a fault's options.

    Options (None = not given): ``percent`` (flow_error: error, +20 = 20 % more
    than commanded; leak: fraction lost), ``drift_to`` (percent) and ``over``
    (ms) for a drifting flow error, ``stall_after`` (strokes) for an
    occlusion, ``duration`` and ``delay`` (ms) and ``recovery`` (immediate,
    delay, interrogation; default interrogation) for mri. ValueError names an
    option that does not apply or is missing, or a value PLANT_FAULT's fields
    cannot carry (a negative leak), spelled by ``spell`` (the CLI: ``--drift-to``);
    the tighter ranges are the pump's to check (:func:`plant_fault_accepts` names them).
    """
    given = {k for k, v in options.items() if v is not None}
    allowed = PLANT_FAULT_OPTIONS.get(kind)
    if allowed is None:
        raise ValueError(f"{kind!r} is not a fault of the physical plant ({', '.join(PLANT_FAULT_OPTIONS)})")
    extra = given - allowed
    if extra:
        takes = f" (it takes: {', '.join(spell(n) for n in sorted(allowed))})" if allowed else ""
        raise ValueError(f"{', '.join(spell(n) for n in sorted(extra))} do(es) not apply to {kind}{takes}")
    o = options
    if kind == "flow_error":
        if o.get("percent") is None:
            raise ValueError(f"flow_error needs {spell('percent')} (e.g. +20)")
        value = 1_000_000 + _ppm(o["percent"], "flow error")
        if (o.get("drift_to") is None) != (o.get("over") is None):
            raise ValueError(f"a drifting flow error needs both {spell('drift_to')} (percent) and "
                             f"{spell('over')} (a duration)")
        _fits(value, "percent", "a flow error of -100 to +100 %", spell)
        if o.get("drift_to") is None:
            return {"value": value}
        target = 1_000_000 + _ppm(o["drift_to"], spell("drift_to"))
        _fits(target, "drift_to", "a flow error of -100 to +100 %", spell)
        _fits(int(o["over"]), "over", "1 day to 49 days", spell)
        return {"value": value, "target": target, "duration_ms": int(o["over"])}
    if kind == "leak":
        if o.get("percent") is None:
            raise ValueError(f"leak needs {spell('percent')} (e.g. 50)")
        value = _ppm(o["percent"], "leak")
        _fits(value, "percent", "a leak of more than 0 and less than 100 %", spell)
        return {"value": value}
    if kind == "occlusion":
        value = int(o.get("stall_after") or 0)
        _fits(value, "stall_after", f"0 to {PLANT_STALL_AFTER_MAX} strokes", spell)
        return {"value": value}
    if kind == "mri":
        if o.get("duration") is None:
            raise ValueError(f"mri needs {spell('duration')} (the scan, e.g. 45min)")
        recovery = o.get("recovery") or "interrogation"
        if (recovery == "delay") != (o.get("delay") is not None):
            raise ValueError(f"{spell('recovery')} delay goes with {spell('delay')} (a duration), "
                             f"and {spell('delay')} only with it")
        _fits(int(o["duration"]), "duration", "a scan of 1min to 24h", spell)
        _fits(int(o.get("delay") or 0), "delay", "1min to 7d", spell)
        return {"value": int(V.lookup(V.MriRecovery, recovery)[0]), "duration_ms": int(o["duration"]),
                "delay_ms": int(o.get("delay") or 0)}
    return {}


@dataclass(frozen=True)
class Truth:
    """The physical plant (TRUTH, test features only): what the firmware cannot see.

    Exact integers (nL, pg, ppm); the firmware's own belief is :class:`Status`.
    """

    now_ms: int
    reservoir_nl: int
    conc_ug_ml: int
    intrathecal_pg: int
    tissue_pg: int
    held_pg: int
    moved_nl: int
    catheter: int
    factor_ppm: int
    leak_ppm: int
    pocket_fill: int
    mri: int
    faults: int

    @classmethod
    def from_frame(cls, frame: Any) -> "Truth":
        return cls(**{f.name: int(frame.fields[f.name]) for f in dataclasses.fields(cls)})

    @property
    def catheter_name(self) -> str:
        return V.user_name(V.Catheter(self.catheter))

    @property
    def fault_names(self) -> List[str]:
        return [V.user_name(f) for f in V.Fault if f and self.faults & (1 << int(f))]

    @property
    def mri_name(self) -> str:
        """none, scanning or waiting_recovery (the scan is over, the motor waits for its rule)."""
        return _MRI_STATES.get(self.mri, str(self.mri))

    def to_json(self) -> Dict[str, Any]:
        """The ``pyemu ctl --json truth`` object: readable units first, exact integers after."""
        return {
            "sim_time_s": self.now_ms / 1000,
            "reservoir_ul": self.reservoir_nl / 1000,
            "intrathecal_ug": self.intrathecal_pg / 1_000_000,
            "tissue_ug": self.tissue_pg / 1_000_000,
            "held_ug": self.held_pg / 1_000_000,
            "moved_ul": self.moved_nl / 1000,
            "catheter": self.catheter_name,
            "flow_error_pct": (self.factor_ppm - 1_000_000) / 10_000,
            "leak_pct": self.leak_ppm / 10_000,
            "pocket_fill": bool(self.pocket_fill),
            "mri": self.mri_name,
            "faults": self.fault_names,
            "conc_ug_per_ml": self.conc_ug_ml,
            "now_ms": self.now_ms,
            "reservoir_nl": self.reservoir_nl,
            "intrathecal_pg": self.intrathecal_pg,
            "tissue_pg": self.tissue_pg,
            "held_pg": self.held_pg,
            "moved_nl": self.moved_nl,
            "factor_ppm": self.factor_ppm,
            "leak_ppm": self.leak_ppm,
        }


@dataclass(frozen=True)
class Hello:
    """HELLO_INFO: who the device is."""

    protocol_version: int
    schema_crc: int
    model: str
    serial: int
    fw_major: int
    fw_minor: int
    fw_patch: int
    capabilities: int
    clock_mode: int
    clock_speed: int
    reservoir_capacity_nl: int
    max_payload: int

    @property
    def firmware(self) -> str:
        return f"{self.fw_major}.{self.fw_minor}.{self.fw_patch}"

    @property
    def capability_names(self) -> List[str]:
        return [n.lower() for n, bit in P.ENUMS["capability_bits"].items() if self.capabilities & bit]

    @property
    def clock_name(self) -> str:
        for name, value in P.ENUMS["clock_mode"].items():
            if value == self.clock_mode:
                return name.lower()
        return f"mode_{self.clock_mode}"

    @property
    def schema_matches(self) -> bool:
        return self.schema_crc == P.SCHEMA_CRC

    def to_json(self) -> Dict[str, Any]:
        return {
            "model": self.model, "serial": self.serial, "firmware": self.firmware,
            "protocol_version": self.protocol_version, "schema_crc": f"0x{self.schema_crc:08X}",
            "schema_matches": self.schema_matches, "capabilities": self.capability_names,
            "clock": self.clock_name, "clock_speed": self.clock_speed,
            "reservoir_capacity_ul": self.reservoir_capacity_nl / 1000,
            "max_payload": self.max_payload,
        }


@dataclass(frozen=True)
class Alarm:
    """An unsolicited ALARM frame: the alarm set changed."""

    now_ms: int
    alarms: int
    unacked_alarms: int
    raised: int
    cleared: int
    seq: int = 0

    def to_json(self) -> Dict[str, Any]:
        return {
            "sim_time_s": self.now_ms / 1000, "alarms": alarm_names(self.alarms),
            "unacked_alarms": alarm_names(self.unacked_alarms),
            "raised": alarm_names(self.raised), "cleared": alarm_names(self.cleared),
        }


@dataclass(frozen=True)
class Event:
    """One entry of the pump's event log (data0/data1 per kind: pump.h)."""

    seq: int
    time_ms: int
    kind: V.EventKind
    data0: int
    data1: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _code(V.EventKind, self.kind))

    @property
    def kind_name(self) -> str:
        return event_kind_name(self.kind)

    def describe(self) -> str:
        """One short line a clinician can read (data meanings follow pump.h / pump.c)."""
        k, d0, d1 = self.kind_name, self.data0, self.data1
        bolus = _BOLUS_KINDS.get(d0, str(d0))
        if k == "BOLUS_START":
            return f"{bolus} bolus started, {_volume(d1)}"
        if k == "BOLUS_END":
            return f"{bolus} bolus ended"
        if k == "BOLUS_CANCELLED":
            return f"{bolus} bolus cancelled" + (f" ({short_reason(d1)})" if d1 else "")
        if k == "BOLUS_REFUSED":
            return f"{bolus} bolus refused ({short_reason(d1)})"
        if k == "PATIENT_GRANTED":
            return f"patient bolus granted (#{d0} in 24 h), {_volume(d1)}"
        if k == "PATIENT_DENIED":
            return f"patient bolus refused ({short_reason(d1)})"
        if k in ("PRESCRIBE_REFUSED", "REFILL_REFUSED"):
            return f"{k.split('_')[0].lower()} refused ({short_reason(d1)})"
        if k == "PRESCRIBED":
            return f"prescription programmed: {_number(d0 / 1_000_000)} mL/day, limit {d1} ug/24 h"
        if k == "REFILL":
            return f"refilled with {_volume(d0)}, {_volume(d1)} discarded"
        if k in ("ALARM_RAISED", "ALARM_CLEARED", "ALARM_ACKED"):
            verb = {"ALARM_RAISED": "ALARM", "ALARM_CLEARED": "alarm cleared:",
                    "ALARM_ACKED": "alarm acknowledged:"}[k]
            critical = " (critical)" if k == "ALARM_RAISED" and d0 & _CRITICAL_ALARMS else ""
            return f"{verb} {' '.join(alarm_names(d0)).replace('_', ' ')}{critical}"
        if k in ("FAULT_INJECTED", "FAULT_CLEARED"):
            fault = V.user_name(V.Fault(d0)) if d0 in V.Fault._value2member_map_ else str(d0)
            return f"fault {fault} {k.split('_')[1].lower()}"
        if k in ("PLANT_FAULT", "PLANT_CLEARED"):
            fault = V.user_name(V.Fault(d0)) if d0 in V.Fault._value2member_map_ else str(d0)
            return f"test bench: plant fault {fault} {'injected' if k == 'PLANT_FAULT' else 'cleared'}"
        if k in ("MRI_ENDED", "MRI_RECOVERED"):
            rule = (V.user_name(V.MriRecovery(d0)) if d0 in V.MriRecovery._value2member_map_ else str(d0))
            if k == "MRI_ENDED":
                return f"test bench: MRI scan ended after {d1} min; motor stalled until recovery ({rule})"
            return f"test bench: motor runs again after the MRI ({rule}, {d1} min after the scan)"
        if k == "SUSPENDED" and d0:
            return f"suspended ({short_reason(d0)})"
        if k == "INIT":
            return f"pump initialised (serial {d0}, {_volume(d1)} reservoir)"
        if k == "RESET":
            return "restarted from saved state"
        if k == "SECURITY":
            msg = P.MESSAGES_BY_ID[d1 & 0xFF].name if (d1 & 0xFF) in P.MESSAGES_BY_ID else str(d1 & 0xFF)
            role = {1: ", clinician session", 2: ", patient session"}.get((d1 >> 8) & 0xFF, "")
            more = f", {d1 >> 16} more since the last entry" if d1 >> 16 else ""
            return f"security: {msg} refused ({V.reason_name(d0)}{role}){more}"
        return k.lower().replace("_", " ")

    def to_json(self) -> Dict[str, Any]:
        return {"seq": self.seq, "sim_time_s": self.time_ms / 1000, "kind": self.kind_name.lower(),
                "data0": self.data0, "data1": self.data1, "text": self.describe()}


@dataclass(frozen=True)
class Step:
    """One step of a daily schedule: from ``start_min`` (minute of day) on, ``value``."""

    start_min: int
    value: int


@dataclass(frozen=True)
class PatientBolus:
    """Patient-bolus settings of a prescription."""

    volume_nl: int
    duration_ms: int
    lockout_ms: int
    max_per_24h: int


@dataclass(frozen=True)
class RateStep:
    """One step of a prescription's daily schedule: from minute of day ``start_min``, ``rate_nl_day``."""

    start_min: int
    rate_nl_day: int


@dataclass(frozen=True)
class Prescription:
    """A prescription, as every pump takes it (pump_prescription_t; on the wire PRESCRIBE
    with rates). ``drug``/``conc_ug_ml`` must match the reservoir."""

    drug: V.Drug
    conc_ug_ml: int
    steps: Tuple[RateStep, ...]
    max_dose_ug_24h: int
    low_reservoir_nl: int = LOW_RESERVOIR_DEFAULT_NL
    pb_enabled: bool = False
    pb_volume_nl: int = 0
    pb_duration_ms: int = 0
    pb_lockout_ms: int = 0
    pb_max_per_24h: int = 0

    def __post_init__(self) -> None:
        # a drug by name ("baclofen") or code, held as the vocabulary's Drug;
        # anything else stays as given for the pump to refuse (TypeError, ARG)
        drug = self.drug
        if isinstance(drug, str):
            drug = drug_code(drug)
        if isinstance(drug, int) and not isinstance(drug, bool):
            object.__setattr__(self, "drug", _code(V.Drug, drug))

    @classmethod
    def simple(cls, drug: Union[V.Drug, str, int], conc_ug_ml: int, rate_nl_day: int,
               max_dose_ug_24h: int, **patient: int) -> "Prescription":
        """A continuous rate; keyword arguments set the low threshold / patient bolus fields."""
        return cls(V.Drug(drug_code(drug)), conc_ug_ml, (RateStep(0, rate_nl_day),),
                   max_dose_ug_24h, **patient)

    @property
    def daily_volume_nl(self) -> int:
        """Volume the schedule delivers per day (floor), as the core computes it."""
        total = 0
        for i, s in enumerate(self.steps):
            end = self.steps[i + 1].start_min if i + 1 < len(self.steps) else 1440
            total += s.rate_nl_day * (end - s.start_min)
        return total // 1440


@dataclass(frozen=True)
class Reconciliation:
    """Refill reconciliation (pump_reconcile_t, on the wire REFILL_RESULT): what the pump
    expected in the reservoir, what the clinician withdrew, and the verdict: 0 within
    tolerance, 1 possible over-infusion (less withdrawn), 2 possible under-infusion/occlusion."""

    expected_nl: int
    withdrawn_nl: int
    discrepancy_nl: int     # |withdrawn - expected|
    delivered_nl: int       # pumped since the previous refill
    tolerance_nl: int       # min(ceil(14.5 % of delivered), 1 mL / 2 mL)
    verdict: int            # index into VERDICTS

    @property
    def verdict_name(self) -> str:
        return VERDICTS[self.verdict] if 0 <= self.verdict < len(VERDICTS) else f"verdict_{self.verdict}"

    def to_json(self) -> Dict[str, Any]:
        """The ``pyemu ctl --json refill --withdrawn`` object (uL, exact nL after)."""
        return {
            "expected_ul": self.expected_nl / 1000,
            "withdrawn_ul": self.withdrawn_nl / 1000,
            "discrepancy_ul": self.discrepancy_nl / 1000,
            "signed_discrepancy_ul": (self.withdrawn_nl - self.expected_nl) / 1000,
            "tolerance_ul": self.tolerance_nl / 1000,
            "delivered_ul": self.delivered_nl / 1000,
            "verdict": self.verdict_name,
            "expected_nl": self.expected_nl,
            "withdrawn_nl": self.withdrawn_nl,
            "discrepancy_nl": self.discrepancy_nl,
            "tolerance_nl": self.tolerance_nl,
            "delivered_nl": self.delivered_nl,
        }


@dataclass(frozen=True)
class StatusExt:
    """What STATUS does not carry (STATUS_EXT + DRUG_STATUS): the implant configuration,
    the alarm re-sound interval, the refill projection and the drug's stability."""

    now_ms: int
    dead_volume_nl: int
    resound_ms: int
    days_to_low_reservoir: int           # NEVER_DAYS: never
    days_to_low_reservoir_max_use: int   # every allowed patient bolus taken
    drug: int
    refill_ms: int                       # time of the last refill (0 before one)
    stability_days: int                  # drug library; 0 = none
    days_to_drug_expiry: int             # NEVER_DAYS: no stability time

    def to_json(self) -> Dict[str, Any]:
        return {
            "dead_volume_ul": self.dead_volume_nl / 1000,
            "resound_h": self.resound_ms / 3_600_000,
            "days_to_low_reservoir": _days(self.days_to_low_reservoir),
            "days_to_low_reservoir_max_use": _days(self.days_to_low_reservoir_max_use),
            "last_refill_s": self.refill_ms / 1000,
            "drug_stability_days": self.stability_days or None,
            "days_to_drug_expiry": _days(self.days_to_drug_expiry),
            "dead_volume_nl": self.dead_volume_nl,
            "resound_ms": self.resound_ms,
        }


Unsolicited = Union[Status, Alarm]
