"""The programmer behind the web pages: one pump client, its lock, and what the pages show.

:class:`Programmer` owns one :class:`pyemu.pump.client.Client` (any pump: the
emulator, a QEMU board, a real board) and serialises every request through a
lock, because the web server answers requests on several threads while the
line carries one request at a time. It keeps the status samples the timeline
plot draws, and the therapy last programmed from the page: the protocol has
no message that reads a prescription back, so the review screen's "current"
column shows what the pump's status tells (drug, concentration, programmed
rate) and what this programmer last sent.

Forms are read here, not in the web layer's views, so the rules are testable
without a browser: every value is text as a clinician writes it
(``0.5mL/day``, ``1500ug``, ``10min``), read by :mod:`pyemu.units`, and a
value that does not read raises :class:`FormError` naming the field with the
units module's message.
"""
from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, TypeVar

from pyemu import units
from pyemu.protocol import ENUMS
from pyemu.protocol import vocabulary as V
from pyemu.pump.client import Client, DeviceRefused, Event, Hello, PatientBolus, Status, Step
from pyemu.pump.names import alarm_names, drug_code, drug_name

__all__ = ["FormError", "Therapy", "Refill", "Prime", "Programmer", "therapy_from_form",
           "refill_from_form", "prime_from_form", "Setting", "setting_from_form", "DRUGS", "FAULTS", "SAMPLE_LIMIT"]

T = TypeVar("T")

#: Drugs a clinician may pick (not NONE, the empty pump).
DRUGS: List[str] = [V.user_name(d) for d in V.Drug if d != V.Drug.NONE]

#: Faults the test-features panel offers: every fault of the vocabulary, so
#: faults added to protocol/vocabulary.json appear without touching the page.
FAULTS: List[str] = [V.user_name(f) for f in V.Fault if f != 0]

#: Status samples kept for the plot; past this every other one is dropped
#: (older history gets coarser, memory stays bounded however long it runs).
SAMPLE_LIMIT = 4000


class FormError(ValueError):
    """A form field that cannot be used; the message names the field."""


def _field(form: Mapping[str, str], name: str, label: str, parse: Callable[[str], T],
           default: Optional[str] = None) -> T:
    text = (form.get(name) or "").strip()
    if not text:
        if default is None:
            raise FormError(f"{label}: this field is needed")
        text = default
    try:
        return parse(text)
    except units.UnitError as exc:
        raise FormError(f"{label}: {exc}") from None
    except ValueError as exc:
        raise FormError(f"{label}: {exc}") from None


def _drug(text: str) -> str:
    try:
        return V.user_name(V.Drug(drug_code(text)))
    except (KeyError, ValueError):
        raise ValueError(f"{text!r} is not a drug this pump knows ({', '.join(DRUGS)})") from None


def _whole(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.isdigit() or not low <= int(text) <= high:
            raise ValueError(f"{text!r}: give a whole number {low}..{high}")
        return int(text)
    return parse


def _max_dose(text: str) -> int:
    """``1500ug`` or ``1500ug/day`` (the limit is per rolling 24 h) -> µg."""
    return units.dose_ug_per_day(text) if "/" in text else units.mass_ug(text)


def _schedule(text: str) -> Tuple[List[Tuple[int, int]], bool]:
    """Lines ``HH:MM VALUE`` (or ``HH:MM=VALUE``): all rates or all doses -> (steps, are_doses)."""
    steps: List[Tuple[int, int, bool]] = []
    for number, raw in enumerate(text.replace(",", "\n").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        when, _, value = line.replace("=", " ", 1).partition(" ")
        hours, colon, minutes = when.partition(":")
        if not (colon and hours.isdigit() and minutes.isdigit() and len(minutes) == 2
                and int(hours) < 24 and int(minutes) < 60):
            raise ValueError(f"line {number} {line!r}: start with HH:MM between 00:00 and 23:59, "
                             f"then the rate or dose, e.g. 08:00 0.5mL/day")
        start = int(hours) * 60 + int(minutes)
        value = value.strip()
        try:
            steps.append((start, units.rate_nl_per_day(value), False))
        except units.UnitError as rate_error:
            try:
                steps.append((start, units.dose_ug_per_day(value), True))
            except units.UnitError:
                raise ValueError(f"line {number}: {rate_error}") from None
    if not steps:
        raise ValueError("give one line per step, e.g. 00:00 0.4mL/day and 08:00 0.6mL/day")
    if len({doses for _, _, doses in steps}) != 1:
        raise ValueError("all steps must be rates (mL/day) or all doses (ug/day)")
    steps.sort()
    return [(start, value) for start, value, _ in steps], steps[0][2]


def _small_volume(nl: int) -> str:
    """Bolus-sized volumes in uL (``25uL``), a millilitre and more in mL."""
    return units.format_volume(nl, "uL" if nl < 1_000_000 else "mL")


@dataclass(frozen=True)
class Therapy:
    """A prescription as the page programs it (exact integers in the pump's units)."""

    drug: str
    conc_ug_ml: int
    mode: str                                   # "rate", "dose" or "schedule"
    value: int = 0                              # nL/day (rate) or µg/day (dose)
    steps: Tuple[Tuple[int, int], ...] = ()     # (minute of day, value) for a schedule
    steps_are_doses: bool = False
    max_dose_ug_24h: int = 0
    low_reservoir_nl: int = 0
    patient_bolus: Optional[PatientBolus] = None

    def send(self, client: Client) -> None:
        client.prescribe(
            drug=self.drug, conc_ug_ml=self.conc_ug_ml, max_dose_ug_24h=self.max_dose_ug_24h,
            rate_nl_day=self.value if self.mode == "rate" else None,
            dose_ug_day=self.value if self.mode == "dose" else None,
            steps=[Step(*s) for s in self.steps] if self.mode == "schedule" else None,
            steps_are_doses=self.steps_are_doses,
            low_reservoir_nl=self.low_reservoir_nl, patient_bolus=self.patient_bolus)

    def describe(self) -> Dict[str, str]:
        """The review screen's rows for this therapy: label -> text as clinicians write it."""
        if self.mode == "rate":
            basal = units.format_rate(self.value)
        elif self.mode == "dose":
            basal = f"{self.value} ug/day"
        else:
            unit = "ug/day" if self.steps_are_doses else None
            basal = "; ".join(
                f"{s // 60:02d}:{s % 60:02d} " + (f"{v} {unit}" if unit else units.format_rate(v))
                for s, v in self.steps)
        pb = self.patient_bolus
        return {
            "drug": self.drug,
            "concentration": f"{self.conc_ug_ml} ug/mL",
            "basal": basal,
            "24-hour dose limit": f"{self.max_dose_ug_24h} ug",
            "low-reservoir alarm": units.format_volume(self.low_reservoir_nl),
            "patient bolus": (f"{_small_volume(pb.volume_nl)} over "
                              f"{units.format_duration(pb.duration_ms)}, lockout "
                              f"{units.format_duration(pb.lockout_ms)}, at most {pb.max_per_24h} a day")
                             if pb else "off",
        }


THERAPY_FIELDS = ("drug", "concentration", "mode", "rate", "dose", "schedule", "max_dose",
                  "low_reservoir", "pb_enabled", "pb_volume", "pb_duration", "pb_lockout", "pb_max")


def therapy_from_form(form: Mapping[str, str]) -> Therapy:
    """The therapy form's text fields -> a :class:`Therapy`, or :class:`FormError`."""
    mode = (form.get("mode") or "rate").strip()
    if mode not in ("rate", "dose", "schedule"):
        raise FormError(f"basal: choose rate, dose or daily schedule (not {mode!r})")
    drug = _field(form, "drug", "drug", _drug)
    conc = _field(form, "concentration", "concentration", units.concentration_ug_per_ml)
    value, steps, doses = 0, (), False
    if mode == "rate":
        value = _field(form, "rate", "rate", units.rate_nl_per_day)
    elif mode == "dose":
        value = _field(form, "dose", "dose", units.dose_ug_per_day)
    else:
        listed, doses = _field(form, "schedule", "daily schedule", _schedule)
        steps = tuple(listed)
    pb = None
    if form.get("pb_enabled"):
        pb = PatientBolus(
            volume_nl=_field(form, "pb_volume", "patient bolus volume", units.volume_nl),
            duration_ms=_field(form, "pb_duration", "patient bolus duration", units.duration_ms, "10min"),
            lockout_ms=_field(form, "pb_lockout", "patient bolus lockout", units.duration_ms, "4h"),
            max_per_24h=_field(form, "pb_max", "patient boluses a day", _whole(0, 255), "4"))
    return Therapy(drug=drug, conc_ug_ml=conc, mode=mode, value=value, steps=steps,
                   steps_are_doses=doses,
                   max_dose_ug_24h=_field(form, "max_dose", "24-hour dose limit", _max_dose),
                   low_reservoir_nl=_field(form, "low_reservoir", "low-reservoir alarm",
                                           units.volume_nl, "2mL"),
                   patient_bolus=pb)


@dataclass(frozen=True)
class Refill:
    """A refill; ``withdrawn_nl`` set asks the pump to reconcile (REFILL_RECONCILE)."""

    volume_nl: int
    drug: str
    conc_ug_ml: int
    withdrawn_nl: Optional[int] = None


REFILL_FIELDS = ("volume", "drug", "concentration", "withdrawn")


def refill_from_form(form: Mapping[str, str]) -> Refill:
    withdrawn = None
    if (form.get("withdrawn") or "").strip():
        withdrawn = _field(form, "withdrawn", "volume withdrawn", units.volume_nl)
    return Refill(volume_nl=_field(form, "volume", "volume", units.volume_nl),
                  drug=_field(form, "drug", "drug", _drug),
                  conc_ug_ml=_field(form, "concentration", "concentration", units.concentration_ug_per_ml),
                  withdrawn_nl=withdrawn)


@dataclass(frozen=True)
class Prime:
    """A prime (after implant) or bridge bolus; volume 0 = the pump's configured dead volume."""

    volume_nl: int
    duration_ms: int


PRIME_FIELDS = ("volume", "duration")


def prime_from_form(form: Mapping[str, str]) -> Prime:
    return Prime(volume_nl=_field(form, "volume", "volume", units.volume_nl, "0mL"),
                 duration_ms=_field(form, "duration", "duration", units.duration_ms, "1h"))


@dataclass(frozen=True)
class Setting:
    """One pump setting: ``configure`` (dead volume, nL) or ``resound`` (interval, ms)."""

    kind: str
    value: int

    def describe(self) -> str:
        if self.kind == "configure":
            return units.format_volume(self.value, "uL")
        return units.format_duration(self.value)


SETTING_FIELDS = ("value",)


def setting_from_form(kind: str, form: Mapping[str, str]) -> Setting:
    if kind == "configure":
        return Setting(kind, _field(form, "value", "dead volume", units.volume_nl))
    return Setting(kind, _field(form, "value", "re-sound interval", units.duration_ms))


@dataclass
class Programmer:
    """One pump behind a lock, with the samples and settings the pages show."""

    client: Client
    url: str
    role: Optional[str] = None          # the session's role when the pump has keys
    hello: Optional[Hello] = None
    programmed: Optional[Therapy] = None
    samples: List[Dict[str, Any]] = field(default_factory=list)
    alarm_marks: List[Tuple[float, str]] = field(default_factory=list)
    notes: List[Tuple[float, str]] = field(default_factory=list)
    #: alarm onsets from the event log, by (event seq, alarm): exact to the ms,
    #: where a status sample only shows an alarm when it is next looked at
    logged_alarms: Dict[Tuple[int, str], Tuple[float, str]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    has_projection: bool = True     # False once the pump said it has no GET_STATUS_EXT

    def __post_init__(self) -> None:
        if self.hello is None:
            self.hello = self.call(self.client.hello)

    # -- the line ----------------------------------------------------------------
    def call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one client request (or a few) with the line to itself."""
        with self.lock:
            return method(*args, **kwargs)

    @property
    def test_features(self) -> bool:
        """The pump accepts INJECT_FAULT (served with --test-features)."""
        assert self.hello is not None
        return "fault_injection" in self.hello.capability_names

    @property
    def manual_clock(self) -> bool:
        assert self.hello is not None
        return self.hello.clock_name == "manual"

    def status(self) -> Status:
        with self.lock:
            return self._sample(self.client.status())

    def _sample(self, status: Status) -> Status:
        sample = status.to_json()
        if self.samples and sample["sim_time_s"] < self.samples[-1]["sim_time_s"]:
            # the pump's clock went back (a new pump behind the same URL): a new plot
            self.samples.clear(), self.alarm_marks.clear(), self.notes.clear()
            self.logged_alarms.clear()
        before = set(self.samples[-1]["alarms"]) if self.samples else set()
        self.alarm_marks.extend((sample["sim_time_s"], a) for a in sorted(set(sample["alarms"]) - before))
        if self.samples and self.samples[-1]["sim_time_s"] == sample["sim_time_s"]:
            self.samples[-1] = sample
        else:
            self.samples.append(sample)
        if len(self.samples) > SAMPLE_LIMIT:
            self.samples[:] = self.samples[::2]
        return status

    def status_ext(self) -> Optional[Dict[str, int]]:
        """STATUS_EXT (implant configuration, re-sound interval, refill projection); None from
        a pump without it (older board firmware answers UNSUPPORTED, and is not asked again)."""
        if not self.has_projection:
            return None
        with self.lock:
            try:
                return dict(self.client.request("GET_STATUS_EXT").fields)
            except DeviceRefused as exc:
                if exc.code != int(V.Reason.UNSUPPORTED):
                    raise
                self.has_projection = False
                return None

    def projection(self, ext: Optional[Dict[str, int]] = None) -> Optional[str]:
        """The pump's refill projection (STATUS_EXT) in words; None from a pump without it."""
        fields = ext if ext is not None else self.status_ext()
        if fields is None:
            return None
        never = 0xFFFF_FFFF
        now, most = fields["days_to_low_reservoir"], fields["days_to_low_reservoir_max_use"]
        if now == never:
            return "no projection (no prescription or no use)"
        if now == 0:
            return "due now (reservoir at or below the alarm threshold)"
        text = f"low reservoir in {now} day{'s' if now != 1 else ''}"
        if most != now and most != never:
            text += f" ({most} if every allowed patient bolus is taken)"
        return text

    def events(self, last: int = 25) -> List[Event]:
        """The newest ``last`` entries of the pump's event log, newest first."""
        with self.lock:
            newest = self.client.status().last_event_seq
            if newest == 0:
                return []
            events = list(self.client.read_events(max(1, newest - last + 1)))
            raised = ENUMS["event_kind"]["ALARM_RAISED"]
            for e in events:
                if e.kind == raised:
                    for name in alarm_names(e.data0):
                        self.logged_alarms[e.seq, name] = (e.time_ms / 1000, name)
            return list(reversed(events))

    def plot_marks(self) -> List[Tuple[float, str]]:
        """Alarm onsets for the plot: the event log's times where it was read, else the samples'."""
        logged = sorted(self.logged_alarms.values())
        names = {name for _, name in logged}
        return logged + [m for m in self.alarm_marks if m[1] not in names]

    # -- actions (each samples the status after it, so the plot shows the step) ----
    def program(self, therapy: Therapy) -> None:
        with self.lock:
            therapy.send(self.client)
            self.programmed = therapy
            self._sample(self.client.status())

    def refill(self, refill: Refill) -> Optional[Dict[str, Any]]:
        """Refill; with a withdrawn volume, the reconciliation (REFILL_RESULT) as a dict."""
        with self.lock:
            result = None
            if refill.withdrawn_nl is None:
                self.client.refill(refill.volume_nl, refill.drug, refill.conc_ug_ml)
            else:
                rec = self.client.refill_reconciled(refill.volume_nl, refill.drug, refill.conc_ug_ml,
                                                    refill.withdrawn_nl)
                result = dataclasses.asdict(rec)
                verdicts = {v: k for k, v in ENUMS["refill_verdict"].items()}
                result["verdict_text"] = verdicts.get(rec.verdict, str(rec.verdict)).lower().replace("_", " ")
            status = self._sample(self.client.status())
            self.notes.append((status.now_ms / 1000, "refill"))
            return result

    def configure(self, setting: "Setting") -> None:
        """Implant configuration (dead volume) or the alarm re-sound interval."""
        with self.lock:
            if setting.kind == "configure":
                self.client.configure_implant(setting.value)
            else:
                self.client.set_alarm_resound(setting.value)
            self._sample(self.client.status())

    def prime(self, prime: Prime) -> None:
        with self.lock:
            self.client.prime_bolus(prime.volume_nl, prime.duration_ms)
            self._sample(self.client.status())

    def patient_bolus(self) -> None:
        with self.lock:
            self.client.patient_bolus()
            self._sample(self.client.status())

    def acknowledge(self) -> List[str]:
        """Acknowledge every unacknowledged alarm; returns their names (empty: none)."""
        with self.lock:
            bits = self.client.status().unacked_alarms
            if bits:
                self.client.ack_alarm(bits)
            self._sample(self.client.status())
            return alarm_names(bits)

    def advance(self, delta_ms: int) -> Status:
        with self.lock:
            return self._sample(self.client.advance(delta_ms))

    def fault(self, kind: str, clear: bool) -> None:
        with self.lock:
            self.client.inject_fault(kind, clear=clear)
            self._sample(self.client.status())

    def simple(self, name: str) -> None:
        """suspend, resume or cancel_bolus."""
        if name not in ("suspend", "resume", "cancel_bolus"):
            raise ValueError(name)
        with self.lock:
            getattr(self.client, name)()
            self._sample(self.client.status())

    # -- review ----------------------------------------------------------------------
    def current_rows(self, status: Status) -> Dict[str, str]:
        """The review screen's "current" column: the pump's status, and what this page last sent."""
        told = self.programmed.describe() if self.programmed else {}
        unknown = "not programmed from this page (the pump does not report it)"
        return {
            "drug": drug_name(status.drug) if status.drug else "none",
            "concentration": f"{status.conc_ug_ml} ug/mL" if status.drug else "none",
            "basal": told.get("basal", f"{units.format_rate(status.basal_nl_day)} now"),
            "24-hour dose limit": told.get("24-hour dose limit", unknown),
            "low-reservoir alarm": told.get("low-reservoir alarm", unknown),
            "patient bolus": told.get("patient bolus", unknown),
        }


def review_rows(current: Mapping[str, str], pending: Mapping[str, str],
                order: Sequence[str]) -> List[Tuple[str, str, str, bool]]:
    """(label, current, pending, changed) for each label of ``order``."""
    return [(k, current.get(k, ""), pending.get(k, ""), current.get(k, "") != pending.get(k, ""))
            for k in order]
