"""Where a scenario plays: the C core in-process, or a pump on a port; and `pyemu run`.

* :class:`CoreTarget` drives :class:`pyemu.pump.core.Pump` directly: no wire, no
  processes; years of therapy in a fraction of a second (used to draw a
  scenario's timeline).
* :class:`ClientTarget` drives any pump through :class:`pyemu.pump.client.Client`:
  the emulator, the QEMU board or a real board. Time moves with ADVANCE, so
  the device must run a manual (test) clock.
* ``pyemu run --target emulator`` starts ``pyemu serve`` on a pty with a
  manual clock in a child process (:meth:`pyemu.host.emulator.ServeProcess.manual_pty`),
  so the bytes go through the kernel as they would from any other program.
"""
from __future__ import annotations

from typing import Any

from pyemu.protocol import vocabulary as V
from pyemu.therapy.scenario import ScenarioError, format_time, load_scenario
from pyemu.therapy.player import Refused, format_outcome, play



def reason_name(code: int) -> str:
    """Reason code -> the name scenario files use (e.g. 15 -> "lockout")."""
    return V.reason_name(code)


# ------------------------------------------------------------------ targets

class CoreTarget:
    """The scenario player's Target on the in-process C core."""

    def __init__(self) -> None:
        from pyemu.pump import core
        self._core = core
        self.pump = core.Pump()

    def now_ms(self) -> int:
        return int(self.pump.now_ms)

    def advance_to(self, t_ms: int) -> None:
        self.pump.advance(t_ms)

    def status(self) -> dict:
        from pyemu.pump.client import Status
        return Status.from_fields(self.pump.status()).to_json()

    def alarms_raised(self, since: int) -> tuple[list[tuple[int, str]], int]:
        return _alarms_in(self.pump.events(since + 1), since)

    def do(self, action: str, a: dict) -> str | None:
        c = self._core
        if a.get("plant") is not None or a.get("withdrawn_nl") == "truth" or (
                action == "clear_fault" and a["kind"] in _plant_faults()):
            raise Refused("unsupported", _NO_PLANT)
        try:
            return _core_call(self.pump, action, a)
        except c.PumpError as exc:
            raise Refused(reason_name(exc.reason_code), exc.message) from None

    def truth(self) -> Any:
        raise Refused("unsupported", _NO_PLANT)


_NO_PLANT = ("the physical plant runs in the device: play this scenario on the emulator or a board "
             "(--target emulator, qemu or a port), not on the bare core")


def _plant_faults() -> frozenset:
    from pyemu.pump.records import PLANT_FAULTS
    return PLANT_FAULTS


def _verdict_name(code: int) -> str:
    from pyemu import protocol as P
    return {v: k.lower() for k, v in P.ENUMS["refill_verdict"].items()}[int(code)]


def _alarms_in(events: Any, since: int) -> tuple[list[tuple[int, str]], int]:
    """(time, alarm) of every ALARM_RAISED after seq `since`, and the new cursor.

    The pump's log is a ring: if entries after `since` were overwritten before
    they were read, a `raised` check could pass or fail on partial data, so
    that is an error rather than a silent gap.
    """
    from pyemu.pump.client import alarm_names

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


def _drug_code(name: str) -> int:
    from pyemu.pump.client import drug_code
    return drug_code(name)


def _fault_code(name: str) -> int:
    return int(V.lookup(V.Fault, name)[0])


def core_prescription(a: dict):
    """A scenario's prescribe arguments as a pyemu.pump.core.Prescription."""
    from pyemu.pump import core
    return core.Prescription(
        drug=core.Drug(_drug_code(a["drug"])), conc_ug_ml=a["conc_ug_ml"],
        steps=tuple(core.Step(start, rate) for start, rate in a["steps"]),
        max_dose_ug_24h=a["max_dose_ug_24h"], low_reservoir_nl=a["low_reservoir_nl"],
        pb_enabled=a["pb_enabled"], pb_volume_nl=a["pb_volume_nl"],
        pb_duration_ms=a["pb_duration_ms"], pb_lockout_ms=a["pb_lockout_ms"],
        pb_max_per_24h=a["pb_max_per_24h"])


# A prime/bridge bolus without a duration runs over this long (the core's
# own Python default), so a scenario reads the same on every target.
DEFAULT_PRIME_MS = 3_600_000


def _core_call(pump: Any, action: str, a: dict) -> str | None:
    from pyemu.pump import core
    if action == "prescribe":
        pump.prescribe(core_prescription(a))
    elif action == "bolus":
        pump.clinician_bolus(a["volume_nl"], a["duration_ms"])
    elif action in ("prime", "bridge"):
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
        if "withdrawn_nl" in a:
            rec = pump.refill_reconciled(a["volume_nl"], core.Drug(_drug_code(a["drug"])), a["conc_ug_ml"],
                                         a["withdrawn_nl"])
            return _verdict_name(rec.verdict)
        pump.refill(a["volume_nl"], core.Drug(_drug_code(a["drug"])), a["conc_ug_ml"])
    elif action == "ack":
        # acknowledge what is active among the alarms named (ack of an
        # inactive alarm is refused by the core, which would fail the step)
        from pyemu.pump.client import alarm_bits
        active = int(pump.status().alarms) & alarm_bits(a["alarms"])
        if active:
            pump.ack_alarm(active)
    elif action == "fault":
        pump.inject_fault(_fault_code(a["kind"]))
    elif action == "clear_fault":
        pump.clear_fault(_fault_code(a["kind"]))
    else:  # pragma: no cover - the parser admits only the actions above
        raise ValueError(f"unknown action {action!r}")
    return None


class ClientTarget:
    """The scenario player's Target on a pump behind pyemu.pump.client.Client."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._now: int | None = None

    def now_ms(self) -> int:
        if self._now is None:
            self._now = int(self.client.status().now_ms)
        return self._now

    def advance_to(self, t_ms: int) -> None:
        delta = t_ms - self.now_ms()
        if delta > 0:
            self._now = int(self.client.advance(delta).now_ms)

    def status(self) -> dict:
        st = self.client.status()
        self._now = int(st.now_ms)
        return st.to_json()

    def alarms_raised(self, since: int) -> tuple[list[tuple[int, str]], int]:
        return _alarms_in(self.events_after(since), since)

    def events_after(self, since: int) -> list:
        """The pump's log entries after seq `since` (``pyemu demo`` follows the log here)."""
        return list(self.client.read_events(since + 1))

    def truth(self) -> Any:
        from pyemu.pump.client import DeviceRefused
        try:
            return self.client.truth()
        except DeviceRefused as exc:
            raise Refused(exc.reason, exc.text) from None

    def do(self, action: str, a: dict) -> str | None:
        from pyemu.pump.client import DeviceRefused, PatientBolus
        c = self.client
        try:
            if action == "prescribe":
                pb = PatientBolus(a["pb_volume_nl"], a["pb_duration_ms"], a["pb_lockout_ms"],
                                  a["pb_max_per_24h"]) if a["pb_enabled"] else None
                c.prescribe(drug=a["drug"], conc_ug_ml=a["conc_ug_ml"],
                            max_dose_ug_24h=a["max_dose_ug_24h"], steps=a["steps"],
                            low_reservoir_nl=a["low_reservoir_nl"], patient_bolus=pb)
            elif action == "bolus":
                c.clinician_bolus(a["volume_nl"], a["duration_ms"])
            elif action in ("prime", "bridge"):
                c.prime_bolus(a["volume_nl"], a["duration_ms"] or DEFAULT_PRIME_MS)
            elif action in ("patient_bolus", "cancel_bolus", "suspend", "resume"):
                getattr(c, action)()
            elif action == "refill" and "withdrawn_nl" in a:
                withdrawn = a["withdrawn_nl"]
                if withdrawn == "truth":          # what the plant's reservoir really holds
                    withdrawn = c.truth().reservoir_nl
                frame = c.request("REFILL_RECONCILE", volume_nl=a["volume_nl"], drug=_drug_code(a["drug"]),
                                  conc_ug_ml=a["conc_ug_ml"], withdrawn_nl=withdrawn)
                return _verdict_name(frame.fields["verdict"])
            elif action == "refill":
                c.refill(a["volume_nl"], a["drug"], a["conc_ug_ml"])
            elif action == "ack":
                from pyemu.pump.client import alarm_bits
                active = c.status().alarms & alarm_bits(a["alarms"])
                if active:
                    c.ack_alarm(active)
            elif action == "fault" and a.get("plant") is not None:
                c.plant_fault(a["kind"], **a["plant"])
            elif action == "clear_fault" and a["kind"] in _plant_faults():
                c.plant_fault(a["kind"], clear=True)
            elif action in ("fault", "clear_fault"):
                c.inject_fault(a["kind"], clear=action == "clear_fault")
            else:  # pragma: no cover - the parser admits only the actions above
                raise ValueError(f"unknown action {action!r}")
        except DeviceRefused as exc:
            raise Refused(exc.reason, exc.text) from None
        return None
