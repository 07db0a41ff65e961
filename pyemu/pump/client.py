"""The programmer side: a client with one method per protocol message.

::

    from pyemu.pump.client import Client, DeviceRefused

    with Client.connect("/dev/pts/5") as pump:          # or "socket://127.0.0.1:5555"
        print(pump.hello().model)
        pump.refill(volume_nl=20_000_000, drug="baclofen", conc_ug_ml=2000)
        pump.prescribe(drug="baclofen", conc_ug_ml=2000, rate_nl_day=500_000,
                       max_dose_ug_24h=1500)
        try:
            pump.patient_bolus()
        except DeviceRefused as refusal:
            print(refusal.reason, refusal.text)     # e.g. pb_disabled
        status = pump.status()

How requests travel (``protocol/spec.md`` section 3): each request gets a new
sequence number (the counter starts at a random value, so two runs of a
script do not reuse each other's numbers); the reply with that number is the
answer; replies with other numbers are stale (answers to an earlier try) and
ignored. If no reply comes within ``timeout`` seconds the *same bytes* are
sent again, ``retries`` times: a device that executed the request but whose
reply was lost answers the retry from its reply cache (flag REPLAYED)
instead of executing it again, so a retry never doubles a bolus. NAK becomes
:class:`DeviceRefused` with the device's reason; NAK BUSY is retried.

A REPLAYED reply to a request this client had *not* sent before (its seq,
type and payload matched an older request of another process that drew the
same seq) means the request was **not executed** (spec section 3): the
client draws a new random seq and sends it again, at most
``collision_retries`` times, then raises :class:`NotExecuted`. It never
reports such a reply as success. A request sent with an explicit ``seq``
that this client had not sent before gets :class:`NotExecuted` at once.

Unsolicited frames (STATUS telemetry, ALARM) that arrive while waiting, or
during :meth:`Client.poll`, go to the ``on_unsolicited`` callback and to a
bounded queue read by :meth:`Client.unsolicited`.

A pump with keys (``protocol/spec.md`` section 6) answers only inside a session::

    keys = pyemu.link.auth.load_key_file("pump.keys")     # made by `pyemu keys create`
    with Client.connect(url, key=keys["clinician"], role="clinician") as pump:
        ...                                          # every frame both ways sealed

The handshake (HELLO, then 2 round trips) runs on connect; a device frame
whose tag or counter fails is dropped (``stats.auth_dropped``); an unsealed
NAK AUTH_REQUIRED (the pump restarted) opens a new session and resends the
request with the same seq, so the reply cache still makes it take effect once.

A client made by :meth:`Client.connect` with ``reconnect=True`` reopens its
URL when the line closes (the emulator restarted; with ``pyemu serve --link``
a pty keeps its name) and goes on retrying the pending request, still with
its sequence number.
"""
from __future__ import annotations

import collections
import dataclasses
import hmac
import os
import random
import time
from dataclasses import dataclass
from typing import Any, Callable, Deque, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from pyemu.link import auth as _auth
from pyemu import protocol as P
from pyemu.protocol import vocabulary as V
from pyemu.protocol.schema import SCHEMA as _SCHEMA
from pyemu.link.transport import Transport, TransportClosed, TransportError, open_transport

__all__ = [
    "Client", "ClientError", "NoReply", "NotExecuted", "DeviceRefused", "LinkError", "ProtocolError", "AuthenticationError",
    "Status", "Hello", "Alarm", "Event", "Step", "PatientBolus",
    "ALARM_NAMES", "alarm_names", "short_reason", "alarm_bits", "drug_code", "drug_name", "reason_text",
]

# -- names -----------------------------------------------------------------------

# Every name and number comes from the pump's vocabulary (protocol/vocabulary.json,
# generated into pyemu.protocol.vocabulary); users see V.user_name() spellings.

#: Alarm names as the CLI and JSON show them, in bit order.
ALARM_NAMES: Dict[int, str] = {int(a): V.user_name(a) for a in V.Alarm if a}
_CRITICAL_ALARMS = int(V.CRITICAL_ALARMS)
_STATE_NAMES = {int(s): V.user_name(s) for s in V.State}
_BOLUS_KINDS = {int(b): V.user_name(b) for b in V.BolusKind}
_EVENT_KINDS = {int(k): k.name for k in V.EventKind}
_REASON_NAMES = {value: name for name, value in _SCHEMA.nak_reasons.items()}
# AUTH_BEGIN attempts while rate limited (DEVICE_AUTH_MAX_ATTEMPTS in device.h): each wins a
# challenge with probability >= 1/40 under any keyless flood, so all fail with p < 10^-5.
_AUTH_MAX_ATTEMPTS = 512


def reason_text(code: int) -> Tuple[str, str]:
    """(protocol name, explanation) for a NAK reason code (``("E_LOCKOUT", "inside the ...")``);
    unknown codes keep their number. Users see the name as ``V.reason_name(code)`` (``lockout``)."""
    name = _REASON_NAMES.get(code, f"REASON_{code}")
    return name, V.reason_text(code)


def short_reason(code: int) -> str:
    """A few words for a reason code (``lockout``), falling back to its user spelling."""
    return V.reason_short(code)


def _number(value: float) -> str:
    """At most 3 decimals, trailing zeros dropped."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _volume(nl: int) -> str:
    """Readable volume: ``2.934 mL`` or ``20 uL``."""
    if nl >= 1_000_000 or nl == 0:
        return _number(nl / 1_000_000) + " mL"
    return _number(nl / 1000) + " uL"


def alarm_names(bits: int) -> List[str]:
    """Alarm bit set -> names in bit order; unknown bits as ``bit_N``."""
    names = []
    for bit in range(32):
        if bits & (1 << bit):
            names.append(ALARM_NAMES.get(1 << bit, f"bit_{bit}"))
    return names


def alarm_bits(names: Sequence[str]) -> int:
    """Names (``low_reservoir``, ``all``) -> bit set; raises ValueError on unknown names."""
    by_name = {name: bit for bit, name in ALARM_NAMES.items()}
    bits = 0
    for name in names:
        key = name.lower().replace("-", "_")
        if key == "all":
            bits |= sum(by_name.values())
        elif key in by_name:
            bits |= by_name[key]
        else:
            raise ValueError(f"unknown alarm {name!r}; alarms are: all, {', '.join(by_name)}")
    return bits


def drug_code(drug: Union[str, int]) -> int:
    """``'baclofen'`` -> 4; ints pass through."""
    if isinstance(drug, int):
        return drug
    return int(V.lookup(V.Drug, drug)[0])


def drug_name(code: int) -> str:
    try:
        return V.user_name(V.Drug(code))
    except ValueError:
        return f"drug_{code}"


# -- errors ----------------------------------------------------------------------

class ClientError(Exception):
    """Base of everything the client raises about the device or the line."""


class NoReply(ClientError):
    """No reply after every retry."""


class LinkError(ClientError):
    """The line failed (closed, unplugged) and could not be reopened."""


class ProtocolError(ClientError):
    """The device answered with something this client cannot use."""


class NotExecuted(ClientError):
    """The pump did not execute the request: its seq, type and payload matched an
    older request it remembers (another program drew the same seq), so it answered
    that one's reply, flagged REPLAYED."""


class AuthenticationError(ClientError):
    """The handshake failed: wrong key or role, or the device could not prove it holds the key."""


class DeviceRefused(ClientError):
    """The device answered NAK: the request had no effect."""

    def __init__(self, request: str, code: int) -> None:
        self.request = request
        self.code = code
        self.reason_name, self.text = reason_text(code)
        self.reason = V.reason_name(code)       # what users see: ``lockout``
        super().__init__(f"{request} refused: {self.reason} ({self.text})")


# -- replies -----------------------------------------------------------------------

_new_object = object.__new__

@dataclass(frozen=True)
class Status:
    """A STATUS frame (the reply to GET_STATUS and ADVANCE, or telemetry), exact integers."""

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
    seq: int = 0
    unsolicited: bool = False

    @classmethod
    def from_frame(cls, frame: Any) -> "Status":
        fields = frame.fields
        if fields.keys() != _STATUS_FIELD_NAMES:
            # Not exactly the STATUS fields: the dataclass constructor says what is wrong.
            return cls(seq=frame.seq, unsolicited=frame.kind == P.KIND_UNSOLICITED, **fields)
        # The hot path of every status(): a frozen dataclass's __init__ sets each
        # of the 20 attributes through object.__setattr__; filling the instance
        # dict in one update gives the same object (same fields, eq, hash, repr).
        status = _new_object(cls)
        attrs = status.__dict__
        attrs.update(fields)
        attrs["seq"] = frame.seq
        attrs["unsolicited"] = frame.kind == P.KIND_UNSOLICITED
        return status

    @classmethod
    def from_fields(cls, source: Any) -> "Status":
        """From a STATUS frame's field dict, or an object with these attributes
        (a :class:`pyemu.pump.core.Status`), so every status has one JSON shape."""
        get = source.get if isinstance(source, dict) else (lambda name: getattr(source, name))
        return cls(**{f.name: int(get(f.name)) for f in dataclasses.fields(cls)
                      if f.name not in ("seq", "unsolicited")})

    @property
    def state_name(self) -> str:
        return _STATE_NAMES.get(self.state, f"state_{self.state}")

    @property
    def alarm_names(self) -> List[str]:
        return alarm_names(self.alarms)

    @property
    def bolus_name(self) -> str:
        return _BOLUS_KINDS.get(self.bolus_kind, f"kind_{self.bolus_kind}")

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


_STATUS_FIELD_NAMES = frozenset(f.name for f in dataclasses.fields(Status)) - {"seq", "unsolicited"}


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
    """One entry of the pump's event log."""

    seq: int
    time_ms: int
    kind: int
    data0: int
    data1: int

    @property
    def kind_name(self) -> str:
        return _EVENT_KINDS.get(self.kind, f"EVENT_{self.kind}")

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


Unsolicited = Union[Status, Alarm]
_RECONNECTED = object()


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    replayed: int = 0
    stale: int = 0
    reconnects: int = 0
    unsolicited: int = 0
    unsolicited_lost: int = 0
    auth_dropped: int = 0     # device frames refused by the session (bad tag, replayed, unsealed)
    auth_rate_limited: int = 0  # AUTH_BEGIN answered AUTH_RATE_LIMITED and sent again
    logins: int = 0
    collisions: int = 0       # first attempts answered REPLAYED: not executed, sent again with a new seq


# -- the client --------------------------------------------------------------------

def _open_for_client(url: str, serial_options: dict) -> Transport:
    if url == "pty" or url.startswith("tcp-listen://"):
        raise LinkError(
            f"{url!r} is a port for 'pyemu serve'; a client opens what serve printed, "
            "e.g. /dev/pts/5 or socket://127.0.0.1:5555"
        )
    try:
        return open_transport(url, **serial_options)
    except TransportError as exc:
        raise LinkError(str(exc)) from None


class Client:
    """Talks to one pump over one transport. Not thread-safe: one caller at a time."""

    def __init__(
        self,
        transport: Union[Transport, str],
        *,
        timeout: float = 1.0,
        retries: int = 3,
        seq: Optional[int] = None,
        on_unsolicited: Optional[Callable[[Unsolicited], None]] = None,
        reopen: Optional[Callable[[], Transport]] = None,
        queue_size: int = 1000,
        busy_wait: float = 0.05,
        key: Optional[bytes] = None,
        role: Union[str, int] = "clinician",
        collision_retries: int = 3,
    ) -> None:
        """Wrap an open ``transport``, or open a URL given as a string (see :meth:`connect`).

        With ``key`` (the 32-byte key of ``role``, see :func:`pyemu.link.auth.load_key_file`)
        the client opens an authenticated session at once (:meth:`login`)."""
        if isinstance(transport, str):
            transport = _open_for_client(transport, {})
        self.transport = transport
        self.timeout = timeout
        self.retries = retries
        self.on_unsolicited = on_unsolicited
        self.busy_wait = busy_wait
        self._reopen = reopen
        self._decoder = P.FrameDecoder()
        self._frames: Deque[Any] = collections.deque()
        self._queue: Deque[Unsolicited] = collections.deque(maxlen=queue_size)
        self._seq = random.randrange(65536) if seq is None else seq % 65536
        self.collision_retries = collision_retries
        # (seq, msg id, payload) of the requests this client sent, newest last: a
        # REPLAYED reply to one of them answers a retry; to anything else, it
        # means "not executed". Bounded: the pump remembers only its last 8.
        self._sent: "collections.OrderedDict[Tuple[int, int, bytes], None]" = collections.OrderedDict()
        self._exchange_unsure = False   # the last exchange sent bytes whose fate it does not know
        self._last_unsolicited_seq: Optional[int] = None
        self.stats = ClientStats()
        #: True if the last reply came from the device's reply cache.
        self.last_replayed = False
        #: (message name, seq, wire bytes) of the last request sent.
        self.last_request: Optional[Tuple[str, int, bytes]] = None
        self._key = key
        self._role = _auth.role_number(role)
        self._session: Optional[_auth.Session] = None
        if key is not None:
            try:
                self.login()
            except BaseException:
                self.transport.close()
                raise

    @classmethod
    def connect(cls, url: str, *, reconnect: bool = False, timeout: float = 1.0,
                retries: int = 3, seq: Optional[int] = None,
                on_unsolicited: Optional[Callable[[Unsolicited], None]] = None,
                key: Optional[bytes] = None, role: Union[str, int] = "clinician",
                collision_retries: int = 3, **serial_options: Any) -> "Client":
        """Open ``url`` (a pty path, ``socket://host:port``, ``/dev/ttyUSB0`` …) and wrap it.

        ``serial_options`` (baudrate, bytesize, parity, stopbits, rtscts,
        xonxoff) apply to serial devices. ``reconnect`` reopens the URL if the
        line closes while a request waits for its reply.
        """
        transport = _open_for_client(url, serial_options)
        reopen = (lambda: open_transport(url, **serial_options)) if reconnect else None
        return cls(transport, reopen=reopen, timeout=timeout, retries=retries, seq=seq,
                   on_unsolicited=on_unsolicited, key=key, role=role,
                   collision_retries=collision_retries)

    open = connect  # the name pyserial users reach for

    # -- context manager --------------------------------------------------------
    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        return self.transport.peer or self.transport.url

    # -- sequence numbers -------------------------------------------------------
    def next_seq(self) -> int:
        """Take a new sequence number."""
        self._seq = (self._seq + 1) % 65536
        return self._seq

    # -- the exchange -----------------------------------------------------------
    def request(self, msg: str, *, seq: Optional[int] = None, **fields: Any) -> Any:
        """Send request ``msg`` and return the reply frame (any type but NAK).

        NAK raises :class:`DeviceRefused`. ``seq`` repeats an earlier request
        on purpose (it must then be byte-identical to take effect once); a
        REPLAYED reply to an explicit ``seq`` this client had not sent before
        raises :class:`NotExecuted`. Without ``seq``, such a reply (a seq
        collision with another program) makes the client send the request
        again with a new random seq, up to ``collision_retries`` times.
        """
        explicit = seq is not None
        try:
            payload = P.encode_payload(msg, **fields)
        except P.EncodeError as exc:
            raise ValueError(f"{msg}: {exc}") from None
        if seq is None:
            seq = self.next_seq()
        collisions = 0
        while True:
            frame, first_send = self._request_once(msg, seq, fields, payload)
            self.last_replayed = bool(frame.flags & P.FLAG_REPLAYED)
            # Sent once, answered to that one send: REPLAYED cannot be our own
            # earlier execution. (After a timeout or a new line the reply may
            # answer our first send, executed: then it is the normal answer.)
            if self.last_replayed and first_send and not self._exchange_unsure:
                # Not executed: it matched an older request of the same seq (spec 3).
                # Not ours either: sending it again is a first send again.
                self._sent.pop((seq, P.MESSAGES[msg].id, payload), None)
                self.stats.collisions += 1
                collisions += 1
                if explicit or collisions > max(0, self.collision_retries):
                    raise NotExecuted(
                        f"{msg} was NOT executed: the pump answered seq {seq} from its reply cache "
                        f"(another program had sent the same request with that seq)"
                        + ("; send it with a new seq" if explicit else
                           f"; {collisions} new seqs collided too, giving up"))
                # The older run that used this seq likely used its neighbours too.
                self._seq = random.randrange(65536)
                seq = self.next_seq()
                continue
            break
        if self.last_replayed:
            self.stats.replayed += 1
        if frame.msg_type == P.MsgType.NAK:
            raise DeviceRefused(msg, frame.fields["reason"])
        expected = P.MESSAGES[msg].replies
        if P.MESSAGES_BY_ID[frame.msg_type].name not in expected:
            raise ProtocolError(
                f"{msg} was answered with {P.MESSAGES_BY_ID[frame.msg_type].name}, "
                f"expected {' or '.join(expected)}"
            )
        return frame

    def _request_once(self, msg: str, seq: int, fields: Dict[str, Any],
                      payload: bytes) -> Tuple[Any, bool]:
        """Send one request with ``seq`` (and its retries): (reply frame, whether
        this client had not sent this request before)."""
        identity = (seq, P.MESSAGES[msg].id, payload)
        first_send = identity not in self._sent
        self._sent[identity] = None
        self._sent.move_to_end(identity)
        while len(self._sent) > 256:
            self._sent.popitem(last=False)
        if self._session is None:
            try:
                wire = P.encode(msg, seq=seq, flags=P.KIND_REQUEST, **fields)
            except P.EncodeError as exc:
                raise ValueError(f"{msg}: {exc}") from None
        rebuild: Optional[Callable[[], bytes]] = None
        if self._session is not None:
            def rebuild() -> bytes:
                # A new counter and tag under the session open now (same seq, spec 6.3).
                assert self._session is not None
                sealed = _auth.seal_frame(self._session, P.MESSAGES[msg].id, seq, P.KIND_REQUEST, payload)
                self.last_request = (msg, seq, sealed)
                return sealed
            wire = rebuild()
        self.last_request = (msg, seq, wire)
        self.stats.requests += 1
        return self._exchange(msg, seq, wire, rebuild), first_send

    def repeat_last(self) -> Any:
        """Send the last request again, byte-identical (same seq): takes effect at most once."""
        if self.last_request is None:
            raise ValueError("no request sent yet")
        msg, seq, wire = self.last_request
        frame = self._exchange(msg, seq, wire)
        self.last_replayed = bool(frame.flags & P.FLAG_REPLAYED)
        if frame.msg_type == P.MsgType.NAK:
            raise DeviceRefused(msg, frame.fields["reason"])
        return frame

    def _exchange(self, msg: str, seq: int, wire: bytes,
                  rebuild: Optional[Callable[[], bytes]] = None) -> Any:
        attempts = 1 + max(0, self.retries)
        unsure = False
        busy = False
        attempt = 0
        reopened = 0
        relogged = 0
        while attempt < attempts:
            if attempt:
                self.stats.retries += 1
            # The codec delimits frames on both sides (0x00 ... 0x00), so noise
            # before a request ends at its leading delimiter (spec 1.2).
            self._send(wire)
            deadline = time.monotonic() + self.timeout
            while True:
                frame = self._next_frame(deadline)
                if frame is None:
                    attempt += 1
                    unsure = True
                    break  # timed out: send the same bytes again
                if frame is _RECONNECTED:
                    # A new line to a restarted device: the same bytes again at
                    # once. Bounded, so a device dying in a loop still ends here.
                    reopened += 1
                    unsure = True
                    if reopened > attempts:
                        attempt = attempts
                    break
                if frame.kind != P.KIND_RESPONSE:
                    continue
                if frame.seq != seq:
                    self.stats.stale += 1
                    continue
                if frame.error is not None:
                    raise ProtocolError(f"{msg}: the device's reply is malformed ({frame.error.name})")
                if frame.msg_type == P.MsgType.NAK and frame.fields["reason"] == P.NakReason.BUSY:
                    # Not executed, not cached: wait a little, then the same bytes again.
                    busy = True
                    attempt += 1
                    self.poll(self.busy_wait)
                    break
                if self._session is not None and not frame.flags & P.FLAG_AUTH:
                    # An unsealed NAK is advice, never the answer (spec 6.3): anyone
                    # on the line could have sent it. The device lost the session
                    # (restart, idle): open a new one and send the request again.
                    if frame.fields["reason"] == P.NakReason.AUTH_REQUIRED and rebuild and relogged < 1:
                        relogged += 1
                        unsure = True
                        self.login()
                        wire = rebuild()
                        break
                    continue
                # Set last: login() above runs requests of its own.
                self._exchange_unsure = unsure
                return frame
        hint = " (the device kept answering BUSY)" if busy else ""
        raise NoReply(
            f"no reply from {self.url} to {msg} after {attempts} tries of {self.timeout:g} s{hint} "
            f"— is `pyemu serve` running on that port, and is this the path it printed?"
        )

    def _send(self, data: bytes) -> None:
        try:
            self.transport.write(data)
            return
        except TransportClosed:
            self._reconnect()
        except TransportError as exc:
            raise LinkError(str(exc)) from None
        try:
            self.transport.write(data)
        except TransportError as exc:
            raise LinkError(str(exc)) from None

    def _reconnect(self, deadline: Optional[float] = None) -> None:
        """Reopen the line after it closed, until ``deadline``; LinkError if impossible."""
        if self._reopen is None:
            raise LinkError(f"the line to {self.url} closed (did the device stop?)")
        if deadline is None:
            deadline = time.monotonic() + self.timeout * (1 + self.retries)
        last_error: Optional[Exception] = None
        while True:
            try:
                new = self._reopen()
            except TransportError as exc:
                last_error = exc
                if time.monotonic() >= deadline:
                    raise LinkError(f"the line to {self.url} closed and could not be reopened: {last_error}") from None
                time.sleep(0.02)  # the device is restarting; try the path again shortly
                continue
            try:
                self.transport.close()
            except OSError:
                pass
            self.transport = new
            self._decoder = P.FrameDecoder()
            self.stats.reconnects += 1
            return

    def _next_frame(self, deadline: float) -> Any:
        """The next response frame before ``deadline`` (unsolicited ones are dispatched),
        None on timeout, or _RECONNECTED if the line had to be reopened."""
        while True:
            while self._frames:
                frame = self._frames.popleft()
                if frame.kind == P.KIND_UNSOLICITED:
                    self._dispatch(frame)
                    continue
                return frame
            got = self._read_some(deadline)
            if got is not True:
                return got

    def _read_some(self, deadline: float) -> Any:
        """Read one chunk into the frame queue: True, None on timeout, or _RECONNECTED."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            data = self.transport.read(remaining)
        except TransportClosed as exc:
            if "pyemu serve: refused" in str(exc):
                raise LinkError(str(exc)) from None   # the port has a client: say so, do not retry
            self._reconnect()
            return _RECONNECTED  # a pending request is sent again on the new line
        except TransportError as exc:
            raise LinkError(str(exc)) from None
        if data:
            frames = self._decoder.feed(data)
            self._frames.extend(frames if self._session is None else self._admit(frames))
        return True

    def _admit(self, frames: List[Any]) -> List[Any]:
        """Inside a session: sealed frames that verify (decoded), and unsealed NAKs
        (advice, spec 6.3). Everything else is dropped and counted."""
        assert self._session is not None
        out = []
        for frame in frames:
            if frame.flags & P.FLAG_AUTH:
                try:
                    out.append(_auth.open_frame(self._session, frame))
                except _auth.AuthError:
                    self.stats.auth_dropped += 1
            elif frame.kind == P.KIND_RESPONSE and frame.msg_type == P.MsgType.NAK and frame.error is None:
                out.append(frame)
            else:
                self.stats.auth_dropped += 1
        return out

    # -- authenticated sessions (protocol/spec.md section 6) ---------------------------
    @property
    def authenticated(self) -> bool:
        """True while a session is open (every request is sealed)."""
        return self._session is not None

    def login(self) -> None:
        """Open a session with the key given to the constructor: HELLO (for the serial
        number), then 2 round trips (AUTH_BEGIN, AUTH_PROVE). The device must prove
        it holds the same key (AuthenticationError otherwise, or if the device
        refuses the proof)."""
        if self._key is None:
            raise ValueError("login needs the key given to Client(key=...)")
        self._session = None
        serial = self.hello().serial
        host_nonce = os.urandom(_auth.NONCE_LEN)
        lo, hi = _auth.nonce_fields(host_nonce)
        try:
            challenge = self._begin(lo, hi)
            session = _auth.Session.open(
                self._key, role=self._role, serial=serial, session_id=challenge["session"],
                host_nonce=host_nonce, is_device=False,
                device_nonce=_auth.nonce_bytes(challenge["device_nonce_lo"], challenge["device_nonce_hi"]))
            host_proof, device_proof = session.proofs
            lo, hi = _auth.nonce_fields(host_proof)
            accept = self.request("AUTH_PROVE", proof_lo=lo, proof_hi=hi).fields
        except DeviceRefused as exc:
            if exc.reason_name == "AUTH_RATE_LIMITED":
                raise AuthenticationError(
                    f"the pump rate-limited {_AUTH_MAX_ATTEMPTS} handshake attempts (AUTH_RATE_LIMITED): "
                    "another handshake for this role kept it busy — a flood of handshake frames "
                    "on the line? The key was not tried; try again later") from None
            raise AuthenticationError(
                f"the pump refused the session: {exc.reason} — wrong key file or role?") from None
        if not hmac.compare_digest(_auth.nonce_bytes(accept["proof_lo"], accept["proof_hi"]), device_proof):
            raise AuthenticationError("the pump could not prove it holds this key: not the pump "
                                      "these keys belong to, or someone in between")
        self._session = session
        self.stats.logins += 1

    def _begin(self, lo: int, hi: int) -> Dict[str, Any]:
        """AUTH_BEGIN, sent again (new seq) while the pump answers AUTH_RATE_LIMITED: it holds
        another challenge for this role for a few requests, then lets a new one through by a
        coin toss (firmware/device/device.h, DENIAL OF SERVICE), so a keyless flood delays a
        keyholder by a bounded number of round trips and never locks it out."""
        for attempt in range(_AUTH_MAX_ATTEMPTS):
            try:
                return dict(self.request("AUTH_BEGIN", role=self._role, host_nonce_lo=lo,
                                         host_nonce_hi=hi).fields)
            except DeviceRefused as exc:
                if exc.reason_name != "AUTH_RATE_LIMITED" or attempt == _AUTH_MAX_ATTEMPTS - 1:
                    raise
                self.stats.auth_rate_limited += 1
        raise AssertionError("unreachable")

    def logout(self) -> None:
        """End the session (AUTH_END); later requests go unsealed."""
        if self._session is not None:
            try:
                self.request("AUTH_END")
            finally:
                self._session = None

    # -- unsolicited --------------------------------------------------------------
    def _dispatch(self, frame: Any) -> None:
        if frame.error is not None:
            return
        if frame.msg_type == P.MsgType.STATUS:
            item: Unsolicited = Status.from_frame(frame)
        elif frame.msg_type == P.MsgType.ALARM:
            item = Alarm(seq=frame.seq, **frame.fields)
        else:
            return
        if self._last_unsolicited_seq is not None:
            gap = (frame.seq - self._last_unsolicited_seq - 1) % 65536
            if gap < 1000:  # a larger jump is a restarted device, not loss
                self.stats.unsolicited_lost += gap
        self._last_unsolicited_seq = frame.seq
        self.stats.unsolicited += 1
        self._queue.append(item)
        if self.on_unsolicited is not None:
            self.on_unsolicited(item)

    def poll(self, timeout: float = 0.0) -> int:
        """Read what arrives for up to ``timeout`` s; dispatch unsolicited frames. Returns how many."""
        before = self.stats.unsolicited
        deadline = time.monotonic() + timeout
        while True:
            frame = self._next_frame(deadline)
            if frame is None:
                break
            if frame is not _RECONNECTED:
                self.stats.stale += 1  # a response nobody is waiting for
        return self.stats.unsolicited - before

    def unsolicited(self, timeout: Optional[float] = None) -> Iterator[Unsolicited]:
        """Unsolicited STATUS/ALARM frames as they come; stops after ``timeout`` s with
        nothing new (None: never)."""
        while True:
            if not self._queue:
                deadline = time.monotonic() + (timeout if timeout is not None else 1e9)
                while not self._queue:
                    if self._frames:
                        frame = self._frames.popleft()
                        if frame.kind == P.KIND_UNSOLICITED:
                            self._dispatch(frame)
                        else:
                            self.stats.stale += 1  # a response nobody is waiting for
                        continue
                    if self._read_some(deadline) is None:
                        return
            yield self._queue.popleft()

    def drain_unsolicited(self) -> List[Unsolicited]:
        """Everything queued so far, without waiting."""
        items = list(self._queue)
        self._queue.clear()
        return items

    # -- one method per message -----------------------------------------------------
    def hello(self) -> Hello:
        frame = self.request("HELLO")
        fields = dict(frame.fields)
        model = fields.pop("model")
        if isinstance(model, bytes):
            model = model.rstrip(b"\0").decode("ascii", "replace")
        return Hello(model=model, **fields)

    def status(self) -> Status:
        return Status.from_frame(self.request("GET_STATUS"))

    def prescribe(
        self,
        *,
        drug: Union[str, int],
        conc_ug_ml: int,
        max_dose_ug_24h: int,
        rate_nl_day: Optional[int] = None,
        dose_ug_day: Optional[int] = None,
        steps: Optional[Sequence[Union[Step, Tuple[int, int]]]] = None,
        steps_are_doses: bool = False,
        low_reservoir_nl: int = 2_000_000,
        patient_bolus: Optional[PatientBolus] = None,
    ) -> None:
        """Program the therapy: one of ``rate_nl_day``, ``dose_ug_day`` or ``steps``.

        Doses (µg/day) are converted to rates by the device, so every host gets
        the identical rate.
        """
        given = [x is not None for x in (rate_nl_day, dose_ug_day, steps)]
        if sum(given) != 1:
            raise ValueError("give exactly one of rate_nl_day, dose_ug_day or steps")
        if rate_nl_day is not None:
            step_list, unit = [Step(0, rate_nl_day)], "RATE_NL_DAY"
        elif dose_ug_day is not None:
            step_list, unit = [Step(0, dose_ug_day)], "DOSE_UG_DAY"
        else:
            assert steps is not None
            step_list = [s if isinstance(s, Step) else Step(*s) for s in steps]
            unit = "DOSE_UG_DAY" if steps_are_doses else "RATE_NL_DAY"
        pb = patient_bolus
        self.request(
            "PRESCRIBE",
            drug=drug_code(drug), conc_ug_ml=conc_ug_ml, max_dose_ug_24h=max_dose_ug_24h,
            low_reservoir_nl=low_reservoir_nl,
            pb_enabled=1 if pb else 0,
            pb_volume_nl=pb.volume_nl if pb else 0,
            pb_duration_ms=pb.duration_ms if pb else 0,
            pb_lockout_ms=pb.lockout_ms if pb else 0,
            pb_max_per_24h=pb.max_per_24h if pb else 0,
            step_unit=P.ENUMS["step_unit"][unit],
            steps=[{"start_min": s.start_min, "value": s.value} for s in step_list],
        )

    def clinician_bolus(self, volume_nl: int, duration_ms: int) -> None:
        self.request("CLINICIAN_BOLUS", volume_nl=volume_nl, duration_ms=duration_ms)

    def prime_bolus(self, volume_nl: int = 0, duration_ms: int = 3_600_000) -> None:
        """Prime (after implant) or bridge bolus; volume 0 = the pump's configured dead volume."""
        self.request("PRIME_BOLUS", volume_nl=volume_nl, duration_ms=duration_ms)

    def patient_bolus(self) -> None:
        self.request("PATIENT_BOLUS")

    def cancel_bolus(self) -> None:
        self.request("CANCEL_BOLUS")

    def suspend(self) -> None:
        self.request("SUSPEND")

    def resume(self) -> None:
        self.request("RESUME")

    def refill(self, volume_nl: int, drug: Union[str, int], conc_ug_ml: int) -> None:
        self.request("REFILL", volume_nl=volume_nl, drug=drug_code(drug), conc_ug_ml=conc_ug_ml)

    def ack_alarm(self, alarms: Union[int, Sequence[str]]) -> None:
        bits = alarms if isinstance(alarms, int) else alarm_bits(alarms)
        self.request("ACK_ALARM", alarm_bits=bits)

    def read_events(self, from_seq: int = 1, page: int = 9) -> Iterator[Event]:
        """The event log from ``from_seq`` on, oldest first, fetched page by page.

        Entries the ring has overwritten are skipped: the first event's seq
        is then larger than ``from_seq``.
        """
        page = max(1, min(page, 9))
        while True:
            frame = self.request("READ_EVENTS", from_seq=from_seq, max_count=page)
            fields = frame.fields
            events = [Event(**e) for e in fields["events"]]
            for event in events:
                yield event
            if not events or events[-1].seq >= fields["newest_seq"]:
                return
            from_seq = events[-1].seq + 1

    def set_clock(self, unix_ms: Optional[int] = None) -> None:
        """Tell the device the wall-clock time (default: this computer's)."""
        if unix_ms is None:
            unix_ms = int(time.time() * 1000)
        self.request("SET_CLOCK", unix_ms=unix_ms)

    def advance(self, delta_ms: int) -> Status:
        """Move a manual-clock device's time forward; returns the STATUS after the jump."""
        return Status.from_frame(self.request("ADVANCE", delta_ms=delta_ms))

    def inject_fault(self, fault: Union[str, int], clear: bool = False) -> None:
        """Inject (or clear) ``motor_stall`` or ``memory`` on a device serving --test-features."""
        code = fault if isinstance(fault, int) else int(V.lookup(V.Fault, fault)[0])
        action = P.ENUMS["fault_action"]["CLEAR" if clear else "INJECT"]
        self.request("INJECT_FAULT", fault=code, action=action)
