"""The one pump interface: what every pump pyemu can drive offers, wherever it runs.

Two implementations, with the same argument types and the same records:

* :class:`pyemu.pump.core.Pump`, the C dosing core in this process;
* :class:`pyemu.pump.client.Client`, a pump on the wire (the emulator, QEMU,
  a board).

Arguments are exact integers in the core's units (nL, nL/day, µg/mL, ms);
drugs, alarms and faults may also be given by the names users see
(``"baclofen"``, ``["low_reservoir"]``, ``"motor_stall"``). Every pump returns
the records of :mod:`pyemu.pump.records` (one :class:`Status`, one
:class:`Event`, one :class:`Reconciliation`), and every refusal is a
:class:`pyemu.pump.errors.Refusal` carrying the pump's reason code; the
pump's state is then unchanged. The scenario player
(:mod:`pyemu.therapy.targets`) and ``pyemu demo`` use only this interface.

This module imports no implementation, so code typed against it loads
neither the C extension nor the wire stack.
"""
from __future__ import annotations

from typing import Optional, Protocol, Sequence, Union, runtime_checkable

from pyemu.protocol.vocabulary import Alarm, Drug, Fault
from pyemu.pump.errors import Refusal
from pyemu.pump.records import (DEFAULT_PRIME_MS, Event, Prescription, RateStep, Reconciliation,
                                Status, StatusExt, Truth)

__all__ = ["PumpInterface", "Refusal", "Status", "Event", "Prescription", "RateStep",
           "Reconciliation", "StatusExt", "Truth", "DEFAULT_PRIME_MS"]


@runtime_checkable
class PumpInterface(Protocol):
    """A pump: its commands, its status and log, and its (manual) clock.

    Commands return None (or a record) when the pump accepted them and raise
    :class:`Refusal` when it refused. ``advance_by`` needs a pump whose time
    moves only on request (the core always; a device serving a manual clock).
    """

    # -- reading
    def status(self) -> Status:
        """The pump's status now."""
        ...

    def events(self, from_seq: int = 0) -> list[Event]:
        """The log entries with seq >= from_seq the pump still holds, oldest first."""
        ...

    def status_ext(self) -> StatusExt:
        """What STATUS does not carry: the implant's dead volume, the alarm re-sound
        interval, the refill projection and the drug's stability (days to expiry)."""
        ...

    # -- time
    def advance_by(self, delta_ms: int) -> Status:
        """Move the pump's time forward by delta_ms; the status after the jump."""
        ...

    # -- therapy
    def prescribe(self, rx: Prescription, confirm_soft_limit: bool = False) -> None:
        """Program the therapy (drug and concentration must match the reservoir).
        ``confirm_soft_limit``: the clinician confirms a 24-h dose limit above the drug
        library's soft limit (else refused with SOFT_LIMIT; hard limits: DRUG_LIMIT)."""
        ...

    def refill(self, volume_nl: int, drug: Union[Drug, str, int], conc_ug_ml: int,
               withdrawn_nl: Optional[int] = None) -> Optional[Reconciliation]:
        """Empty the reservoir and fill it with volume_nl of drug at conc_ug_ml. With
        ``withdrawn_nl`` (the volume drawn out first) the refill is reconciled and the
        record returned (as refill_reconciled)."""
        ...

    def refill_reconciled(self, volume_nl: int, drug: Union[Drug, str, int], conc_ug_ml: int,
                          withdrawn_nl: int) -> Reconciliation:
        """A refill that compares the volume withdrawn with the pump's own count."""
        ...

    def configure_implant(self, dead_volume_nl: int = 0, catheter_length_mm: int = 0,
                          catheter_nl_per_cm: int = 0, tubing_nl: int = 0) -> None:
        """Set the dead volume of pump tubing plus catheter: directly, or from a catheter
        trimmed to catheter_length_mm at catheter_nl_per_cm plus tubing_nl (not both)."""
        ...

    def set_alarm_resound(self, interval_ms: int) -> None:
        """How long after an acknowledgement a lasting non-critical alarm sounds again."""
        ...

    # -- boluses
    def clinician_bolus(self, volume_nl: int, duration_ms: int) -> None:
        ...

    def prime_bolus(self, volume_nl: int = 0, duration_ms: int = DEFAULT_PRIME_MS) -> None:
        """Prime (after implant) or bridge bolus; volume 0 = the configured dead volume."""
        ...

    def patient_bolus(self) -> None:
        """A request from the patient's controller (granted or refused, logged either way)."""
        ...

    def cancel_bolus(self) -> None:
        ...

    # -- delivery, alarms, faults
    def suspend(self) -> None:
        ...

    def resume(self) -> None:
        ...

    def ack_alarm(self, alarms: Union[Alarm, int, Sequence[str]]) -> None:
        """Silence active alarms, given as a bit set or by name."""
        ...

    def inject_fault(self, fault: Union[Fault, str, int]) -> None:
        """Simulate a fault (a device must serve --test-features)."""
        ...

    def clear_fault(self, fault: Union[Fault, str, int]) -> None:
        ...

    # -- the physical plant (test benches: docs/plant.md)
    def plant_fault(self, fault: Union[Fault, str, int], *, clear: bool = False, value: int = 0,
                    target: int = 0, duration_ms: int = 0, delay_ms: int = 0) -> None:
        """Inject (or clear) a fault of the mechanism, catheter, needle or an MRI field.
        A device serving --test-features has the plant; the bare core and a pump
        without test features refuse with reason unsupported."""
        ...

    def truth(self) -> Truth:
        """The physical plant: the real reservoir and where the drug went (same refusals)."""
        ...
