"""Typed Python API over the C dosing core (``firmware/core/pump.h``).

`Pump` wraps one ``pump_t``; the dataclasses (`Config`, `Prescription`,
`Step`, `Status`, `Event`, `Balance`) and enums (`Drug`, `Alarm`, `State`,
`EventKind`, `BolusKind`, `Fault`, `Reason`, from the generated
:mod:`pyemu.protocol.vocabulary`) are plain Python, so users of this module
never see cffi objects. Every refusal of the core raises
`PumpError` carrying the C reason code, its name and a readable message;
`REASONS` maps each code to ``(name, text)`` because the wire protocol's NAK
reasons reuse these codes. Units are the core's: nL, nL/day, µg/mL, pg, ms, nC.
The semantics (rounding, stroke timing, the 24-h limit, alarms) are written
once, in pump.h; this module adds no behaviour of its own.
"""
from __future__ import annotations

import dataclasses
from typing import Optional, Sequence

from pyemu._core import ffi, lib
# The enums are the pump's vocabulary (protocol/vocabulary.json), generated;
# tests/protocol/test_vocabulary.py checks them against this extension's C.
from pyemu.protocol import vocabulary as V
from pyemu.protocol.vocabulary import Alarm, BolusKind, Drug, EventKind, Fault, Reason, State
from pyemu.pump import names as _names
from pyemu.pump.errors import Refusal
# The records are the ones every pump returns (pyemu.pump.records): the
# wire client gives the same Status, Event, Prescription and Reconciliation.
from pyemu.pump.records import Event, Prescription, Reconciliation, Status, StatusExt, Truth
from pyemu.pump.records import RateStep as Step

__all__ = [
    "Alarm", "Balance", "BolusKind", "Config", "Drug", "Event", "EventKind", "Fault",
    "Prescription", "Pump", "PumpError", "REASONS", "Reason", "State", "Status", "Step",
    "dose_to_rate", "MS_PER_DAY", "NEVER",
]

MS_PER_DAY: int = int(lib.PUMP_MS_PER_DAY)
NEVER: int = 2**64 - 1        # pump_next_stroke_ms's "no stroke coming"
_U32 = 2**32 - 1
_U64 = 2**64 - 1


#: code -> (name, human-readable text), straight from the C tables.
REASONS: dict[int, tuple[str, str]] = {
    code: (ffi.string(lib.pump_result_name(code)).decode(),
           ffi.string(lib.pump_result_text(code)).decode())
    for code in range(int(lib.PUMP_RESULT_COUNT))
}


_NO_PLANT = ("the physical plant runs in the device: use the emulator or a board "
             "(pyemu serve --test-features), not the bare core")


class PumpError(Refusal):
    """A refusal by the dosing core. The pump's dosing state is unchanged."""

    def __init__(self, reason_code: int, message: Optional[str] = None) -> None:
        name, text = REASONS.get(reason_code, ("UNKNOWN", "unknown reason code"))
        self.reason_code = reason_code
        self.reason_name = name
        self.message = message or text
        self.text = self.message
        super().__init__(f"{name} ({reason_code}): {self.message}")

    def __reduce__(self):
        # Rebuild from the code and message, so the error survives pickling
        # (process pools, Dask workers) with its reason intact.
        return (type(self), (self.reason_code, self.message))

    @property
    def reason(self) -> Optional[Reason]:
        """The code as a `Reason`, or None for a code this module does not know."""
        try:
            return Reason(self.reason_code)
        except ValueError:
            return None


def _drug(drug: Drug | int | str) -> int:
    """A drug by name (``baclofen``) or code, as its code."""
    return _names.drug_code(drug) if isinstance(drug, str) else drug


def _fault(fault: Fault | int | str) -> int:
    """A fault by name (``motor_stall``) or code, as its code."""
    return int(V.lookup(Fault, fault)[0]) if isinstance(fault, str) else fault


def _check(code: int) -> None:
    if code != 0:
        raise PumpError(int(code))


def _uint(name: str, value: int, top: int) -> int:
    """Range-check an integer argument before it reaches C (cffi would raise OverflowError)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if not 0 <= value <= top:
        raise PumpError(int(Reason.ARG), f"{name}={value} does not fit the core's unsigned field")
    return value


@dataclasses.dataclass(frozen=True)
class Config:
    """Factory settings of one pump (pump_config_t). Defaults come from the C core."""
    serial: int = 1
    reservoir_capacity_nl: int = int(lib.PUMP_CAPACITY_20ML)
    stroke_nl: int = int(lib.PUMP_DEFAULT_STROKE_NL)
    dead_volume_nl: int = int(lib.PUMP_DEFAULT_DEAD_VOLUME_NL)
    battery_capacity_nc: int = int(lib.PUMP_DEFAULT_BATTERY_NC)
    quiescent_ua: int = int(lib.PUMP_DEFAULT_QUIESCENT_UA)
    stroke_nc: int = int(lib.PUMP_DEFAULT_STROKE_NC)
    telemetry_byte_nc: int = int(lib.PUMP_DEFAULT_TELEMETRY_BYTE_NC)
    tone_ua: int = int(lib.PUMP_DEFAULT_TONE_UA)
    eri_days: int = int(lib.PUMP_DEFAULT_ERI_DAYS)

    def _to_c(self) -> "ffi.CData":
        c = ffi.new("pump_config_t *")
        for f in dataclasses.fields(self):
            top = _U64 if f.name == "battery_capacity_nc" else _U32
            setattr(c, f.name, _uint(f.name, getattr(self, f.name), top))
        return c

    @classmethod
    def _from_c(cls, c: "ffi.CData") -> "Config":
        return cls(**{f.name: int(getattr(c, f.name)) for f in dataclasses.fields(cls)})


def _rx_to_c(self: Prescription) -> "ffi.CData":
    """A Prescription as a pump_prescription_t (PumpError if a field does not fit)."""
    c = ffi.new("pump_prescription_t *")
    if not 1 <= len(self.steps) <= int(lib.PUMP_MAX_STEPS):
        raise PumpError(int(Reason.STEPS), f"{len(self.steps)} steps: need 1 to 24")
    c.drug = _uint("drug", int(self.drug), 0xFFFF)
    c.conc_ug_ml = _uint("conc_ug_ml", self.conc_ug_ml, _U32)
    c.n_steps = len(self.steps)
    for i, s in enumerate(self.steps):
        c.steps[i].start_min = _uint("start_min", s.start_min, _U32)
        c.steps[i].rate_nl_day = _uint("rate_nl_day", s.rate_nl_day, _U32)
    c.max_dose_ug_24h = _uint("max_dose_ug_24h", self.max_dose_ug_24h, _U32)
    c.low_reservoir_nl = _uint("low_reservoir_nl", self.low_reservoir_nl, _U32)
    c.pb_enabled = 1 if self.pb_enabled else 0
    c.pb_volume_nl = _uint("pb_volume_nl", self.pb_volume_nl, _U32)
    c.pb_duration_ms = _uint("pb_duration_ms", self.pb_duration_ms, _U32)
    c.pb_lockout_ms = _uint("pb_lockout_ms", self.pb_lockout_ms, _U32)
    c.pb_max_per_24h = _uint("pb_max_per_24h", self.pb_max_per_24h, 0xFF)
    return c


def _rx_from_c(c: "ffi.CData") -> Prescription:
    return Prescription(
        drug=Drug(c.drug), conc_ug_ml=int(c.conc_ug_ml),
        steps=tuple(Step(int(c.steps[i].start_min), int(c.steps[i].rate_nl_day))
                    for i in range(c.n_steps)),
        max_dose_ug_24h=int(c.max_dose_ug_24h), low_reservoir_nl=int(c.low_reservoir_nl),
        pb_enabled=bool(c.pb_enabled), pb_volume_nl=int(c.pb_volume_nl),
        pb_duration_ms=int(c.pb_duration_ms), pb_lockout_ms=int(c.pb_lockout_ms),
        pb_max_per_24h=int(c.pb_max_per_24h),
    )


@dataclasses.dataclass(frozen=True)
class Balance:
    """Exact volume and mass accounts (pump_balance_t)."""
    filled_nl: int
    discarded_nl: int
    pumped_nl: int
    reservoir_nl: int
    pumped_pg: int
    delivered_pg: int
    in_catheter_pg: int
    catheter_discarded_pg: int = 0


def dead_volume_from_catheter(length_mm: int, nl_per_cm: int, tubing_nl: int) -> int:
    """Dead volume of a trimmed catheter plus pump tubing, as the core computes it."""
    out = ffi.new("uint32_t *")
    _check(lib.pump_dead_volume_from_catheter(_uint("length_mm", length_mm, _U32),
                                              _uint("nl_per_cm", nl_per_cm, _U32),
                                              _uint("tubing_nl", tubing_nl, _U32), out))
    return int(out[0])


def dose_to_rate(dose_ug_day: int, conc_ug_ml: int) -> int:
    """µg/day at conc µg/mL -> nL/day, rounded to nearest as the core does."""
    out = ffi.new("uint32_t *")
    _check(lib.pump_dose_to_rate(_uint("dose_ug_day", dose_ug_day, _U32),
                                 _uint("conc_ug_ml", conc_ug_ml, _U32), out))
    return int(out[0])


class Pump:
    """One emulated pump: the C core's pump_t plus a Pythonic face.

    Every method maps to one pump.h function. ``_p`` is the ``pump_t *``;
    pyemu.host.device builds a Pump view on the device's own pump by setting it,
    so the attribute name is part of the package's internal contract.
    """

    def __init__(self, config: Optional[Config] = None) -> None:
        """A new pump at t=0: empty reservoir, no prescription (PumpError CONFIG if out of range)."""
        self._p = ffi.new("pump_t *")
        _check(lib.pump_init(self._p, (config or Config())._to_c()))

    # -- snapshot ---------------------------------------------------------
    @classmethod
    def from_snapshot(cls, data: bytes) -> "Pump":
        """A pump restored from `snapshot()` bytes (PumpError if refused)."""
        pump = cls.__new__(cls)
        pump._p = ffi.new("pump_t *")
        pump.restore(data)
        return pump

    def snapshot(self) -> bytes:
        """The whole state as the core's versioned, CRC-protected image."""
        size = int(lib.pump_snapshot_size())
        buf = ffi.new("uint8_t[]", size)
        n = ffi.new("size_t *")
        _check(lib.pump_snapshot_save(self._p, buf, size, n))
        return bytes(ffi.buffer(buf, n[0]))

    def restore(self, data: bytes) -> None:
        """Replace the state with an image; on refusal the pump is unchanged."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("snapshot must be bytes")
        raw = bytes(data)
        _check(lib.pump_snapshot_load(self._p, raw, len(raw)))

    @staticmethod
    def snapshot_size() -> int:
        return int(lib.pump_snapshot_size())

    # -- time -------------------------------------------------------------
    @property
    def now_ms(self) -> int:
        return self.status().now_ms

    def advance(self, to_ms: int) -> None:
        """Move simulated time to to_ms (never backwards)."""
        _check(lib.pump_advance(self._p, _uint("to_ms", to_ms, _U64)))

    def advance_by(self, delta_ms: int) -> Status:
        """Move simulated time forward by delta_ms; the status after the jump."""
        self.advance(self.now_ms + _uint("delta_ms", delta_ms, _U64))
        return self.status()

    def next_stroke_ms(self) -> Optional[int]:
        """Time of the next stroke attempt, or None if none is coming."""
        t = int(lib.pump_next_stroke_ms(self._p))
        return None if t == NEVER else t

    # -- commands ---------------------------------------------------------
    def prescribe(self, rx: Prescription, confirm_soft_limit: bool = False) -> None:
        """Program the therapy; confirm_soft_limit accepts a 24-h dose limit above the
        drug library's soft limit (logged SOFT_LIMIT_CONFIRMED)."""
        flags = lib.PUMP_RX_CONFIRM_SOFT_LIMIT if confirm_soft_limit else 0
        _check(lib.pump_prescribe_ex(self._p, _rx_to_c(rx), flags))

    def prescription(self) -> Optional[Prescription]:
        c = ffi.new("pump_prescription_t *")
        code = int(lib.pump_get_prescription(self._p, c))
        if code == int(Reason.NO_PRESCRIPTION):
            return None
        _check(code)
        return _rx_from_c(c)

    def clinician_bolus(self, volume_nl: int, duration_ms: int) -> None:
        _check(lib.pump_clinician_bolus(self._p, _uint("volume_nl", volume_nl, _U32),
                                        _uint("duration_ms", duration_ms, _U32)))

    def prime_bolus(self, volume_nl: int = 0, duration_ms: int = 3_600_000) -> None:
        """Prime/bridge bolus; volume 0 = the configured dead volume."""
        _check(lib.pump_prime_bolus(self._p, _uint("volume_nl", volume_nl, _U32),
                                    _uint("duration_ms", duration_ms, _U32)))

    def patient_bolus(self) -> None:
        """A request from the patient's controller (logged granted or denied)."""
        _check(lib.pump_patient_bolus(self._p))

    def cancel_bolus(self) -> None:
        _check(lib.pump_cancel_bolus(self._p))

    def suspend(self) -> None:
        _check(lib.pump_suspend(self._p))

    def resume(self) -> None:
        _check(lib.pump_resume(self._p))

    def refill(self, volume_nl: int, drug: Drug | str, conc_ug_ml: int,
               withdrawn_nl: Optional[int] = None) -> Optional[Reconciliation]:
        """Refill; with ``withdrawn_nl`` (the volume drawn out before filling) the pump
        reconciles it with the volume it expected and returns the record."""
        if withdrawn_nl is not None:
            return self.refill_reconciled(volume_nl, drug, conc_ug_ml, withdrawn_nl)
        _check(lib.pump_refill(self._p, _uint("volume_nl", volume_nl, _U32),
                               _uint("drug", _drug(drug), 0xFFFF),
                               _uint("conc_ug_ml", conc_ug_ml, _U32)))
        return None

    def refill_reconciled(self, volume_nl: int, drug: Drug | str, conc_ug_ml: int,
                          withdrawn_nl: int) -> Reconciliation:
        out = ffi.new("pump_reconcile_t *")
        _check(lib.pump_refill_reconciled(self._p, _uint("volume_nl", volume_nl, _U32),
                                          _uint("drug", _drug(drug), 0xFFFF),
                                          _uint("conc_ug_ml", conc_ug_ml, _U32),
                                          _uint("withdrawn_nl", withdrawn_nl, _U32 - 1), out))
        return Reconciliation(**{f.name: int(getattr(out, f.name))
                                 for f in dataclasses.fields(Reconciliation)})

    def set_alarm_resound(self, interval_ms: int) -> None:
        _check(lib.pump_set_alarm_resound(self._p, _uint("interval_ms", interval_ms, _U32)))

    def configure_implant(self, dead_volume_nl: int = 0, catheter_length_mm: int = 0,
                          catheter_nl_per_cm: int = 0, tubing_nl: int = 0) -> None:
        """Program the implant: the dead volume directly, or a catheter trimmed to
        ``catheter_length_mm`` at ``catheter_nl_per_cm`` plus ``tubing_nl`` (not both:
        ValueError, as the wire's BAD_FIELD)."""
        if catheter_length_mm:
            if dead_volume_nl:
                raise ValueError("give the dead volume or a catheter, not both")
            dead_volume_nl = dead_volume_from_catheter(catheter_length_mm, catheter_nl_per_cm, tubing_nl)
        _check(lib.pump_configure_implant(self._p, _uint("dead_volume_nl", dead_volume_nl, _U32)))

    def status_ext(self) -> StatusExt:
        """The implant configuration, re-sound interval, refill projection and drug expiry."""
        s = self.status()
        lim = lib.pump_drug_limits(int(s.drug))
        return StatusExt(now_ms=s.now_ms, dead_volume_nl=int(s.dead_volume_nl or 0),
                         resound_ms=int(s.resound_ms or 0),
                         days_to_low_reservoir=int(s.days_to_low_reservoir or 0),
                         days_to_low_reservoir_max_use=int(s.days_to_low_reservoir_max_use or 0),
                         drug=int(s.drug), refill_ms=int(s.refill_ms or 0),
                         stability_days=int(lim.stability_days) if lim != ffi.NULL else 0,
                         days_to_drug_expiry=int(s.days_to_drug_expiry or 0))

    def ack_alarm(self, alarms: Alarm | int | Sequence[str]) -> None:
        """Acknowledge alarms, as a bit set or by name (``["low_reservoir"]``)."""
        bits = _names.alarm_bits(alarms) if isinstance(alarms, (list, tuple)) else alarms
        _check(lib.pump_ack_alarm(self._p, _uint("alarms", bits, _U32)))

    def inject_fault(self, fault: Fault | int | str) -> None:
        _check(lib.pump_inject_fault(self._p, _uint("fault", _fault(fault), 0xFF)))

    def clear_fault(self, fault: Fault | int | str) -> None:
        _check(lib.pump_clear_fault(self._p, _uint("fault", _fault(fault), 0xFF)))

    # The physical plant (docs/plant.md) lives in the device, between the core's
    # strokes and the patient: the bare core has none, and says so as a pump does
    # without test features (a refusal with reason unsupported).
    def plant_fault(self, fault: Fault | int | str, *, clear: bool = False, value: int = 0, target: int = 0,
                    duration_ms: int = 0, delay_ms: int = 0) -> None:
        raise PumpError(int(Reason.UNSUPPORTED), _NO_PLANT)

    def truth(self) -> "Truth":
        raise PumpError(int(Reason.UNSUPPORTED), _NO_PLANT)

    def count_telemetry(self, nbytes: int) -> None:
        lib.pump_count_telemetry(self._p, _uint("nbytes", nbytes, _U32))

    def note_reset(self) -> None:
        lib.pump_note_reset(self._p)

    # -- reading ----------------------------------------------------------
    def status(self) -> Status:
        s = ffi.new("pump_status_t *")
        lib.pump_get_status(self._p, s)
        return Status(
            now_ms=int(s.now_ms), state=State(s.state), rate_nl_day=int(s.rate_nl_day),
            basal_nl_day=int(s.basal_nl_day), reservoir_nl=int(s.reservoir_nl),
            pumped_nl=int(s.pumped_nl), delivered_pg=int(s.delivered_pg),
            battery_nc=int(s.battery_nc), battery_permille=int(s.battery_permille),
            days_to_eri=int(s.days_to_eri), alarms=Alarm(s.alarms),
            unacked_alarms=Alarm(s.unacked_alarms), bolus_kind=BolusKind(s.bolus_kind),
            bolus_remaining_nl=int(s.bolus_remaining_nl), drug=Drug(s.drug),
            conc_ug_ml=int(s.conc_ug_ml), dose_24h_ug=int(s.dose_24h_ug),
            last_event_seq=int(s.last_event_seq), strokes=int(s.strokes),
            failed_strokes=int(s.failed_strokes), eri=bool(s.eri), suspended=bool(s.suspended),
            faults=tuple(f for f in (Fault.MOTOR_STALL, Fault.MEMORY) if s.faults & (1 << f)),
            low_reservoir_nl=int(s.low_reservoir_nl),
            next_stroke_ms=None if int(s.next_stroke_ms) == NEVER else int(s.next_stroke_ms),
            dead_volume_nl=int(s.dead_volume_nl), resound_ms=int(s.resound_ms),
            days_to_low_reservoir=int(s.days_to_low_reservoir),
            days_to_low_reservoir_max_use=int(s.days_to_low_reservoir_max_use),
            refill_ms=int(s.refill_ms),
            days_to_drug_expiry=int(s.days_to_drug_expiry),
        )

    def balance(self) -> Balance:
        b = ffi.new("pump_balance_t *")
        lib.pump_get_balance(self._p, b)
        return Balance(**{f.name: int(getattr(b, f.name)) for f in dataclasses.fields(Balance)})

    def events(self, from_seq: int = 0, max: int = int(lib.PUMP_LOG_CAPACITY)) -> list[Event]:
        """Log entries with seq >= from_seq, oldest first, at most max."""
        _uint("from_seq", from_seq, _U32)
        _uint("max", max, _U32)
        n_max = min(max, int(lib.PUMP_LOG_CAPACITY))
        if n_max == 0:
            return []
        out = ffi.new("pump_event_t[]", n_max)
        n = int(lib.pump_read_events(self._p, from_seq, out, n_max, ffi.NULL))
        return [Event(int(e.seq), int(e.time_ms), EventKind(e.kind), int(e.data0), int(e.data1))
                for e in out[0:n]]

    def first_available_seq(self) -> int:
        """Oldest seq the ring still holds (the next seq if it is empty)."""
        first = ffi.new("uint32_t *")
        lib.pump_read_events(self._p, 0, ffi.NULL, 0, first)
        return int(first[0])

    def check(self) -> None:
        """Raise PumpError(SNAPSHOT_INVALID) if any invariant of the state is broken."""
        _check(lib.pump_check(self._p))

    @property
    def config(self) -> Config:
        c = ffi.new("pump_config_t *")
        _check(lib.pump_get_config(self._p, c))
        return Config._from_c(c)

    def __repr__(self) -> str:
        s = self.status()
        return (f"<Pump t={s.now_ms} ms {s.state.name} reservoir={s.reservoir_nl} nL "
                f"alarms={s.alarms!r}>")
