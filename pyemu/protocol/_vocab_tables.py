"""The pump's vocabulary as data: its enums and tables. GENERATED from protocol/vocabulary.json by `python protocol/tools/gen.py`: do not edit.

States, drugs, bolus kinds, faults, alarms (critical or not), event kinds (with
what data0/data1 mean) and reason codes (core pump_result_t and the protocol's
NAK reasons, with the sentence a user reads). Import them from
:mod:`pyemu.protocol.vocabulary`, which adds the user spellings (user_name, lookup).
"""
from __future__ import annotations

import enum
from typing import NamedTuple

__all__ = [
    "ALIASES", "Alarm", "BolusKind", "CRITICAL_ALARMS", "Catheter", "DRUG_LIBRARY", "Drug", "DrugLimits", "EVENT_DATA", "EventKind", "Fault",
    "MriRecovery",
    "REASON_GROUP", "REASON_SHORT", "REASON_TEXT", "Reason", "State", "WIRE_REASON_NAME",
]


class State(enum.IntEnum):
    """What the pump is doing (status.state; pump.h SEMANTICS, State)."""

    STOPPED = 0  # no prescription, or basal rate now 0 and no bolus
    RUNNING = 1  # delivering
    SUSPENDED = 2  # by the clinician (or a refill with another drug)
    HALTED = 3  # delivery stopped: reservoir empty, EOS, stall or memory error (takes precedence over SUSPENDED)


class Drug(enum.IntEnum):
    """Drug codes of the reservoir and the prescription. NONE is an empty pump, never a valid refill."""

    NONE = 0  # no drug (a new pump)
    MORPHINE = 1
    HYDROMORPHONE = 2
    ZICONOTIDE = 3
    BACLOFEN = 4
    SALINE = 5  # the only drug whose concentration may be 0
    OTHER = 6


class BolusKind(enum.IntEnum):
    """Which bolus runs (status.bolus_kind) or an event is about."""

    NONE = 0  # no bolus
    CLINICIAN = 1
    PRIME = 2  # prime or bridge: fills tubing + catheter dead volume
    PATIENT = 3


class Fault(enum.IntEnum):
    """Simulated hardware faults (INJECT_FAULT, test builds)."""

    NONE = 0  # no fault
    MOTOR_STALL = 1  # the next stroke fails; MOTOR_STALL latches until cleared
    MEMORY = 2  # MEMORY_ERROR at once; delivery halts until cleared
    FLOW_ERROR = 3  # plant (PLANT_FAULT): each stroke moves stroke_nl x factor from the real reservoir; factor constant or drifting
    OCCLUSION = 4  # plant: catheter occluded; nothing reaches the tip, the drug backs up (held); optionally the motor stalls after N strokes
    LEAK = 5  # plant: catheter leaking; that fraction of the drug goes to the tissue
    DISCONNECT = 6  # plant: catheter disconnected; all the drug goes to the tissue
    POCKET_FILL = 7  # plant: the next refill is injected into the pocket; the tissue gets its mass, the reservoir nothing
    MRI = 8  # plant: a magnetic field stalls the motor for the scan; recovery at once, after a delay or at the next interrogation


class Alarm(enum.IntFlag):
    """Alarm bits (status.alarms). A critical alarm halts delivery and sounds the full tone until acknowledged."""

    NONE = 0
    LOW_RESERVOIR = 1  # prescription exists and reservoir at or below the low-reservoir threshold
    RESERVOIR_EMPTY = 2  # prescription exists and less than one stroke left
    ERI = 4  # battery at elective replacement indicator (latched)
    EOS = 8  # battery at end of service
    MOTOR_STALL = 16  # a stroke failed while a stall fault was present (latched until cleared)
    DOSE_LIMIT = 32  # a bolus was refused by the 24-h dose limit; an event, not a lasting cause: ack clears it
    MEMORY_ERROR = 64  # memory fault present
    DRUG_EXPIRED = 128  # the reservoir's drug is past its stability time since the refill (drug library); a refill clears it

    @property
    def critical(self) -> "Alarm":
        """The critical bits of this set (they halt delivery)."""
        return self & CRITICAL_ALARMS


class EventKind(enum.IntEnum):
    """Kinds of event log entries and what their data0/data1 mean (pump.h SEMANTICS, Event data). `reason` = a reason code, `bolus_kind`, `alarm` and `fault` = a value of that table."""

    NONE = 0  # never logged
    INIT = 1
    RESET = 2  # restart from saved state
    PRESCRIBED = 3
    PRESCRIBE_REFUSED = 4
    BOLUS_START = 5
    BOLUS_END = 6
    BOLUS_CANCELLED = 7
    BOLUS_REFUSED = 8
    PATIENT_GRANTED = 9
    PATIENT_DENIED = 10
    SUSPENDED = 11
    RESUMED = 12
    REFILL = 13
    REFILL_REFUSED = 14
    ALARM_RAISED = 15
    ALARM_CLEARED = 16
    ALARM_ACKED = 17
    FAULT_INJECTED = 18
    FAULT_CLEARED = 19
    CLOCK_SET = 20  # logged by the device layer
    SECURITY = 21  # logged by authenticated sessions
    IMPLANT_CONFIGURED = 22  # implant configuration (tubing + catheter) changed; the catheter's old contents are discarded
    RESOUND_SET = 23  # re-sound interval of acknowledged non-critical alarms changed
    REFILL_RECONCILED = 24  # logged before REFILL when the refill gave the withdrawn volume
    SOFT_LIMIT_CONFIRMED = 25  # logged before PRESCRIBED when the clinician confirmed a 24-h dose limit above the drug's soft limit
    PLANT_FAULT = 30  # test bench: a plant fault injected (logged by the device)
    PLANT_CLEARED = 31  # test bench: a plant fault cleared
    MRI_ENDED = 32  # test bench: the MRI scan ended; the motor stays stalled until its recovery
    MRI_RECOVERED = 33  # test bench: the motor runs again after an MRI scan


class Reason(enum.IntEnum):
    """Why something was refused. Group core (0..127): the dosing core's pump_result_t (C PUMP_E_<name>, PUMP_OK), sent as-is in a NAK when the core refuses (wire name E_<name>). Group protocol (128..199): the codec and device (C PROTO_NAK_<name>). Group auth (200..): authenticated sessions (C PROTO_NAK_<name>). `text` is the sentence a user reads, `short` a few words for log lines (default: the name in words), `doc` (protocol groups) the protocol's meaning."""

    OK = 0
    ARG = 1
    RATE_RANGE = 2
    STEPS = 3
    CONCENTRATION = 4
    DOSE_LIMIT = 5
    LIMIT_RANGE = 6
    BOLUS_RANGE = 7
    BOLUS_ACTIVE = 8
    NO_BOLUS = 9
    SUSPENDED = 10
    EMPTY = 11
    EOS = 12
    STALLED = 13
    OVERFILL = 14
    LOCKOUT = 15
    COUNT = 16
    PB_DISABLED = 17
    TIME = 18
    NOT_SUSPENDED = 19
    NO_PRESCRIPTION = 20
    SNAPSHOT_SIZE = 21
    SNAPSHOT_MAGIC = 22
    SNAPSHOT_VERSION = 23
    SNAPSHOT_CRC = 24
    SNAPSHOT_INVALID = 25
    FAULT_KIND = 26
    ALARM = 27
    DRUG = 28
    CONFIG = 29
    NO_FAULT = 30
    MEMORY = 31
    THERAPY_ACTIVE = 32
    DRUG_LIMIT = 33
    SOFT_LIMIT = 34
    UNEXPECTED_MESSAGE = 128
    BAD_FLAGS = 129
    BAD_LENGTH = 130
    BAD_FIELD = 131
    UNSUPPORTED = 132
    CLOCK_MODE = 133
    BUSY = 134
    AUTH_REQUIRED = 200
    AUTH_FAILED = 201
    AUTH_REPLAY = 202
    AUTH_ROLE = 203
    AUTH_RATE_LIMITED = 204


class Catheter(enum.IntEnum):
    """State of the catheter in the physical plant (TRUTH, test builds; firmware/plant/plant.h)."""

    PATENT = 0  # open: the drug reaches the intrathecal tip
    OCCLUDED = 1  # nothing reaches the tip; the drug backs up (held)
    LEAKING = 2  # a fraction of the drug goes to the tissue
    DISCONNECTED = 3  # all the drug goes to the tissue


class MriRecovery(enum.IntEnum):
    """When the motor runs again after an MRI scan (PLANT_FAULT MRI)."""

    IMMEDIATE = 0  # at the end of the scan
    DELAY = 1  # a delay after the end of the scan
    INTERROGATION = 2  # at the first HELLO, GET_STATUS or GET_STATUS_EXT after the scan


#: The alarms that halt delivery and sound the full tone.
CRITICAL_ALARMS: Alarm = Alarm.RESERVOIR_EMPTY | Alarm.EOS | Alarm.MOTOR_STALL | Alarm.MEMORY_ERROR

#: Reason code -> the sentence a user reads.
REASON_TEXT: dict[int, str] = {
    0: 'no error (a NAK never carries this code)',
    1: 'a missing or malformed argument',
    2: 'a rate outside 0.048-24 mL/day (0 is allowed)',
    3: 'the schedule needs 1 to 24 steps starting at 00:00 in ascending order',
    4: "the concentration is 0, too high, or not the reservoir's",
    5: 'the 24-hour dose limit would be exceeded',
    6: 'the dose limit or the low-reservoir threshold is out of range',
    7: 'the bolus volume, duration or rate, or the patient-bolus settings, are out of range',
    8: 'a bolus is already running',
    9: 'no bolus is running',
    10: 'the pump is suspended',
    11: 'the reservoir is empty',
    12: 'the battery is at end of service',
    13: 'the motor has stalled and the fault is not cleared',
    14: 'more than the reservoir holds',
    15: 'inside the lockout time after the last patient bolus',
    16: 'the patient boluses allowed per 24 hours are used up, or the record of recent boluses is full',
    17: 'the prescription does not allow patient boluses',
    18: "time would move backwards, or past the pump's clock limit of 2^48 ms (3,257,812 days, about 8,919 years, since implant)",
    19: 'the pump is not suspended',
    20: 'no prescription is programmed yet',
    21: "the pump's memory image is truncated or of the wrong size",
    22: 'not a memory image of this pump',
    23: 'a memory image of a layout version this pump does not know',
    24: "the pump's memory image is corrupt (checksum mismatch)",
    25: "the pump's memory image decodes but breaks an invariant",
    26: 'no such fault',
    27: 'no such alarm is active',
    28: "the drug is not the reservoir's (or not a drug this pump knows)",
    29: 'the pump configuration is out of range',
    30: 'that fault is not present, so there is nothing to clear',
    31: 'the pump has a memory error: delivery is halted until the fault is cleared',
    32: 'the implant configuration can change only before the first prescription or while the pump is suspended',
    33: "beyond the drug library's hard limit for this drug (concentration, 24-hour dose or patient boluses)",
    34: "the 24-hour dose limit is above the drug library's soft limit: confirm it (--confirm-soft-limit)",
    128: 'the pump does not take that message in that direction',
    129: "the frame's flags are not valid for a request",
    130: 'the message has the wrong length',
    131: 'a field of the message is out of range (array count, yes/no value or selector)',
    132: 'not available on this pump (fault injection needs `pyemu serve --test-features`)',
    133: 'ADVANCE needs a pump with a manual clock (`pyemu serve --clock manual`)',
    134: 'the pump cannot take the request now; it is retried with the same sequence number',
    200: 'this pump has keys: give a key file (--key FILE --role clinician|patient)',
    201: 'the session key or proof does not verify (wrong key file or role)',
    202: 'a replayed or reordered frame',
    203: 'this role may not send that command (patients: status and patient bolus only)',
    204: 'handshakes are rate limited: another handshake for this role is pending (someone else on the line, or a flood); the key is not at fault, try again',
}
#: Reason code -> a few words for log lines (others: the user spelling in words).
REASON_SHORT: dict[int, str] = {
    4: 'different concentration',
    5: '24-h dose limit',
    8: 'bolus running',
    11: 'reservoir empty',
    12: 'battery end of service',
    13: 'motor stall',
    16: '24-h count reached',
    17: 'not prescribed',
    28: 'different drug',
    32: 'therapy active',
    33: 'drug library hard limit',
    34: 'soft limit not confirmed',
}
#: Reason code -> core, protocol or auth.
REASON_GROUP: dict[int, str] = {
    0: 'core',
    1: 'core',
    2: 'core',
    3: 'core',
    4: 'core',
    5: 'core',
    6: 'core',
    7: 'core',
    8: 'core',
    9: 'core',
    10: 'core',
    11: 'core',
    12: 'core',
    13: 'core',
    14: 'core',
    15: 'core',
    16: 'core',
    17: 'core',
    18: 'core',
    19: 'core',
    20: 'core',
    21: 'core',
    22: 'core',
    23: 'core',
    24: 'core',
    25: 'core',
    26: 'core',
    27: 'core',
    28: 'core',
    29: 'core',
    30: 'core',
    31: 'core',
    32: 'core',
    33: 'core',
    34: 'core',
    128: 'protocol',
    129: 'protocol',
    130: 'protocol',
    131: 'protocol',
    132: 'protocol',
    133: 'protocol',
    134: 'protocol',
    200: 'auth',
    201: 'auth',
    202: 'auth',
    203: 'auth',
    204: 'auth',
}
#: Reason code -> its name in the protocol spec (E_<name> for the core's refusals).
WIRE_REASON_NAME: dict[int, str] = {
    0: 'OK',
    1: 'E_ARG',
    2: 'E_RATE_RANGE',
    3: 'E_STEPS',
    4: 'E_CONCENTRATION',
    5: 'E_DOSE_LIMIT',
    6: 'E_LIMIT_RANGE',
    7: 'E_BOLUS_RANGE',
    8: 'E_BOLUS_ACTIVE',
    9: 'E_NO_BOLUS',
    10: 'E_SUSPENDED',
    11: 'E_EMPTY',
    12: 'E_EOS',
    13: 'E_STALLED',
    14: 'E_OVERFILL',
    15: 'E_LOCKOUT',
    16: 'E_COUNT',
    17: 'E_PB_DISABLED',
    18: 'E_TIME',
    19: 'E_NOT_SUSPENDED',
    20: 'E_NO_PRESCRIPTION',
    21: 'E_SNAPSHOT_SIZE',
    22: 'E_SNAPSHOT_MAGIC',
    23: 'E_SNAPSHOT_VERSION',
    24: 'E_SNAPSHOT_CRC',
    25: 'E_SNAPSHOT_INVALID',
    26: 'E_FAULT_KIND',
    27: 'E_ALARM',
    28: 'E_DRUG',
    29: 'E_CONFIG',
    30: 'E_NO_FAULT',
    31: 'E_MEMORY',
    32: 'E_THERAPY_ACTIVE',
    33: 'E_DRUG_LIMIT',
    34: 'E_SOFT_LIMIT',
    128: 'UNEXPECTED_MESSAGE',
    129: 'BAD_FLAGS',
    130: 'BAD_LENGTH',
    131: 'BAD_FIELD',
    132: 'UNSUPPORTED',
    133: 'CLOCK_MODE',
    134: 'BUSY',
    200: 'AUTH_REQUIRED',
    201: 'AUTH_FAILED',
    202: 'AUTH_REPLAY',
    203: 'AUTH_ROLE',
    204: 'AUTH_RATE_LIMITED',
}
#: Event kind -> (meaning of data0, meaning of data1).
EVENT_DATA: dict[EventKind, tuple[str, str]] = {
    EventKind.NONE: ('-', '-'),
    EventKind.INIT: ('serial', 'reservoir capacity nL'),
    EventKind.RESET: ('0', '0'),
    EventKind.PRESCRIBED: ('daily volume nL', 'max_dose_ug_24h'),
    EventKind.PRESCRIBE_REFUSED: ('0', 'reason'),
    EventKind.BOLUS_START: ('bolus_kind', 'volume nL'),
    EventKind.BOLUS_END: ('bolus_kind', 'volume nL'),
    EventKind.BOLUS_CANCELLED: ('bolus_kind', 'cause: 0 = cancel command, else reason SUSPENDED/EMPTY/EOS/STALLED/MEMORY'),
    EventKind.BOLUS_REFUSED: ('bolus_kind', 'reason'),
    EventKind.PATIENT_GRANTED: ('patient boluses in the last 24 h including this one', 'volume nL'),
    EventKind.PATIENT_DENIED: ('0', 'reason'),
    EventKind.SUSPENDED: ('cause: 0 = command, else reason DRUG/CONCENTRATION', '0'),
    EventKind.RESUMED: ('0', '0'),
    EventKind.REFILL: ('new volume nL', 'discarded nL'),
    EventKind.REFILL_REFUSED: ('0', 'reason'),
    EventKind.ALARM_RAISED: ('alarm bit', '0 = raised, 1 = an acknowledged alarm re-sounds (its cause lasted the re-sound interval)'),
    EventKind.ALARM_CLEARED: ('alarm bit', '0'),
    EventKind.ALARM_ACKED: ('alarm bit', '0'),
    EventKind.FAULT_INJECTED: ('fault', '0'),
    EventKind.FAULT_CLEARED: ('fault', '0'),
    EventKind.CLOCK_SET: ('unix_ms bits 0-31', 'unix_ms bits 32-63'),
    EventKind.SECURITY: ('reason (AUTH_*)', 'message type | role << 8 | refusals suppressed since the last entry << 16'),
    EventKind.IMPLANT_CONFIGURED: ('new dead volume nL', 'previous dead volume nL'),
    EventKind.RESOUND_SET: ('new re-sound interval ms', 'previous interval ms'),
    EventKind.REFILL_RECONCILED: ('expected nL (the reservoir before the refill)', 'withdrawn nL'),
    EventKind.SOFT_LIMIT_CONFIRMED: ('prescribed max_dose_ug_24h', "the drug library's soft limit ug/24 h"),
    EventKind.PLANT_FAULT: ('fault (a plant fault)', 'its value (factor ppm, leak ppm, strokes before a stall, MRI recovery rule)'),
    EventKind.PLANT_CLEARED: ('fault (a plant fault)', '0'),
    EventKind.MRI_ENDED: ('mri_recovery rule', 'scan minutes'),
    EventKind.MRI_RECOVERED: ('mri_recovery rule', 'minutes from the end of the scan'),
}


class DrugLimits(NamedTuple):
    """One row of the drug library (0 = no limit); the C core checks the same figures."""

    max_conc_ug_ml: int
    dose_hard_ug_24h: int
    dose_soft_ug_24h: int
    stability_days: int
    patient_bolus: bool
    source: str


#: Drug -> its drug-library row (vocabulary.json drug_library; NONE has no limits).
DRUG_LIBRARY: dict[Drug, DrugLimits] = {
    Drug.NONE: DrugLimits(0, 0, 0, 0, True, 'no limits'),
    Drug.MORPHINE: DrugLimits(20000, 15000, 10000, 90, True, 'stability 90 days: shared/domain.md (clinic refill guidance); concentration and dose limits: assumption'),
    Drug.HYDROMORPHONE: DrugLimits(15000, 10000, 5000, 60, True, 'assumption'),
    Drug.ZICONOTIDE: DrugLimits(100, 20, 10, 60, False, 'assumption'),
    Drug.BACLOFEN: DrugLimits(2000, 3000, 2000, 90, True, 'assumption'),
    Drug.SALINE: DrugLimits(0, 0, 0, 0, True, 'no limits'),
    Drug.OTHER: DrugLimits(0, 0, 0, 0, True, 'no limits: the library does not know the drug'),
}
#: Table class name -> {older spelling: name}: accepted by lookup() with a deprecation note.
ALIASES: dict[str, dict[str, str]] = {
    'Fault': {'motor-stall': 'MOTOR_STALL', 'flow-error': 'FLOW_ERROR', 'pocket-fill': 'POCKET_FILL'},
}
