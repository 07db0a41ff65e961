"""The message table (protocol/messages.json) and the pump's vocabulary (protocol/vocabulary.json), embedded. GENERATED from protocol/messages.json by `python protocol/tools/gen.py`: do not edit."""
import json

SCHEMA = json.loads(r"""{
  "title": "pyemu pump telemetry protocol: the message table",
  "protocol_version": 1,
  "comment": "Source of truth for every message. The Python codec builds its construct Structs from this file; firmware/proto/proto_msgs.{h,c} and pyemu/_cdef/proto.cdef are generated from it and from vocabulary.json, the pump's names and numbers (python protocol/tools/gen.py). All integers are little-endian. Field types: u8 u16 u32 u64, char[N] (ASCII, NUL-padded), and at most one array per message, always last, preceded on the wire by a u8 element count. 'enum' names a table below whose values the codec enforces; 'names' only documents where a value's meaning is listed (not enforced, so a newer device does not blind an older host). Ranges the dosing core enforces are given in 'doc', not as codec limits.",

  "frame": {
    "version": 1,
    "header_len": 6,
    "crc_len": 4,
    "auth_trailer_len": 20,
    "max_payload": 224,
    "max_raw": 254,
    "max_encoded": 255,
    "whitening": 165,
    "delimiter": 0
  },

  "flags": {
    "KIND_MASK": 3,
    "KIND_REQUEST": 0,
    "KIND_RESPONSE": 1,
    "KIND_UNSOLICITED": 2,
    "REPLAYED": 4,
    "AUTH": 8,
    "RESERVED_MASK": 240
  },

  "nak_reasons": {
    "comment": "The NAK reason codes are the `reason` table of protocol/vocabulary.json: 0..127 the dosing core's pump_result_t, named E_<name> here, sent as-is when the core refuses a command; 128..199 protocol-level reasons; 200.. authenticated sessions. Append, never renumber."
  },

  "drop_reasons": {
    "comment": "Why a receiver dropped a delimited chunk without delivering a frame (no reply is possible: nothing in it can be trusted). Checked in this order; the first failing check names the reason. Counters per reason: chunks and bytes (excluding the delimiter).",
    "OVERSIZE": {"value": 0, "doc": "more than max_encoded bytes before a delimiter"},
    "COBS": {"value": 1, "doc": "COBS decoding failed (a code byte runs past the end of the chunk)"},
    "SHORT": {"value": 2, "doc": "decoded frame shorter than header + CRC (10 bytes)"},
    "VERSION": {"value": 3, "doc": "version byte is not 1"},
    "LENGTH": {"value": 4, "doc": "payload length byte disagrees with the frame size, or exceeds max_payload"},
    "UNKNOWN_TYPE": {"value": 5, "doc": "message type not in this table (its definition CRC is unknown, so the frame cannot be verified)"},
    "CRC": {"value": 6, "doc": "CRC mismatch: corrupted, or sender built from a different message definition"}
  },

  "enums": {
    "comment": "Wire-only tables. The pump's own tables (state, drug, bolus_kind, fault, alarm_bits, event_kind) come from protocol/vocabulary.json, each under its `wire` name.",
    "fault_action": {"INJECT": 0, "CLEAR": 1},
    "step_unit": {"RATE_NL_DAY": 0, "DOSE_UG_DAY": 1},
    "bool": {"NO": 0, "YES": 1},
    "clock_mode": {"MANUAL": 0, "REALTIME": 1, "ACCELERATED": 2},
    "auth_role": {"CLINICIAN": 1, "PATIENT": 2},
    "capability_bits": {"FAULT_INJECTION": 1, "TEST_CLOCK": 2, "AUTH": 4},
    "refill_verdict": {"WITHIN_TOLERANCE": 0, "POSSIBLE_OVER_INFUSION": 1, "POSSIBLE_UNDER_INFUSION": 2}
  },

  "reserved_ids": [
    {"from": 0, "to": 0, "doc": "never a message type"},
    {"from": 22, "to": 23, "doc": "future requests"},
    {"from": 26, "to": 47, "doc": "future requests"},
    {"from": 51, "to": 63, "doc": "future authenticated-session requests"},
    {"from": 73, "to": 73, "doc": "future device-to-host messages"},
    {"from": 75, "to": 111, "doc": "future device-to-host messages"},
    {"from": 114, "to": 127, "doc": "future authenticated-session replies"},
    {"from": 128, "to": 255, "doc": "unassigned"}
  ],

  "messages": [
    {"id": 1, "name": "HELLO", "kinds": ["request"], "replies": ["HELLO_INFO", "NAK"],
     "doc": "Identify the device. Every device answers a version-1 HELLO, whatever else it speaks.",
     "fields": []},

    {"id": 2, "name": "GET_STATUS", "kinds": ["request"], "replies": ["STATUS", "NAK"],
     "doc": "Ask for one STATUS now.", "fields": []},

    {"id": 3, "name": "PRESCRIBE", "kinds": ["request"], "replies": ["ACK", "NAK"],
     "doc": "Program the therapy. One step is a simple continuous rate; up to 24 steps form a daily schedule. Step values are rates in nL/day, or doses in ug/day that the device converts with pump_dose_to_rate at conc_ug_ml (rounded to nearest) so every host gets the identical rate. The core checks every clinical limit and answers with its reason code.",
     "fields": [
       {"name": "drug", "type": "u8", "names": "drug", "doc": "must match the reservoir's drug (core: E_DRUG)"},
       {"name": "conc_ug_ml", "type": "u32", "unit": "ug/mL", "doc": "must match the reservoir's concentration"},
       {"name": "max_dose_ug_24h", "type": "u32", "unit": "ug", "doc": "rolling 24-h limit on basal + boluses; required"},
       {"name": "low_reservoir_nl", "type": "u32", "unit": "nL", "doc": "low-reservoir alarm threshold"},
       {"name": "pb_enabled", "type": "u8", "enum": "bool", "doc": "patient bolus allowed; 0 makes the pb_* fields ignored"},
       {"name": "pb_volume_nl", "type": "u32", "unit": "nL"},
       {"name": "pb_duration_ms", "type": "u32", "unit": "ms"},
       {"name": "pb_lockout_ms", "type": "u32", "unit": "ms", "doc": "counted from each granted bolus's start"},
       {"name": "pb_max_per_24h", "type": "u8", "unit": "count"},
       {"name": "step_unit", "type": "u8", "enum": "step_unit", "doc": "what each step's value is"},
       {"name": "steps", "type": "array", "element": "step", "min_count": 1, "max_count": 24,
        "doc": "ascending start times from minute 0",
        "fields": [
          {"name": "start_min", "type": "u16", "unit": "min", "doc": "minute of day the step starts, 0..1439; first step 0"},
          {"name": "value", "type": "u32", "unit": "nL/day or ug/day", "doc": "per step_unit; rate 0 or 48,000..24,000,000 nL/day"}
        ]}
     ]},

    {"id": 4, "name": "CLINICIAN_BOLUS", "kinds": ["request"], "replies": ["ACK", "NAK"],
     "doc": "Start a clinician bolus on top of the basal rate.",
     "fields": [
       {"name": "volume_nl", "type": "u32", "unit": "nL"},
       {"name": "duration_ms", "type": "u32", "unit": "ms"}
     ]},

    {"id": 5, "name": "PRIME_BOLUS", "kinds": ["request"], "replies": ["ACK", "NAK"],
     "doc": "Prime (after implant or catheter revision) or bridge (after a concentration change) bolus.",
     "fields": [
       {"name": "volume_nl", "type": "u32", "unit": "nL", "doc": "0 = the configured dead volume"},
       {"name": "duration_ms", "type": "u32", "unit": "ms"}
     ]},

    {"id": 6, "name": "PATIENT_BOLUS", "kinds": ["request"], "replies": ["ACK", "NAK"],
     "doc": "Patient's hand-held controller asks for the prescribed patient bolus; granted or denied (logged either way).",
     "fields": []},

    {"id": 7, "name": "CANCEL_BOLUS", "kinds": ["request"], "replies": ["ACK", "NAK"],
     "doc": "Stop the running bolus.", "fields": []},

    {"id": 8, "name": "SUSPEND", "kinds": ["request"], "replies": ["ACK", "NAK"],
     "doc": "Stop all delivery until RESUME.", "fields": []},

    {"id": 9, "name": "RESUME", "kinds": ["request"], "replies": ["ACK", "NAK"],
     "doc": "Resume delivery after SUSPEND.", "fields": []},

    {"id": 10, "name": "REFILL", "kinds": ["request"], "replies": ["ACK", "NAK"],
     "doc": "Empty the reservoir (the rest is discarded) and fill it with volume_nl of drug at conc_ug_ml.",
     "fields": [
       {"name": "volume_nl", "type": "u32", "unit": "nL"},
       {"name": "drug", "type": "u8", "names": "drug"},
       {"name": "conc_ug_ml", "type": "u32", "unit": "ug/mL"}
     ]},

    {"id": 11, "name": "ACK_ALARM", "kinds": ["request"], "replies": ["ACK", "NAK"],
     "doc": "Acknowledge active alarms: silences their tone; every alarm but DOSE_LIMIT stays active until its cause clears, and an acknowledged non-critical alarm sounds again after the re-sound interval (default 24 h) while its cause lasts (pump.h SEMANTICS, the alarm rule).",
     "fields": [
       {"name": "alarm_bits", "type": "u32", "names": "alarm_bits"}
     ]},

    {"id": 12, "name": "READ_EVENTS", "kinds": ["request"], "replies": ["EVENTS", "NAK"],
     "doc": "Read the event log from from_seq on, oldest first, one page per request.",
     "fields": [
       {"name": "from_seq", "type": "u32", "doc": "first event sequence number wanted (events are numbered from 1)"},
       {"name": "max_count", "type": "u8", "min": 1, "max": 9, "unit": "count"}
     ]},

    {"id": 13, "name": "SET_CLOCK", "kinds": ["request"], "replies": ["ACK", "NAK"],
     "doc": "Tell the device the wall-clock time at its present device time; it keeps the offset (for display and logs) and logs CLOCK_SET. Does not move device time.",
     "fields": [
       {"name": "unix_ms", "type": "u64", "unit": "ms since 1970-01-01T00:00Z"}
     ]},

    {"id": 14, "name": "ADVANCE", "kinds": ["request"], "replies": ["STATUS", "NAK"],
     "test_only": "manual clock mode only (NAK CLOCK_MODE otherwise)",
     "doc": "Move device time forward by delta_ms and reply with the STATUS after the jump.",
     "fields": [
       {"name": "delta_ms", "type": "u64", "unit": "ms"}
     ]},

    {"id": 15, "name": "INJECT_FAULT", "kinds": ["request"], "replies": ["ACK", "NAK"],
     "test_only": "test builds only (NAK UNSUPPORTED otherwise)",
     "doc": "Inject or clear a simulated hardware fault.",
     "fields": [
       {"name": "fault", "type": "u8", "names": "fault", "doc": "core: E_FAULT_KIND if unknown"},
       {"name": "action", "type": "u8", "enum": "fault_action"}
     ]},

    {"id": 16, "name": "CONFIGURE_IMPLANT", "kinds": ["request"], "replies": ["ACK", "NAK"],
     "doc": "Program the implant configuration: the dead volume of pump tubing + catheter that every prime/bridge bolus and dose-at-tip figure uses. Either catheter_length_mm = 0 and dead_volume_nl given directly, or catheter_length_mm > 0, dead_volume_nl = 0 and the device computes tubing_nl + ceil(catheter_length_mm * catheter_nl_per_cm / 10) (pump_dead_volume_from_catheter; both given: NAK BAD_FIELD). Clinician only; refused with E_THERAPY_ACTIVE once a prescription exists unless the pump is suspended; E_CONFIG out of range; logged as IMPLANT_CONFIGURED.",
     "fields": [
       {"name": "dead_volume_nl", "type": "u32", "unit": "nL", "doc": "0..2,000,000 when catheter_length_mm is 0, else 0"},
       {"name": "catheter_length_mm", "type": "u16", "unit": "mm", "doc": "0 = dead_volume_nl given directly; else 1..2000 (length left after trimming)"},
       {"name": "catheter_nl_per_cm", "type": "u32", "unit": "nL/cm", "doc": "1..10,000 (2.6 uL/cm = 2600)"},
       {"name": "tubing_nl", "type": "u32", "unit": "nL", "doc": "pump tubing volume, 0..500,000"}
     ]},

    {"id": 17, "name": "SET_ALARM_RESOUND", "kinds": ["request"], "replies": ["ACK", "NAK"],
     "doc": "Set the interval after which an acknowledged non-critical alarm whose cause lasts sounds again (pump.h SEMANTICS, the alarm rule). Applies to acknowledgements from then on. Clinician only; logged as RESOUND_SET.",
     "fields": [
       {"name": "interval_ms", "type": "u32", "unit": "ms", "doc": "60,000..604,800,000 (1 min..7 days; default 24 h), else E_LIMIT_RANGE"}
     ]},

    {"id": 18, "name": "REFILL_RECONCILE", "kinds": ["request"], "replies": ["REFILL_RESULT", "NAK"],
     "doc": "REFILL with the volume withdrawn from the reservoir before filling: the device compares it with the volume it expected and replies with the reconciliation (REFILL_RESULT). Same effect and refusals as REFILL, plus E_OVERFILL for a withdrawn volume above the capacity. REFILL (10) stays for hosts without the withdrawn volume.",
     "fields": [
       {"name": "volume_nl", "type": "u32", "unit": "nL"},
       {"name": "drug", "type": "u8", "names": "drug"},
       {"name": "conc_ug_ml", "type": "u32", "unit": "ug/mL"},
       {"name": "withdrawn_nl", "type": "u32", "unit": "nL", "doc": "0..capacity"}
     ]},

    {"id": 19, "name": "GET_STATUS_EXT", "kinds": ["request"], "replies": ["STATUS_EXT", "NAK"],
     "doc": "Ask for the status extension (STATUS_EXT): implant configuration, alarm re-sound interval and the refill projection. Allowed to both roles.",
     "fields": []},

    {"id": 20, "name": "PRESCRIBE_CONFIRM", "kinds": ["request"], "replies": ["ACK", "NAK"],
     "doc": "PRESCRIBE with the clinician's answer to the drug library's soft limit: confirm_soft_limit = 1 accepts a max_dose_ug_24h above the drug's soft limit (logged SOFT_LIMIT_CONFIRMED); hard limits are refused either way (E_DRUG_LIMIT). Otherwise exactly PRESCRIBE (3), which stays and refuses above the soft limit with E_SOFT_LIMIT. Clinician only.",
     "fields": [
       {"name": "confirm_soft_limit", "type": "u8", "enum": "bool", "doc": "1 = the clinician confirmed a dose limit above the soft limit"},
       {"name": "drug", "type": "u8", "names": "drug", "doc": "as PRESCRIBE"},
       {"name": "conc_ug_ml", "type": "u32", "unit": "ug/mL"},
       {"name": "max_dose_ug_24h", "type": "u32", "unit": "ug"},
       {"name": "low_reservoir_nl", "type": "u32", "unit": "nL"},
       {"name": "pb_enabled", "type": "u8", "enum": "bool"},
       {"name": "pb_volume_nl", "type": "u32", "unit": "nL"},
       {"name": "pb_duration_ms", "type": "u32", "unit": "ms"},
       {"name": "pb_lockout_ms", "type": "u32", "unit": "ms"},
       {"name": "pb_max_per_24h", "type": "u8", "unit": "count"},
       {"name": "step_unit", "type": "u8", "enum": "step_unit"},
       {"name": "steps", "type": "array", "element": "confirm_step", "min_count": 1, "max_count": 24,
        "doc": "as PRESCRIBE",
        "fields": [
          {"name": "start_min", "type": "u16", "unit": "min"},
          {"name": "value", "type": "u32", "unit": "nL/day or ug/day"}
        ]}
     ]},

    {"id": 21, "name": "GET_DRUG_STATUS", "kinds": ["request"], "replies": ["DRUG_STATUS", "NAK"],
     "doc": "Ask for the reservoir drug's status against the drug library (DRUG_STATUS). Allowed to both roles.",
     "fields": []},

    {"id": 24, "name": "PLANT_FAULT", "kinds": ["request"], "replies": ["ACK", "NAK"],
     "test_only": "test builds only (NAK UNSUPPORTED otherwise)",
     "doc": "Inject or clear a fault of the physical plant (firmware/plant/plant.h): the mechanism, the catheter, the refill needle, an MRI field. The firmware does not see the fault, only what it causes (a motor stall). A parameter out of range: NAK BAD_FIELD; a kind that is not a plant fault: E_FAULT_KIND; clearing an absent fault: E_NO_FAULT. Fields a kind does not use must be 0. The catheter has one state: OCCLUSION, LEAK and DISCONNECT replace one another. Clearing takes only fault and action.",
     "fields": [
       {"name": "fault", "type": "u8", "names": "fault", "doc": "FLOW_ERROR, OCCLUSION, LEAK, DISCONNECT, POCKET_FILL or MRI"},
       {"name": "action", "type": "u8", "enum": "fault_action"},
       {"name": "value", "type": "u32", "doc": "FLOW_ERROR: flow factor ppm (1,000,000 = exact; 0..2,000,000, not 1,000,000 with no drift); OCCLUSION: strokes of back-pressure before the motor stalls (0 = never, up to 10,000); LEAK: fraction ppm (1..999,999); MRI: mri_recovery rule"},
       {"name": "target", "type": "u32", "doc": "FLOW_ERROR drifting: the factor ppm reached after duration_ms (linear, per day)"},
       {"name": "duration_ms", "type": "u32", "unit": "ms", "doc": "FLOW_ERROR: drift time (0 = constant); MRI: scan duration, 1 min..24 h"},
       {"name": "delay_ms", "type": "u32", "unit": "ms", "doc": "MRI with recovery DELAY: 1 min..7 days after the scan"}
     ]},

    {"id": 25, "name": "GET_TRUTH", "kinds": ["request"], "replies": ["TRUTH", "NAK"],
     "test_only": "test builds only (NAK UNSUPPORTED otherwise)",
     "doc": "Read the physical plant (TRUTH): what is really in the reservoir and where the drug went, beside what the firmware believes. Read-only.",
     "fields": []},

    {"id": 48, "name": "AUTH_BEGIN", "kinds": ["request"], "replies": ["AUTH_CHALLENGE", "NAK"],
     "doc": "Start a session handshake (spec 6.2) for a role. Answered without a session; the 16-byte nonce travels as two u64 (bytes 0-7, then 8-15).",
     "fields": [
       {"name": "role", "type": "u8", "enum": "auth_role"},
       {"name": "host_nonce_lo", "type": "u64", "doc": "host nonce bytes 0-7 (LE)"},
       {"name": "host_nonce_hi", "type": "u64", "doc": "host nonce bytes 8-15 (LE)"}
     ]},

    {"id": 49, "name": "AUTH_PROVE", "kinds": ["request"], "replies": ["AUTH_ACCEPT", "NAK"],
     "doc": "Second half of the handshake: the host's proof (16 bytes as two u64). A wrong proof is NAK AUTH_FAILED.",
     "fields": [
       {"name": "proof_lo", "type": "u64", "doc": "host_proof bytes 0-7 (LE)"},
       {"name": "proof_hi", "type": "u64", "doc": "host_proof bytes 8-15 (LE)"}
     ]},

    {"id": 50, "name": "AUTH_END", "kinds": ["request"], "replies": ["ACK", "NAK"],
     "doc": "End the session (sent inside it; the ACK is its last authenticated frame).",
     "fields": []},

    {"id": 64, "name": "ACK", "kinds": ["response"],
     "doc": "The request with this seq was accepted and took effect.",
     "fields": [
       {"name": "req_type", "type": "u8", "doc": "message type of the request"}
     ]},

    {"id": 65, "name": "NAK", "kinds": ["response"],
     "doc": "The request with this seq was refused and had no effect.",
     "fields": [
       {"name": "req_type", "type": "u8", "doc": "message type of the request"},
       {"name": "reason", "type": "u8", "names": "nak_reasons"}
     ]},

    {"id": 66, "name": "HELLO_INFO", "kinds": ["response"],
     "doc": "Who the device is and what it speaks.",
     "fields": [
       {"name": "protocol_version", "type": "u8"},
       {"name": "schema_crc", "type": "u32", "doc": "CRC of every message definition (see spec.md); equal on both sides = same message table"},
       {"name": "model", "type": "char[16]", "doc": "ASCII, NUL-padded"},
       {"name": "serial", "type": "u32"},
       {"name": "fw_major", "type": "u8"},
       {"name": "fw_minor", "type": "u8"},
       {"name": "fw_patch", "type": "u8"},
       {"name": "capabilities", "type": "u16", "names": "capability_bits"},
       {"name": "clock_mode", "type": "u8", "names": "clock_mode"},
       {"name": "clock_speed", "type": "u32", "unit": "x real time", "doc": "0 in manual mode, 1 real time, N accelerated"},
       {"name": "reservoir_capacity_nl", "type": "u32", "unit": "nL"},
       {"name": "max_payload", "type": "u8", "unit": "bytes"}
     ]},

    {"id": 67, "name": "STATUS", "kinds": ["response", "unsolicited"],
     "doc": "Pump status (pump_status_t): the reply to GET_STATUS and ADVANCE, and periodic telemetry.",
     "fields": [
       {"name": "now_ms", "type": "u64", "unit": "ms since implant"},
       {"name": "state", "type": "u8", "names": "state"},
       {"name": "rate_nl_day", "type": "u32", "unit": "nL/day", "doc": "basal now plus any running bolus's rate"},
       {"name": "basal_nl_day", "type": "u32", "unit": "nL/day"},
       {"name": "reservoir_nl", "type": "u32", "unit": "nL"},
       {"name": "pumped_nl", "type": "u64", "unit": "nL", "doc": "moved by strokes since implant"},
       {"name": "delivered_pg", "type": "u64", "unit": "pg", "doc": "drug mass out of the catheter tip"},
       {"name": "battery_nc", "type": "u64", "unit": "nC", "doc": "usable charge left"},
       {"name": "battery_permille", "type": "u16", "unit": "1/1000 of capacity"},
       {"name": "days_to_eri", "type": "u32", "unit": "days", "doc": "0 once ERI is reached"},
       {"name": "alarms", "type": "u32", "names": "alarm_bits"},
       {"name": "unacked_alarms", "type": "u32", "names": "alarm_bits"},
       {"name": "bolus_kind", "type": "u8", "names": "bolus_kind"},
       {"name": "bolus_remaining_nl", "type": "u32", "unit": "nL"},
       {"name": "drug", "type": "u8", "names": "drug"},
       {"name": "conc_ug_ml", "type": "u32", "unit": "ug/mL"},
       {"name": "dose_24h_ug", "type": "u32", "unit": "ug", "doc": "counted against the 24-h limit now"},
       {"name": "last_event_seq", "type": "u32"}
     ]},

    {"id": 68, "name": "EVENTS", "kinds": ["response"],
     "doc": "One page of the event log (the reply to READ_EVENTS). Events older than first_available were overwritten; if the page ends before newest_seq, ask again from the last seq + 1.",
     "fields": [
       {"name": "first_available", "type": "u32", "doc": "oldest seq the ring still holds (0 if the log is empty)"},
       {"name": "newest_seq", "type": "u32", "doc": "newest seq in the log (0 if empty)"},
       {"name": "events", "type": "array", "element": "event", "min_count": 0, "max_count": 9,
        "fields": [
          {"name": "seq", "type": "u32"},
          {"name": "time_ms", "type": "u64", "unit": "ms since implant"},
          {"name": "kind", "type": "u16", "names": "event_kind"},
          {"name": "data0", "type": "u32", "doc": "meaning per kind (pump.h)"},
          {"name": "data1", "type": "u32", "doc": "meaning per kind (pump.h)"}
        ]}
     ]},

    {"id": 69, "name": "ALARM", "kinds": ["unsolicited"],
     "doc": "Sent at once when the set of active or unacknowledged alarms changes. Not acknowledged on the wire; STATUS repeats the alarm state, so a lost ALARM is made good by the next STATUS.",
     "fields": [
       {"name": "now_ms", "type": "u64", "unit": "ms since implant"},
       {"name": "alarms", "type": "u32", "names": "alarm_bits"},
       {"name": "unacked_alarms", "type": "u32", "names": "alarm_bits"},
       {"name": "raised", "type": "u32", "names": "alarm_bits", "doc": "bits that became active since the last ALARM"},
       {"name": "cleared", "type": "u32", "names": "alarm_bits", "doc": "bits that cleared since the last ALARM"}
     ]},

    {"id": 70, "name": "REFILL_RESULT", "kinds": ["response"],
     "doc": "The reply to REFILL_RECONCILE: the refill took effect, and this is its reconciliation (pump.h SEMANTICS, Refill reconciliation). Signed discrepancy = withdrawn_nl - expected_nl.",
     "fields": [
       {"name": "expected_nl", "type": "u32", "unit": "nL", "doc": "the reservoir the pump computed just before the refill"},
       {"name": "withdrawn_nl", "type": "u32", "unit": "nL"},
       {"name": "discrepancy_nl", "type": "u32", "unit": "nL", "doc": "|withdrawn - expected|"},
       {"name": "delivered_nl", "type": "u32", "unit": "nL", "doc": "pumped since the previous refill"},
       {"name": "tolerance_nl", "type": "u32", "unit": "nL", "doc": "min(ceil(14.5 % of delivered), 1 mL on a 20 mL pump / 2 mL on a 40 mL pump)"},
       {"name": "verdict", "type": "u8", "enum": "refill_verdict"}
     ]},

    {"id": 71, "name": "STATUS_EXT", "kinds": ["response"],
     "doc": "Status extension (the reply to GET_STATUS_EXT): fields added after STATUS (67), whose layout does not change.",
     "fields": [
       {"name": "now_ms", "type": "u64", "unit": "ms since implant"},
       {"name": "dead_volume_nl", "type": "u32", "unit": "nL", "doc": "pump tubing + catheter in force"},
       {"name": "resound_ms", "type": "u32", "unit": "ms", "doc": "re-sound interval of acknowledged non-critical alarms"},
       {"name": "days_to_low_reservoir", "type": "u32", "unit": "days", "doc": "until the low-reservoir threshold at the current use (basal + patient boluses of the last 24 h); 4294967295 = never"},
       {"name": "days_to_low_reservoir_max_use", "type": "u32", "unit": "days", "doc": "same, every allowed patient bolus taken"},
       {"name": "unacked_alarms", "type": "u32", "names": "alarm_bits", "doc": "as STATUS: active alarms still sounding"}
     ]},

    {"id": 72, "name": "DRUG_STATUS", "kinds": ["response"],
     "doc": "The reply to GET_DRUG_STATUS: the reservoir's drug, when it was filled and how long it stays within its stability time (drug library).",
     "fields": [
       {"name": "now_ms", "type": "u64", "unit": "ms since implant"},
       {"name": "drug", "type": "u8", "names": "drug", "doc": "the reservoir's"},
       {"name": "conc_ug_ml", "type": "u32", "unit": "ug/mL", "doc": "the reservoir's"},
       {"name": "refill_ms", "type": "u64", "unit": "ms since implant", "doc": "time of the last refill (0 before one)"},
       {"name": "stability_days", "type": "u32", "unit": "days", "doc": "the drug library's stability time; 0 = none"},
       {"name": "days_to_drug_expiry", "type": "u32", "unit": "days", "doc": "whole days until DRUG_EXPIRED; 0 once expired; 4294967295 = never"}
     ]},

    {"id": 74, "name": "TRUTH", "kinds": ["response"],
     "doc": "The physical plant (reply to GET_TRUTH, test builds): the truth the firmware cannot see.",
     "fields": [
       {"name": "now_ms", "type": "u64", "unit": "ms since implant"},
       {"name": "reservoir_nl", "type": "u32", "unit": "nL", "doc": "really in the reservoir"},
       {"name": "conc_ug_ml", "type": "u32", "unit": "ug/mL", "doc": "of the drug really in the reservoir"},
       {"name": "intrathecal_pg", "type": "u64", "unit": "pg", "doc": "drug mass that reached the intrathecal space"},
       {"name": "tissue_pg", "type": "u64", "unit": "pg", "doc": "drug mass in the pocket and tissue (leak, disconnection, pocket fill)"},
       {"name": "held_pg", "type": "u64", "unit": "pg", "doc": "drug mass backed up behind an occlusion"},
       {"name": "moved_nl", "type": "u64", "unit": "nL", "doc": "volume the mechanism really moved since implant"},
       {"name": "catheter", "type": "u8", "names": "catheter"},
       {"name": "factor_ppm", "type": "u32", "unit": "ppm", "doc": "flow factor now (1,000,000 = exact)"},
       {"name": "leak_ppm", "type": "u32", "unit": "ppm"},
       {"name": "pocket_fill", "type": "u8", "enum": "bool", "doc": "the next refill goes to the pocket"},
       {"name": "mri", "type": "u8", "doc": "0 none, 1 scanning, 2 scan over, motor waiting for its recovery"},
       {"name": "faults", "type": "u32", "doc": "bit (1 << fault) per plant fault present"}
     ]},

    {"id": 112, "name": "AUTH_CHALLENGE", "kinds": ["response"],
     "doc": "The device's half of the handshake: a session number and a fresh nonce (two u64).",
     "fields": [
       {"name": "session", "type": "u32"},
       {"name": "device_nonce_lo", "type": "u64", "doc": "device nonce bytes 0-7 (LE)"},
       {"name": "device_nonce_hi", "type": "u64", "doc": "device nonce bytes 8-15 (LE)"}
     ]},

    {"id": 113, "name": "AUTH_ACCEPT", "kinds": ["response"],
     "doc": "The host's proof verified: the session is open. Carries the device's proof (two u64), which the host checks before it trusts the session.",
     "fields": [
       {"name": "proof_lo", "type": "u64", "doc": "device_proof bytes 0-7 (LE)"},
       {"name": "proof_hi", "type": "u64", "doc": "device_proof bytes 8-15 (LE)"}
     ]}
  ]
}
""")

VOCABULARY = json.loads(r"""{
  "title": "pyemu pump vocabulary: every name and number of the pump",
  "comment": "Source of truth for the pump's enums: states, drugs, bolus kinds, faults, alarms, event kinds and reason codes. `python protocol/tools/gen.py` writes from it firmware/core/pump_vocab.h (the core's C enums and reason texts), firmware/device/vocab_check.h (compile-time checks that the wire's PROTO_* values equal the core's PUMP_* values), pyemu/protocol/vocabulary.py (the Python enums and texts) and the tables of protocol/spec.md; the message table (messages.json) takes these tables as its enums and NAK reasons. Values are on the wire and in saved state: append, never renumber. Spelling: `name` is the C and wire name (UPPER_SNAKE); what a user sees (CLI, JSON, scenario files, events, plots) is always name.lower(), and nothing else; `aliases` are older spellings the CLI and scenario files still accept, with a deprecation note.",

  "state": {
    "wire": "state", "c_type": "pump_state_t", "c_prefix": "PUMP_STATE_",
    "doc": "What the pump is doing (status.state; pump.h SEMANTICS, State).",
    "values": [
      {"name": "STOPPED", "value": 0, "doc": "no prescription, or basal rate now 0 and no bolus"},
      {"name": "RUNNING", "value": 1, "doc": "delivering"},
      {"name": "SUSPENDED", "value": 2, "doc": "by the clinician (or a refill with another drug)"},
      {"name": "HALTED", "value": 3, "doc": "delivery stopped: reservoir empty, EOS, stall or memory error (takes precedence over SUSPENDED)"}
    ]
  },

  "drug": {
    "wire": "drug", "c_type": "pump_drug_t", "c_prefix": "PUMP_DRUG_", "c_count": "PUMP_DRUG_COUNT",
    "doc": "Drug codes of the reservoir and the prescription. NONE is an empty pump, never a valid refill.",
    "values": [
      {"name": "NONE", "value": 0, "doc": "no drug (a new pump)"},
      {"name": "MORPHINE", "value": 1},
      {"name": "HYDROMORPHONE", "value": 2},
      {"name": "ZICONOTIDE", "value": 3},
      {"name": "BACLOFEN", "value": 4},
      {"name": "SALINE", "value": 5, "doc": "the only drug whose concentration may be 0"},
      {"name": "OTHER", "value": 6}
    ]
  },

  "bolus_kind": {
    "wire": "bolus_kind", "c_type": "pump_bolus_kind_t", "c_prefix": "PUMP_BOLUS_",
    "doc": "Which bolus runs (status.bolus_kind) or an event is about.",
    "values": [
      {"name": "NONE", "value": 0, "doc": "no bolus"},
      {"name": "CLINICIAN", "value": 1},
      {"name": "PRIME", "value": 2, "doc": "prime or bridge: fills tubing + catheter dead volume"},
      {"name": "PATIENT", "value": 3}
    ]
  },

  "fault": {
    "wire": "fault", "c_type": "pump_fault_t", "c_prefix": "PUMP_FAULT_",
    "doc": "Simulated hardware faults (INJECT_FAULT, test builds).",
    "values": [
      {"name": "NONE", "value": 0, "doc": "no fault"},
      {"name": "MOTOR_STALL", "value": 1, "doc": "the next stroke fails; MOTOR_STALL latches until cleared", "aliases": ["motor-stall"]},
      {"name": "MEMORY", "value": 2, "doc": "MEMORY_ERROR at once; delivery halts until cleared"},
      {"name": "FLOW_ERROR", "value": 3, "doc": "plant (PLANT_FAULT): each stroke moves stroke_nl x factor from the real reservoir; factor constant or drifting", "aliases": ["flow-error"]},
      {"name": "OCCLUSION", "value": 4, "doc": "plant: catheter occluded; nothing reaches the tip, the drug backs up (held); optionally the motor stalls after N strokes"},
      {"name": "LEAK", "value": 5, "doc": "plant: catheter leaking; that fraction of the drug goes to the tissue"},
      {"name": "DISCONNECT", "value": 6, "doc": "plant: catheter disconnected; all the drug goes to the tissue"},
      {"name": "POCKET_FILL", "value": 7, "doc": "plant: the next refill is injected into the pocket; the tissue gets its mass, the reservoir nothing", "aliases": ["pocket-fill"]},
      {"name": "MRI", "value": 8, "doc": "plant: a magnetic field stalls the motor for the scan; recovery at once, after a delay or at the next interrogation"}
    ]
  },

  "catheter": {
    "wire": "catheter", "c_type": "plant_catheter_t", "c_prefix": "PLANT_CATHETER_",
    "doc": "State of the catheter in the physical plant (TRUTH, test builds; firmware/plant/plant.h).",
    "values": [
      {"name": "PATENT", "value": 0, "doc": "open: the drug reaches the intrathecal tip"},
      {"name": "OCCLUDED", "value": 1, "doc": "nothing reaches the tip; the drug backs up (held)"},
      {"name": "LEAKING", "value": 2, "doc": "a fraction of the drug goes to the tissue"},
      {"name": "DISCONNECTED", "value": 3, "doc": "all the drug goes to the tissue"}
    ]
  },

  "mri_recovery": {
    "wire": "mri_recovery", "c_type": "plant_mri_recovery_t", "c_prefix": "PLANT_MRI_RECOVERY_",
    "doc": "When the motor runs again after an MRI scan (PLANT_FAULT MRI).",
    "values": [
      {"name": "IMMEDIATE", "value": 0, "doc": "at the end of the scan"},
      {"name": "DELAY", "value": 1, "doc": "a delay after the end of the scan"},
      {"name": "INTERROGATION", "value": 2, "doc": "at the first HELLO, GET_STATUS or GET_STATUS_EXT after the scan"}
    ]
  },

  "drug_library": {
    "doc": "The drug library: per drug the highest concentration (ug/mL), the 24-h dose hard limit (refused: E_DRUG_LIMIT) and soft limit (needs the clinician's confirmation: E_SOFT_LIMIT) that a prescription's max_dose_ug_24h may reach, the stability in the reservoir (days from the refill to the DRUG_EXPIRED alarm) and whether patient boluses are allowed. 0 = no limit (no stability time). SALINE and OTHER have no limits: the library knows nothing about them. `source` says where a figure comes from; `assumption` marks a sensible default the team could not check against a primary source (configurable by editing this table).",
    "entries": [
      {"drug": "MORPHINE", "max_conc_ug_ml": 20000, "dose_hard_ug_24h": 15000, "dose_soft_ug_24h": 10000, "stability_days": 90, "patient_bolus": true, "source": "stability 90 days: shared/domain.md (clinic refill guidance); concentration and dose limits: assumption"},
      {"drug": "HYDROMORPHONE", "max_conc_ug_ml": 15000, "dose_hard_ug_24h": 10000, "dose_soft_ug_24h": 5000, "stability_days": 60, "patient_bolus": true, "source": "assumption"},
      {"drug": "ZICONOTIDE", "max_conc_ug_ml": 100, "dose_hard_ug_24h": 20, "dose_soft_ug_24h": 10, "stability_days": 60, "patient_bolus": false, "source": "assumption"},
      {"drug": "BACLOFEN", "max_conc_ug_ml": 2000, "dose_hard_ug_24h": 3000, "dose_soft_ug_24h": 2000, "stability_days": 90, "patient_bolus": true, "source": "assumption"},
      {"drug": "SALINE", "max_conc_ug_ml": 0, "dose_hard_ug_24h": 0, "dose_soft_ug_24h": 0, "stability_days": 0, "patient_bolus": true, "source": "no limits"},
      {"drug": "OTHER", "max_conc_ug_ml": 0, "dose_hard_ug_24h": 0, "dose_soft_ug_24h": 0, "stability_days": 0, "patient_bolus": true, "source": "no limits: the library does not know the drug"}
    ]
  },

  "alarm": {
    "wire": "alarm_bits", "c_prefix": "PUMP_ALARM_", "bits": true,
    "doc": "Alarm bits (status.alarms). A critical alarm halts delivery and sounds the full tone until acknowledged.",
    "values": [
      {"name": "LOW_RESERVOIR", "value": 1, "critical": false, "doc": "prescription exists and reservoir at or below the low-reservoir threshold"},
      {"name": "RESERVOIR_EMPTY", "value": 2, "critical": true, "doc": "prescription exists and less than one stroke left"},
      {"name": "ERI", "value": 4, "critical": false, "doc": "battery at elective replacement indicator (latched)"},
      {"name": "EOS", "value": 8, "critical": true, "doc": "battery at end of service"},
      {"name": "MOTOR_STALL", "value": 16, "critical": true, "doc": "a stroke failed while a stall fault was present (latched until cleared)"},
      {"name": "DOSE_LIMIT", "value": 32, "critical": false, "doc": "a bolus was refused by the 24-h dose limit; an event, not a lasting cause: ack clears it"},
      {"name": "MEMORY_ERROR", "value": 64, "critical": true, "doc": "memory fault present"},
      {"name": "DRUG_EXPIRED", "value": 128, "critical": false, "doc": "the reservoir's drug is past its stability time since the refill (drug library); a refill clears it"}
    ]
  },

  "event_kind": {
    "wire": "event_kind", "c_type": "pump_event_kind_t", "c_prefix": "PUMP_EV_", "c_count": "PUMP_EV_KIND_COUNT",
    "doc": "Kinds of event log entries and what their data0/data1 mean (pump.h SEMANTICS, Event data). `reason` = a reason code, `bolus_kind`, `alarm` and `fault` = a value of that table.",
    "values": [
      {"name": "NONE", "value": 0, "data0": "-", "data1": "-", "doc": "never logged"},
      {"name": "INIT", "value": 1, "data0": "serial", "data1": "reservoir capacity nL"},
      {"name": "RESET", "value": 2, "data0": "0", "data1": "0", "doc": "restart from saved state"},
      {"name": "PRESCRIBED", "value": 3, "data0": "daily volume nL", "data1": "max_dose_ug_24h"},
      {"name": "PRESCRIBE_REFUSED", "value": 4, "data0": "0", "data1": "reason"},
      {"name": "BOLUS_START", "value": 5, "data0": "bolus_kind", "data1": "volume nL"},
      {"name": "BOLUS_END", "value": 6, "data0": "bolus_kind", "data1": "volume nL"},
      {"name": "BOLUS_CANCELLED", "value": 7, "data0": "bolus_kind", "data1": "cause: 0 = cancel command, else reason SUSPENDED/EMPTY/EOS/STALLED/MEMORY"},
      {"name": "BOLUS_REFUSED", "value": 8, "data0": "bolus_kind", "data1": "reason"},
      {"name": "PATIENT_GRANTED", "value": 9, "data0": "patient boluses in the last 24 h including this one", "data1": "volume nL"},
      {"name": "PATIENT_DENIED", "value": 10, "data0": "0", "data1": "reason"},
      {"name": "SUSPENDED", "value": 11, "data0": "cause: 0 = command, else reason DRUG/CONCENTRATION", "data1": "0"},
      {"name": "RESUMED", "value": 12, "data0": "0", "data1": "0"},
      {"name": "REFILL", "value": 13, "data0": "new volume nL", "data1": "discarded nL"},
      {"name": "REFILL_REFUSED", "value": 14, "data0": "0", "data1": "reason"},
      {"name": "ALARM_RAISED", "value": 15, "data0": "alarm bit", "data1": "0 = raised, 1 = an acknowledged alarm re-sounds (its cause lasted the re-sound interval)"},
      {"name": "ALARM_CLEARED", "value": 16, "data0": "alarm bit", "data1": "0"},
      {"name": "ALARM_ACKED", "value": 17, "data0": "alarm bit", "data1": "0"},
      {"name": "FAULT_INJECTED", "value": 18, "data0": "fault", "data1": "0"},
      {"name": "FAULT_CLEARED", "value": 19, "data0": "fault", "data1": "0"},
      {"name": "CLOCK_SET", "value": 20, "data0": "unix_ms bits 0-31", "data1": "unix_ms bits 32-63", "doc": "logged by the device layer"},
      {"name": "SECURITY", "value": 21, "data0": "reason (AUTH_*)", "data1": "message type | role << 8 | refusals suppressed since the last entry << 16", "doc": "logged by authenticated sessions"},
      {"name": "IMPLANT_CONFIGURED", "value": 22, "data0": "new dead volume nL", "data1": "previous dead volume nL", "doc": "implant configuration (tubing + catheter) changed; the catheter's old contents are discarded"},
      {"name": "RESOUND_SET", "value": 23, "data0": "new re-sound interval ms", "data1": "previous interval ms", "doc": "re-sound interval of acknowledged non-critical alarms changed"},
      {"name": "REFILL_RECONCILED", "value": 24, "data0": "expected nL (the reservoir before the refill)", "data1": "withdrawn nL", "doc": "logged before REFILL when the refill gave the withdrawn volume"},
      {"name": "SOFT_LIMIT_CONFIRMED", "value": 25, "data0": "prescribed max_dose_ug_24h", "data1": "the drug library's soft limit ug/24 h", "doc": "logged before PRESCRIBED when the clinician confirmed a 24-h dose limit above the drug's soft limit"},
      {"name": "PLANT_FAULT", "value": 30, "data0": "fault (a plant fault)", "data1": "its value (factor ppm, leak ppm, strokes before a stall, MRI recovery rule)", "doc": "test bench: a plant fault injected (logged by the device)"},
      {"name": "PLANT_CLEARED", "value": 31, "data0": "fault (a plant fault)", "data1": "0", "doc": "test bench: a plant fault cleared"},
      {"name": "MRI_ENDED", "value": 32, "data0": "mri_recovery rule", "data1": "scan minutes", "doc": "test bench: the MRI scan ended; the motor stays stalled until its recovery"},
      {"name": "MRI_RECOVERED", "value": 33, "data0": "mri_recovery rule", "data1": "minutes from the end of the scan", "doc": "test bench: the motor runs again after an MRI scan"}
    ]
  },

  "reason": {
    "wire": "nak_reasons", "c_type": "pump_result_t", "c_count": "PUMP_RESULT_COUNT",
    "doc": "Why something was refused. Group core (0..127): the dosing core's pump_result_t (C PUMP_E_<name>, PUMP_OK), sent as-is in a NAK when the core refuses (wire name E_<name>). Group protocol (128..199): the codec and device (C PROTO_NAK_<name>). Group auth (200..): authenticated sessions (C PROTO_NAK_<name>). `text` is the sentence a user reads, `short` a few words for log lines (default: the name in words), `doc` (protocol groups) the protocol's meaning.",
    "values": [
      {"group": "core", "name": "OK", "value": 0, "text": "no error (a NAK never carries this code)", "doc": "success"},
      {"group": "core", "name": "ARG", "value": 1, "text": "a missing or malformed argument", "doc": "null pointer or malformed argument"},
      {"group": "core", "name": "RATE_RANGE", "value": 2, "text": "a rate outside 0.048-24 mL/day (0 is allowed)", "doc": "a step rate outside 0.048-24 mL/day (0 allowed)"},
      {"group": "core", "name": "STEPS", "value": 3, "text": "the schedule needs 1 to 24 steps starting at 00:00 in ascending order", "doc": "step count 0 or > 24, or start times not ascending from 0"},
      {"group": "core", "name": "CONCENTRATION", "value": 4, "text": "the concentration is 0, too high, or not the reservoir's", "short": "different concentration", "doc": "concentration 0 or above the maximum, or not the reservoir's"},
      {"group": "core", "name": "DOSE_LIMIT", "value": 5, "text": "the 24-hour dose limit would be exceeded", "short": "24-h dose limit", "doc": "the 24-h dose limit would be exceeded"},
      {"group": "core", "name": "LIMIT_RANGE", "value": 6, "text": "the dose limit or the low-reservoir threshold is out of range", "doc": "dose limit or low-reservoir threshold out of range"},
      {"group": "core", "name": "BOLUS_RANGE", "value": 7, "text": "the bolus volume, duration or rate, or the patient-bolus settings, are out of range", "doc": "bolus volume, duration, rate or patient settings out of range"},
      {"group": "core", "name": "BOLUS_ACTIVE", "value": 8, "text": "a bolus is already running", "short": "bolus running", "doc": "a bolus is already running"},
      {"group": "core", "name": "NO_BOLUS", "value": 9, "text": "no bolus is running", "doc": "cancel with no bolus running"},
      {"group": "core", "name": "SUSPENDED", "value": 10, "text": "the pump is suspended", "doc": "refused while suspended"},
      {"group": "core", "name": "EMPTY", "value": 11, "text": "the reservoir is empty", "short": "reservoir empty", "doc": "reservoir empty"},
      {"group": "core", "name": "EOS", "value": 12, "text": "the battery is at end of service", "short": "battery end of service", "doc": "battery at end of service"},
      {"group": "core", "name": "STALLED", "value": 13, "text": "the motor has stalled and the fault is not cleared", "short": "motor stall", "doc": "motor stall not cleared"},
      {"group": "core", "name": "OVERFILL", "value": 14, "text": "more than the reservoir holds", "doc": "refill above the reservoir's capacity"},
      {"group": "core", "name": "LOCKOUT", "value": 15, "text": "inside the lockout time after the last patient bolus", "doc": "patient bolus inside the lockout after the last one"},
      {"group": "core", "name": "COUNT", "value": 16, "text": "the patient boluses allowed per 24 hours are used up, or the record of recent boluses is full", "short": "24-h count reached", "doc": "patient bolus count per 24 h reached, or bolus record full"},
      {"group": "core", "name": "PB_DISABLED", "value": 17, "text": "the prescription does not allow patient boluses", "short": "not prescribed", "doc": "patient bolus not enabled by the prescription"},
      {"group": "core", "name": "TIME", "value": 18, "text": "time would move backwards, or past the pump's clock limit of 2^48 ms (3,257,812 days, about 8,919 years, since implant)", "doc": "time moved backwards"},
      {"group": "core", "name": "NOT_SUSPENDED", "value": 19, "text": "the pump is not suspended", "doc": "resume while not suspended"},
      {"group": "core", "name": "NO_PRESCRIPTION", "value": 20, "text": "no prescription is programmed yet", "doc": "no prescription programmed yet"},
      {"group": "core", "name": "SNAPSHOT_SIZE", "value": 21, "text": "the pump's memory image is truncated or of the wrong size", "doc": "snapshot buffer too small / image truncated"},
      {"group": "core", "name": "SNAPSHOT_MAGIC", "value": 22, "text": "not a memory image of this pump", "doc": "not a pump snapshot"},
      {"group": "core", "name": "SNAPSHOT_VERSION", "value": 23, "text": "a memory image of a layout version this pump does not know", "doc": "snapshot from an unknown layout version"},
      {"group": "core", "name": "SNAPSHOT_CRC", "value": 24, "text": "the pump's memory image is corrupt (checksum mismatch)", "doc": "snapshot corrupt"},
      {"group": "core", "name": "SNAPSHOT_INVALID", "value": 25, "text": "the pump's memory image decodes but breaks an invariant", "doc": "snapshot decodes but breaks an invariant"},
      {"group": "core", "name": "FAULT_KIND", "value": 26, "text": "no such fault", "doc": "unknown fault kind"},
      {"group": "core", "name": "ALARM", "value": 27, "text": "no such alarm is active", "doc": "no such alarm active"},
      {"group": "core", "name": "DRUG", "value": 28, "text": "the drug is not the reservoir's (or not a drug this pump knows)", "short": "different drug", "doc": "unknown drug code, or not the reservoir's drug"},
      {"group": "core", "name": "CONFIG", "value": 29, "text": "the pump configuration is out of range", "doc": "pump configuration out of range"},
      {"group": "core", "name": "NO_FAULT", "value": 30, "text": "that fault is not present, so there is nothing to clear", "doc": "clear of a fault that is not present"},
      {"group": "core", "name": "MEMORY", "value": 31, "text": "the pump has a memory error: delivery is halted until the fault is cleared", "doc": "memory error not cleared"},
      {"group": "core", "name": "THERAPY_ACTIVE", "value": 32, "text": "the implant configuration can change only before the first prescription or while the pump is suspended", "short": "therapy active", "doc": "implant configuration while a prescription runs (suspend first)"},
      {"group": "core", "name": "DRUG_LIMIT", "value": 33, "text": "beyond the drug library's hard limit for this drug (concentration, 24-hour dose or patient boluses)", "short": "drug library hard limit", "doc": "concentration above the drug's maximum, 24-h dose limit above its hard limit, or patient boluses for a drug that allows none"},
      {"group": "core", "name": "SOFT_LIMIT", "value": 34, "text": "the 24-hour dose limit is above the drug library's soft limit: confirm it (--confirm-soft-limit)", "short": "soft limit not confirmed", "doc": "24-h dose limit above the drug's soft limit without the clinician's confirmation"},
      {"group": "protocol", "name": "UNEXPECTED_MESSAGE", "value": 128, "text": "the pump does not take that message in that direction", "doc": "a known message with a kind it never has (e.g. ACK or STATUS sent as a request)"},
      {"group": "protocol", "name": "BAD_FLAGS", "value": 129, "text": "the frame's flags are not valid for a request", "doc": "reserved flag bits set, kind 3, or REPLAYED on a request"},
      {"group": "protocol", "name": "BAD_LENGTH", "value": 130, "text": "the message has the wrong length", "doc": "payload length is not the length this message type has (or its array count implies)"},
      {"group": "protocol", "name": "BAD_FIELD", "value": 131, "text": "a field of the message is out of range (array count, yes/no value or selector)", "doc": "a field the codec checks is out of range: array count, boolean, selector"},
      {"group": "protocol", "name": "UNSUPPORTED", "value": 132, "text": "not available on this pump (fault injection needs `pyemu serve --test-features`)", "doc": "feature not in this build or configuration: AUTH flag or handshake on a device without keys, INJECT_FAULT on a production build"},
      {"group": "protocol", "name": "CLOCK_MODE", "value": 133, "text": "ADVANCE needs a pump with a manual clock (`pyemu serve --clock manual`)", "doc": "not allowed in the device's clock mode (ADVANCE outside manual mode)"},
      {"group": "protocol", "name": "BUSY", "value": 134, "text": "the pump cannot take the request now; it is retried with the same sequence number", "doc": "device cannot take the request now (e.g. state not yet saved); retry with the same seq"},
      {"group": "auth", "name": "AUTH_REQUIRED", "value": 200, "text": "this pump has keys: give a key file (--key FILE --role clinician|patient)", "doc": "the device has keys and the request came outside a session"},
      {"group": "auth", "name": "AUTH_FAILED", "value": 201, "text": "the session key or proof does not verify (wrong key file or role)", "doc": "a proof or tag does not verify"},
      {"group": "auth", "name": "AUTH_REPLAY", "value": 202, "text": "a replayed or reordered frame", "doc": "a session counter not above the last accepted one (replayed or reordered frame)"},
      {"group": "auth", "name": "AUTH_ROLE", "value": 203, "text": "this role may not send that command (patients: status and patient bolus only)", "doc": "the session's role may not send this request"},
      {"group": "auth", "name": "AUTH_RATE_LIMITED", "value": 204, "text": "handshakes are rate limited: another handshake for this role is pending (someone else on the line, or a flood); the key is not at fault, try again", "doc": "handshake throttled, not a verdict on the key"}
    ]
  }
}
""")
