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

import time
from typing import Iterator, Optional, Sequence, Tuple, Union

from pyemu import protocol as P
from pyemu.protocol import vocabulary as V
# The names, errors and records live in modules of their own; they are
# re-exported here because scripts have always imported them from the client.
from pyemu.pump.errors import (AuthenticationError, ClientError, DeviceRefused, LinkError,
                               NoReply, NotExecuted, ProtocolError)
from pyemu.pump.names import (ALARM_NAMES, alarm_bits, alarm_names, drug_code, drug_name,
                              reason_text, short_reason)
from pyemu.pump.records import (DEFAULT_PRIME_MS, LOW_RESERVOIR_DEFAULT_NL, Alarm, Event, Hello,
                                PatientBolus, Prescription, Reconciliation, Status, StatusExt, Step, Truth,
                                Unsolicited)
from pyemu.pump.session import ClientStats, WireSession

__all__ = [
    "Client", "ClientError", "NoReply", "NotExecuted", "DeviceRefused", "LinkError", "ProtocolError", "AuthenticationError",
    "Status", "Hello", "Alarm", "Event", "Step", "PatientBolus", "Unsolicited", "ClientStats",
    "Prescription", "Reconciliation", "StatusExt", "Truth",
    "ALARM_NAMES", "alarm_names", "short_reason", "alarm_bits", "drug_code", "drug_name", "reason_text",
]


class Client(WireSession):
    """A pump on the wire: one method per protocol message (see the module docstring).

    It implements :class:`pyemu.pump.interface.PumpInterface` with the same
    argument types and records as the in-process core; refusals raise
    :class:`DeviceRefused`, a :class:`pyemu.pump.errors.Refusal`.
    """

    # -- one method per message -----------------------------------------------------
    def hello(self) -> Hello:
        frame = self.request("HELLO")
        fields = dict(frame.fields)
        model = fields.pop("model")
        if isinstance(model, bytes):
            model = model.rstrip(b"\0").decode("ascii", "replace")
        return Hello(model=model, **fields)

    def status(self) -> Status:
        # The reply frame is this call's alone: the record takes its field dict.
        return Status.from_frame(self.request("GET_STATUS"), own=True)

    def prescribe(
        self,
        rx: Optional[Prescription] = None,
        confirm_soft_limit: bool = False,
        *,
        drug: Union[str, int, None] = None,
        conc_ug_ml: Optional[int] = None,
        max_dose_ug_24h: Optional[int] = None,
        rate_nl_day: Optional[int] = None,
        dose_ug_day: Optional[int] = None,
        steps: Optional[Sequence[Union[Step, Tuple[int, int]]]] = None,
        steps_are_doses: bool = False,
        low_reservoir_nl: int = LOW_RESERVOIR_DEFAULT_NL,
        patient_bolus: Optional[PatientBolus] = None,
    ) -> None:
        """Program the therapy: a :class:`Prescription` (the pump interface's way),
        or keywords with one of ``rate_nl_day``, ``dose_ug_day`` or ``steps``.

        Doses (µg/day) are converted to rates by the device, so every host gets
        the identical rate. ``confirm_soft_limit`` is the clinician's confirmation
        of a 24-h dose limit above the drug library's soft limit (sent as
        PRESCRIBE_CONFIRM; without it such a limit is refused with soft_limit).
        """
        if rx is not None:
            if drug is not None or conc_ug_ml is not None or max_dose_ug_24h is not None:
                raise ValueError("give a Prescription or keywords, not both")
            self._prescribe_rx(rx, confirm_soft_limit)
            return
        if drug is None or conc_ug_ml is None or max_dose_ug_24h is None:
            raise ValueError("drug, conc_ug_ml and max_dose_ug_24h are required")
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
        extra = {"confirm_soft_limit": 1} if confirm_soft_limit else {}
        self.request(
            "PRESCRIBE_CONFIRM" if confirm_soft_limit else "PRESCRIBE", **extra,
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

    def _prescribe_rx(self, rx: Prescription, confirm_soft_limit: bool = False) -> None:
        extra = {"confirm_soft_limit": 1} if confirm_soft_limit else {}
        self.request(
            "PRESCRIBE_CONFIRM" if confirm_soft_limit else "PRESCRIBE", **extra,
            drug=int(rx.drug), conc_ug_ml=rx.conc_ug_ml, max_dose_ug_24h=rx.max_dose_ug_24h,
            low_reservoir_nl=rx.low_reservoir_nl, pb_enabled=1 if rx.pb_enabled else 0,
            pb_volume_nl=rx.pb_volume_nl, pb_duration_ms=rx.pb_duration_ms,
            pb_lockout_ms=rx.pb_lockout_ms, pb_max_per_24h=rx.pb_max_per_24h,
            step_unit=P.ENUMS["step_unit"]["RATE_NL_DAY"],
            steps=[{"start_min": s.start_min, "value": s.rate_nl_day} for s in rx.steps],
        )

    def clinician_bolus(self, volume_nl: int, duration_ms: int) -> None:
        self.request("CLINICIAN_BOLUS", volume_nl=volume_nl, duration_ms=duration_ms)

    def prime_bolus(self, volume_nl: int = 0, duration_ms: int = DEFAULT_PRIME_MS) -> None:
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

    def refill(self, volume_nl: int, drug: Union[str, int], conc_ug_ml: int,
               withdrawn_nl: Optional[int] = None) -> Optional[Reconciliation]:
        """Refill; with ``withdrawn_nl`` (the volume drawn out before filling) the pump
        reconciles it with the volume it expected and returns the record."""
        if withdrawn_nl is None:
            self.request("REFILL", volume_nl=volume_nl, drug=drug_code(drug), conc_ug_ml=conc_ug_ml)
            return None
        return self.refill_reconciled(volume_nl, drug, conc_ug_ml, withdrawn_nl)

    def configure_implant(self, dead_volume_nl: int = 0, catheter_length_mm: int = 0,
                          catheter_nl_per_cm: int = 0, tubing_nl: int = 0) -> None:
        """Program the implant: the dead volume directly, or a catheter trimmed to
        ``catheter_length_mm`` at ``catheter_nl_per_cm`` plus ``tubing_nl``."""
        if catheter_length_mm and dead_volume_nl:
            raise ValueError("give the dead volume or a catheter, not both")
        self.request("CONFIGURE_IMPLANT", dead_volume_nl=dead_volume_nl,
                     catheter_length_mm=catheter_length_mm, catheter_nl_per_cm=catheter_nl_per_cm,
                     tubing_nl=tubing_nl)

    def set_alarm_resound(self, interval_ms: int) -> None:
        """Re-sound interval of acknowledged non-critical alarms (1 min..7 days)."""
        self.request("SET_ALARM_RESOUND", interval_ms=interval_ms)

    def status_ext(self) -> StatusExt:
        """The implant configuration, re-sound interval, refill projection and drug expiry
        (GET_STATUS_EXT and GET_DRUG_STATUS)."""
        ext = self.request("GET_STATUS_EXT").fields
        drug = self.request("GET_DRUG_STATUS").fields
        return StatusExt(now_ms=int(ext["now_ms"]), dead_volume_nl=int(ext["dead_volume_nl"]),
                         resound_ms=int(ext["resound_ms"]),
                         days_to_low_reservoir=int(ext["days_to_low_reservoir"]),
                         days_to_low_reservoir_max_use=int(ext["days_to_low_reservoir_max_use"]),
                         drug=int(drug["drug"]), refill_ms=int(drug["refill_ms"]),
                         stability_days=int(drug["stability_days"]),
                         days_to_drug_expiry=int(drug["days_to_drug_expiry"]))

    def refill_reconciled(self, volume_nl: int, drug: Union[str, int], conc_ug_ml: int,
                          withdrawn_nl: int) -> Reconciliation:
        """REFILL_RECONCILE: refill and compare the volume withdrawn with the pump's count."""
        frame = self.request("REFILL_RECONCILE", volume_nl=volume_nl, drug=drug_code(drug),
                             conc_ug_ml=conc_ug_ml, withdrawn_nl=withdrawn_nl)
        return Reconciliation(**{name: int(frame.fields[name])
                                 for name in Reconciliation.__dataclass_fields__})

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

    def events(self, from_seq: int = 0) -> list[Event]:
        """Every log entry with seq >= from_seq the ring still holds, oldest first."""
        return list(self.read_events(from_seq))

    def set_clock(self, unix_ms: Optional[int] = None) -> None:
        """Tell the device the wall-clock time (default: this computer's)."""
        if unix_ms is None:
            unix_ms = int(time.time() * 1000)
        self.request("SET_CLOCK", unix_ms=unix_ms)

    def advance(self, delta_ms: int) -> Status:
        """Move a manual-clock device's time forward; returns the STATUS after the jump."""
        return Status.from_frame(self.request("ADVANCE", delta_ms=delta_ms))

    def advance_by(self, delta_ms: int) -> Status:
        """The pump interface's name for :meth:`advance`."""
        return self.advance(delta_ms)

    def inject_fault(self, fault: Union[str, int], clear: bool = False) -> None:
        """Inject (or clear) ``motor_stall`` or ``memory`` on a device serving --test-features."""
        code = fault if isinstance(fault, int) else int(V.lookup(V.Fault, fault)[0])
        action = P.ENUMS["fault_action"]["CLEAR" if clear else "INJECT"]
        self.request("INJECT_FAULT", fault=code, action=action)

    def clear_fault(self, fault: Union[str, int]) -> None:
        """Clear an injected fault (INJECT_FAULT with action CLEAR)."""
        self.inject_fault(fault, clear=True)

    def plant_fault(self, fault: Union[str, int], *, clear: bool = False, value: int = 0, target: int = 0,
                    duration_ms: int = 0, delay_ms: int = 0) -> None:
        """Inject (or clear) a fault of the physical plant on a device serving --test-features.

        ``fault``: flow_error, occlusion, leak, disconnect, pocket_fill or mri. The
        fields' meaning per fault is PLANT_FAULT's (protocol/spec.md): flow_error
        ``value`` = flow factor ppm (1,200,000 = +20 %), drifting to ``target``
        over ``duration_ms``; occlusion ``value`` = strokes before the motor
        stalls (0 never); leak ``value`` = fraction ppm; mri ``value`` = recovery
        rule (0 immediate, 1 delay, 2 interrogation), ``duration_ms`` the scan,
        ``delay_ms`` the delay. Refusals: DeviceRefused (bad_field, fault_kind,
        no_fault, unsupported without test features).
        """
        code = fault if isinstance(fault, int) else int(V.lookup(V.Fault, fault)[0])
        action = P.ENUMS["fault_action"]["CLEAR" if clear else "INJECT"]
        self.request("PLANT_FAULT", fault=code, action=action, value=value, target=target,
                     duration_ms=duration_ms, delay_ms=delay_ms)

    def truth(self) -> Truth:
        """The physical plant (GET_TRUTH; NAK unsupported without --test-features)."""
        return Truth.from_frame(self.request("GET_TRUTH"))
