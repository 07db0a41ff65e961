"""The message table (protocol/messages.json), embedded. GENERATED from protocol/messages.json by `python -m pyemu.protocol.gen`: do not edit."""
import json

SCHEMA = json.loads(r"""{
  "title": "pyemu pump telemetry protocol: the message table",
  "protocol_version": 1,
  "comment": "Source of truth for every message. The Python codec builds its construct Structs from this file; firmware/proto/proto_msgs.{h,c} and pyemu/_cdef/proto.cdef are generated from it (python -m pyemu.protocol.gen). All integers are little-endian. Field types: u8 u16 u32 u64, char[N] (ASCII, NUL-padded), and at most one array per message, always last, preceded on the wire by a u8 element count. 'enum' names a table below whose values the codec enforces; 'names' only documents where a value's meaning is listed (not enforced, so a newer device does not blind an older host). Ranges the dosing core enforces are given in 'doc', not as codec limits.",

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
    "comment": "0..127: the dosing core's pump_result_t (firmware/core/pump.h), sent as-is when the core refuses a command. 128..: protocol-level reasons. 200..: reserved for authenticated sessions. Append, never renumber.",
    "core": {
      "OK": 0, "E_ARG": 1, "E_RATE_RANGE": 2, "E_STEPS": 3, "E_CONCENTRATION": 4,
      "E_DOSE_LIMIT": 5, "E_LIMIT_RANGE": 6, "E_BOLUS_RANGE": 7, "E_BOLUS_ACTIVE": 8,
      "E_NO_BOLUS": 9, "E_SUSPENDED": 10, "E_EMPTY": 11, "E_EOS": 12, "E_STALLED": 13,
      "E_OVERFILL": 14, "E_LOCKOUT": 15, "E_COUNT": 16, "E_PB_DISABLED": 17, "E_TIME": 18,
      "E_NOT_SUSPENDED": 19, "E_NO_PRESCRIPTION": 20, "E_SNAPSHOT_SIZE": 21,
      "E_SNAPSHOT_MAGIC": 22, "E_SNAPSHOT_VERSION": 23, "E_SNAPSHOT_CRC": 24,
      "E_SNAPSHOT_INVALID": 25, "E_FAULT_KIND": 26, "E_ALARM": 27, "E_DRUG": 28, "E_CONFIG": 29,
      "E_NO_FAULT": 30, "E_MEMORY": 31
    },
    "protocol": {
      "UNEXPECTED_MESSAGE": {"value": 128, "doc": "a known message with a kind it never has (e.g. ACK or STATUS sent as a request)"},
      "BAD_FLAGS": {"value": 129, "doc": "reserved flag bits set, kind 3, or REPLAYED on a request"},
      "BAD_LENGTH": {"value": 130, "doc": "payload length is not the length this message type has (or its array count implies)"},
      "BAD_FIELD": {"value": 131, "doc": "a field the codec checks is out of range: array count, boolean, selector"},
      "UNSUPPORTED": {"value": 132, "doc": "feature not in this build or configuration: AUTH flag or handshake on a device without keys, INJECT_FAULT on a production build"},
      "CLOCK_MODE": {"value": 133, "doc": "not allowed in the device's clock mode (ADVANCE outside manual mode)"},
      "BUSY": {"value": 134, "doc": "device cannot take the request now (e.g. state not yet saved); retry with the same seq"}
    },
    "reserved_auth": {
      "AUTH_REQUIRED": 200, "AUTH_FAILED": 201, "AUTH_REPLAY": 202, "AUTH_ROLE": 203,
      "AUTH_RATE_LIMITED": 204
    }
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
    "state": {"STOPPED": 0, "RUNNING": 1, "SUSPENDED": 2},
    "drug": {"NONE": 0, "MORPHINE": 1, "HYDROMORPHONE": 2, "ZICONOTIDE": 3, "BACLOFEN": 4, "SALINE": 5, "OTHER": 6},
    "bolus_kind": {"NONE": 0, "CLINICIAN": 1, "PRIME": 2, "PATIENT": 3},
    "fault": {"NONE": 0, "MOTOR_STALL": 1, "MEMORY": 2},
    "fault_action": {"INJECT": 0, "CLEAR": 1},
    "step_unit": {"RATE_NL_DAY": 0, "DOSE_UG_DAY": 1},
    "bool": {"NO": 0, "YES": 1},
    "clock_mode": {"MANUAL": 0, "REALTIME": 1, "ACCELERATED": 2},
    "auth_role": {"CLINICIAN": 1, "PATIENT": 2},
    "alarm_bits": {"LOW_RESERVOIR": 1, "RESERVOIR_EMPTY": 2, "ERI": 4, "EOS": 8, "MOTOR_STALL": 16, "DOSE_LIMIT": 32, "MEMORY_ERROR": 64},
    "capability_bits": {"FAULT_INJECTION": 1, "TEST_CLOCK": 2, "AUTH": 4},
    "event_kind": {"NONE": 0, "INIT": 1, "RESET": 2, "PRESCRIBED": 3, "PRESCRIBE_REFUSED": 4,
      "BOLUS_START": 5, "BOLUS_END": 6, "BOLUS_CANCELLED": 7, "BOLUS_REFUSED": 8,
      "PATIENT_GRANTED": 9, "PATIENT_DENIED": 10, "SUSPENDED": 11, "RESUMED": 12, "REFILL": 13,
      "REFILL_REFUSED": 14, "ALARM_RAISED": 15, "ALARM_CLEARED": 16, "ALARM_ACKED": 17,
      "FAULT_INJECTED": 18, "FAULT_CLEARED": 19, "CLOCK_SET": 20, "SECURITY": 21}
  },

  "reserved_ids": [
    {"from": 0, "to": 0, "doc": "never a message type"},
    {"from": 16, "to": 47, "doc": "future requests"},
    {"from": 51, "to": 63, "doc": "future authenticated-session requests"},
    {"from": 70, "to": 111, "doc": "future device-to-host messages"},
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
     "doc": "Acknowledge active alarms (silences their tone; the condition stays until cleared).",
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
