"""Where a scenario plays: any pump of the pump interface; and `pyemu run`.

A target is a :class:`pyemu.pump.interface.PumpInterface` object plus how to
make one; :class:`PumpTarget` plays a scenario's commands on it:

* :func:`CoreTarget` makes :class:`pyemu.pump.core.Pump`, the C core
  in-process: no wire, no processes; years of therapy in a fraction of a
  second (used to draw a scenario's timeline).
* :func:`ClientTarget` takes a :class:`pyemu.pump.client.Client`: the
  emulator, the QEMU board or a real board. Time moves with ADVANCE, so the
  device must run a manual (test) clock.
* ``pyemu run --target emulator`` starts ``pyemu serve`` on a pty with a
  manual clock in a child process (:meth:`pyemu.host.emulator.ServeProcess.manual_pty`),
  so the bytes go through the kernel as they would from any other program.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

from pyemu.protocol import vocabulary as V
from pyemu.pump.errors import Refusal
from pyemu.pump.interface import PumpInterface
from pyemu.pump.names import alarm_bits, alarm_names
from pyemu.pump.records import PLANT_FAULTS, DEFAULT_PRIME_MS, Event, Prescription, RateStep, Status, Truth
from pyemu.therapy.scenario import ScenarioError, format_time, load_scenario
from pyemu.therapy.player import Refused, format_outcome, play

__all__ = ["PumpTarget", "CoreTarget", "ClientTarget", "scenario_prescription",
           "DEFAULT_PRIME_MS", "reason_name"]


def reason_name(code: int) -> str:
    """Reason code -> the name scenario files use (e.g. 15 -> "lockout")."""
    return V.reason_name(code)


# ------------------------------------------------------------------ targets

class PumpTarget:
    """The scenario player's Target on any pump of the pump interface."""

    def __init__(self, pump: PumpInterface) -> None:
        self.pump = pump
        self._now: Optional[int] = None    # the pump's time, known after each status

    @property
    def client(self) -> PumpInterface:
        """The pump (the name ``pyemu demo`` and older scripts use)."""
        return self.pump

    def now_ms(self) -> int:
        if self._now is None:
            self._now = int(self.pump.status().now_ms)
        return self._now

    def advance_to(self, t_ms: int) -> None:
        delta = t_ms - self.now_ms()
        if delta > 0:
            self._now = int(self.pump.advance_by(delta).now_ms)

    def status(self) -> Status:
        st = self.pump.status()
        self._now = int(st.now_ms)
        return st

    def alarms_raised(self, since: int) -> tuple[list[tuple[int, str]], int]:
        return _alarms_in(self.events_after(since), since)

    def events_after(self, since: int) -> list[Event]:
        """The pump's log entries after seq `since` (``pyemu demo`` follows the log here)."""
        return list(self.pump.events(since + 1))

    def do(self, action: str, a: dict) -> Any:
        """One command; a refill with a withdrawn volume returns its Reconciliation."""
        try:
            return _command(self.pump, action, a)
        except Refusal as exc:
            raise Refused(exc.user_reason, exc.text) from None

    def truth(self) -> Truth:
        """The physical plant: only a device has one (the bare core refuses: unsupported)."""
        try:
            return self.pump.truth()
        except Refusal as exc:
            raise Refused(exc.user_reason, exc.text) from None


def CoreTarget() -> PumpTarget:
    """A target on a new in-process C core (:class:`pyemu.pump.core.Pump`)."""
    # deferred: the C extension loads only when a scenario plays in-process
    from pyemu.pump.core import Pump
    return PumpTarget(Pump())


def ClientTarget(client: PumpInterface) -> PumpTarget:
    """A target on a pump behind :class:`pyemu.pump.client.Client`."""
    return PumpTarget(client)


def _alarms_in(events: Iterable[Event], since: int) -> tuple[list[tuple[int, str]], int]:
    """(time, alarm) of every ALARM_RAISED after seq `since`, and the new cursor.

    The pump's log is a ring: if entries after `since` were overwritten before
    they were read, a `raised` check could pass or fail on partial data, so
    that is an error rather than a silent gap.
    """
    raised_kind = V.EventKind.ALARM_RAISED   # data0: the alarm bit
    out = []
    last = since
    for ev in events:
        if last == since and since > 0 and ev.seq > since + 1:
            raise RuntimeError(f"the pump's event log wrapped: entries {since + 1}..{ev.seq - 1} "
                               "were overwritten before they were read; put steps closer "
                               "together")
        last = max(last, ev.seq)
        if ev.kind == raised_kind:
            out.extend((ev.time_ms, n) for n in alarm_names(ev.data0))
    return out, last


def scenario_prescription(a: dict) -> Prescription:
    """A scenario's prescribe arguments as the pump interface's Prescription."""
    return Prescription(
        drug=a["drug"], conc_ug_ml=a["conc_ug_ml"],
        steps=tuple(RateStep(start, rate) for start, rate in a["steps"]),
        max_dose_ug_24h=a["max_dose_ug_24h"], low_reservoir_nl=a["low_reservoir_nl"],
        pb_enabled=a["pb_enabled"], pb_volume_nl=a["pb_volume_nl"],
        pb_duration_ms=a["pb_duration_ms"], pb_lockout_ms=a["pb_lockout_ms"],
        pb_max_per_24h=a["pb_max_per_24h"])


def _command(pump: PumpInterface, action: str, a: dict) -> Any:
    """One scenario command on the pump (Refusal if it refuses); a refill with a
    withdrawn volume returns its Reconciliation."""
    if action == "prescribe":
        pump.prescribe(scenario_prescription(a), confirm_soft_limit=a.get("confirm_soft_limit", False))
    elif action == "bolus":
        pump.clinician_bolus(a["volume_nl"], a["duration_ms"])
    elif action in ("prime", "bridge"):
        # without a duration a prime/bridge bolus runs over the pump's default
        pump.prime_bolus(a["volume_nl"], a["duration_ms"] or DEFAULT_PRIME_MS)
    elif action == "patient_bolus":
        pump.patient_bolus()
    elif action == "cancel_bolus":
        pump.cancel_bolus()
    elif action == "suspend":
        pump.suspend()
    elif action == "resume":
        pump.resume()
    elif action == "refill":
        withdrawn = a.get("withdrawn_nl")
        if withdrawn == "truth":          # what the plant's reservoir really holds
            withdrawn = pump.truth().reservoir_nl
        if withdrawn is not None:
            return pump.refill_reconciled(a["volume_nl"], a["drug"], a["conc_ug_ml"], withdrawn)
        pump.refill(a["volume_nl"], a["drug"], a["conc_ug_ml"])
    elif action == "configure":
        pump.configure_implant(**a)
    elif action == "resound":
        pump.set_alarm_resound(a["interval_ms"])
    elif action == "ack":
        # acknowledge what is active among the alarms named (ack of an
        # inactive alarm is refused by the pump, which would fail the step)
        active = int(pump.status().alarms) & alarm_bits(a["alarms"])
        if active:
            pump.ack_alarm(active)
    elif action == "fault" and a.get("plant") is not None:
        pump.plant_fault(a["kind"], **a["plant"])
    elif action == "clear_fault" and a["kind"] in PLANT_FAULTS:
        pump.plant_fault(a["kind"], clear=True)
    elif action == "fault":
        pump.inject_fault(a["kind"])
    elif action == "clear_fault":
        pump.clear_fault(a["kind"])
    else:  # pragma: no cover - the parser admits only the actions above
        raise ValueError(f"unknown action {action!r}")
    return None
