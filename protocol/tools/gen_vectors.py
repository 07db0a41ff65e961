"""Golden vectors: the cases, their files (protocol/vectors/*.json) and their C form.

Each vector is a byte stream with the outcome every implementation must
produce: the intact frames (type, seq, flags, error or fields, payload) and
the drop counters (chunks and bytes per reason). Valid frames must also be
re-encoded byte for byte. The files are generated from the cases below by
``python protocol/tools/gen.py`` and a test fails when they drift, so the
bytes on the wire cannot change by accident.
"""
from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any, Callable, Optional

from pyemu.protocol.framing import FrameDecoder, _raw, encode, raw_to_wire
from pyemu.protocol.messages import encode_payload
from pyemu.protocol.schema import (
    FLAG_AUTH,
    FLAG_REPLAYED,
    KIND_REQUEST,
    KIND_RESPONSE,
    KIND_UNSOLICITED,
    MESSAGES,
    MsgType,
    SCHEMA,
    Schema,
)

GROUPS = ("valid", "errors", "drops", "streams")

_STEPS24 = [{"start_min": 60 * h, "value": 48_000 + 1_000 * h} for h in range(24)]
_EVENTS9 = [
    {"seq": 100 + k, "time_ms": 86_400_000 * k + 1234, "kind": 5 + (k % 10), "data0": k, "data1": 0xFFFFFFFF - k}
    for k in range(9)
]
_STATUS = dict(
    now_ms=15_552_000_000, state=1, rate_nl_day=500_000, basal_nl_day=500_000, reservoir_nl=12_345_678,
    pumped_nl=7_654_321, delivered_pg=190_000_000_000, battery_nc=1_234_567_890_123, battery_permille=873,
    days_to_eri=2190, alarms=1, unacked_alarms=1, bolus_kind=0, bolus_remaining_nl=0, drug=1, conc_ug_ml=25_000,
    dose_24h_ug=12_500, last_event_seq=4242,
)
_PRESCRIBE = dict(
    drug=1, conc_ug_ml=25_000, max_dose_ug_24h=15_000, low_reservoir_nl=2_000_000, pb_enabled=1,
    pb_volume_nl=20_000, pb_duration_ms=300_000, pb_lockout_ms=3_600_000, pb_max_per_24h=4, step_unit=0,
    steps=[{"start_min": 0, "value": 500_000}],
)

# (name, description, msg, seq, flags, fields)
VALID: list[tuple[str, str, str, int, int, dict[str, Any]]] = [
    ("hello", "HELLO request (no payload)", "HELLO", 1, KIND_REQUEST, {}),
    ("get_status", "GET_STATUS request", "GET_STATUS", 2, KIND_REQUEST, {}),
    ("prescribe_simple", "PRESCRIBE, one step: 0.5 mL/day morphine 25 mg/mL, patient bolus on",
     "PRESCRIBE", 3, KIND_REQUEST, _PRESCRIBE),
    ("prescribe_24_steps", "PRESCRIBE, 24-step daily schedule of rates (the largest request)",
     "PRESCRIBE", 4, KIND_REQUEST, dict(_PRESCRIBE, pb_enabled=0, steps=_STEPS24)),
    ("prescribe_dose", "PRESCRIBE in ug/day: 300 ug/day then 450 ug/day from 08:00",
     "PRESCRIBE", 5, KIND_REQUEST,
     dict(_PRESCRIBE, step_unit=1, steps=[{"start_min": 0, "value": 300}, {"start_min": 480, "value": 450}])),
    ("clinician_bolus", "CLINICIAN_BOLUS 0.5 mL over 10 min", "CLINICIAN_BOLUS", 7, KIND_REQUEST,
     dict(volume_nl=500_000, duration_ms=600_000)),
    ("prime_bolus", "PRIME_BOLUS of the configured dead volume over 30 min", "PRIME_BOLUS", 8, KIND_REQUEST,
     dict(volume_nl=0, duration_ms=1_800_000)),
    ("patient_bolus", "PATIENT_BOLUS", "PATIENT_BOLUS", 9, KIND_REQUEST, {}),
    ("cancel_bolus", "CANCEL_BOLUS", "CANCEL_BOLUS", 10, KIND_REQUEST, {}),
    ("suspend", "SUSPEND", "SUSPEND", 11, KIND_REQUEST, {}),
    ("resume", "RESUME", "RESUME", 12, KIND_REQUEST, {}),
    ("refill", "REFILL 20 mL baclofen 2000 ug/mL", "REFILL", 13, KIND_REQUEST,
     dict(volume_nl=20_000_000, drug=4, conc_ug_ml=2_000)),
    ("ack_alarm", "ACK_ALARM low reservoir + empty", "ACK_ALARM", 14, KIND_REQUEST, dict(alarm_bits=3)),
    ("read_events", "READ_EVENTS from seq 100, page of 9", "READ_EVENTS", 15, KIND_REQUEST,
     dict(from_seq=100, max_count=9)),
    ("set_clock", "SET_CLOCK 2024-01-01T00:00Z", "SET_CLOCK", 16, KIND_REQUEST, dict(unix_ms=1_704_067_200_000)),
    ("advance", "ADVANCE 30 days", "ADVANCE", 17, KIND_REQUEST, dict(delta_ms=30 * 86_400_000)),
    ("inject_fault", "INJECT_FAULT motor stall", "INJECT_FAULT", 18, KIND_REQUEST, dict(fault=1, action=0)),
    ("ack", "ACK of CLINICIAN_BOLUS seq 7", "ACK", 7, KIND_RESPONSE, dict(req_type=4)),
    ("ack_replayed", "ACK re-sent from the reply cache (REPLAYED)", "ACK", 7, KIND_RESPONSE | FLAG_REPLAYED,
     dict(req_type=4)),
    ("nak_core", "NAK of PATIENT_BOLUS: E_LOCKOUT (core reason 15)", "NAK", 9, KIND_RESPONSE,
     dict(req_type=6, reason=15)),
    ("nak_protocol", "NAK of READ_EVENTS: BAD_FIELD (protocol reason 131)", "NAK", 15, KIND_RESPONSE,
     dict(req_type=12, reason=131)),
    ("hello_info", "HELLO_INFO of an emulated 20 mL pump in manual clock mode", "HELLO_INFO", 1, KIND_RESPONSE,
     dict(protocol_version=1, schema_crc=SCHEMA.schema_crc, model="PYEMU-IT20", serial=123_456, fw_major=0,
          fw_minor=1, fw_patch=0, capabilities=3, clock_mode=0, clock_speed=0, reservoir_capacity_nl=20_000_000,
          max_payload=224)),
    ("status_response", "STATUS in reply to GET_STATUS", "STATUS", 2, KIND_RESPONSE, _STATUS),
    ("status_telemetry", "STATUS as periodic telemetry (unsolicited, device seq)", "STATUS", 40_000,
     KIND_UNSOLICITED, dict(_STATUS, alarms=0, unacked_alarms=0)),
    ("events_page", "EVENTS page of 9 (the largest frame)", "EVENTS", 15, KIND_RESPONSE,
     dict(first_available=1, newest_seq=200, events=_EVENTS9)),
    ("events_empty", "EVENTS page with nothing newer", "EVENTS", 15, KIND_RESPONSE,
     dict(first_available=0, newest_seq=0, events=[])),
    ("alarm", "ALARM: reservoir empty raised", "ALARM", 41_000, KIND_UNSOLICITED,
     dict(now_ms=5_000_000_000, alarms=3, unacked_alarms=2, raised=2, cleared=0)),
    ("seq_max", "seq 65535 (wraps to 0 next)", "SUSPEND", 65_535, KIND_REQUEST, {}),
    ("auth_begin", "AUTH_BEGIN as clinician with host nonce 00 01 .. 0f", "AUTH_BEGIN", 19, KIND_REQUEST,
     dict(role=1, host_nonce_lo=0x0706050403020100, host_nonce_hi=0x0F0E0D0C0B0A0908)),
    ("auth_prove", "AUTH_PROVE with host proof 10 11 .. 1f", "AUTH_PROVE", 20, KIND_REQUEST,
     dict(proof_lo=0x1716151413121110, proof_hi=0x1F1E1D1C1B1A1918)),
    ("auth_end", "AUTH_END", "AUTH_END", 21, KIND_REQUEST, {}),
    ("auth_challenge", "AUTH_CHALLENGE: session 1, device nonce 20 21 .. 2f", "AUTH_CHALLENGE", 19,
     KIND_RESPONSE, dict(session=1, device_nonce_lo=0x2726252423222120, device_nonce_hi=0x2F2E2D2C2B2A2928)),
    ("auth_accept", "AUTH_ACCEPT with device proof 30 31 .. 3f", "AUTH_ACCEPT", 20, KIND_RESPONSE,
     dict(proof_lo=0x3736353433323130, proof_hi=0x3F3E3D3C3B3A3938)),
    # issue 12: implant configuration, alarm re-sound, refill reconciliation, status extension
    ("configure_implant_direct", "CONFIGURE_IMPLANT with a direct dead volume of 200 uL", "CONFIGURE_IMPLANT",
     22, KIND_REQUEST, dict(dead_volume_nl=200_000, catheter_length_mm=0, catheter_nl_per_cm=0, tubing_nl=0)),
    ("configure_implant_catheter", "CONFIGURE_IMPLANT: 60 cm catheter at 2.6 uL/cm + 100 uL tubing",
     "CONFIGURE_IMPLANT", 23, KIND_REQUEST,
     dict(dead_volume_nl=0, catheter_length_mm=600, catheter_nl_per_cm=2600, tubing_nl=100_000)),
    ("set_alarm_resound", "SET_ALARM_RESOUND every 12 h", "SET_ALARM_RESOUND", 24, KIND_REQUEST,
     dict(interval_ms=43_200_000)),
    ("refill_reconcile", "REFILL_RECONCILE 20 mL morphine 10 mg/mL, 2.9 mL withdrawn", "REFILL_RECONCILE", 25,
     KIND_REQUEST, dict(volume_nl=20_000_000, drug=1, conc_ug_ml=10_000, withdrawn_nl=2_900_000)),
    ("refill_result", "REFILL_RESULT: 0.6 mL less withdrawn than expected, beyond 14.5 % of 3 mL",
     "REFILL_RESULT", 25, KIND_RESPONSE,
     dict(expected_nl=3_500_000, withdrawn_nl=2_900_000, discrepancy_nl=600_000, delivered_nl=3_000_000,
          tolerance_nl=435_000, verdict=1)),
    ("get_status_ext", "GET_STATUS_EXT request", "GET_STATUS_EXT", 26, KIND_REQUEST, {}),
    ("status_ext", "STATUS_EXT: 256 uL dead volume, 24 h re-sound, 21 / 15 days to low reservoir",
     "STATUS_EXT", 26, KIND_RESPONSE,
     dict(now_ms=15_552_000_000, dead_volume_nl=256_000, resound_ms=86_400_000, days_to_low_reservoir=21,
          days_to_low_reservoir_max_use=15, unacked_alarms=0)),
    ("prescribe_confirm", "PRESCRIBE_CONFIRM: morphine 10 mg/mL, 12 mg/24 h limit above the soft limit, confirmed",
     "PRESCRIBE_CONFIRM", 27, KIND_REQUEST,
     dict(_PRESCRIBE, confirm_soft_limit=1, conc_ug_ml=10_000, max_dose_ug_24h=12_000)),
    ("get_drug_status", "GET_DRUG_STATUS request", "GET_DRUG_STATUS", 28, KIND_REQUEST, {}),
    ("drug_status", "DRUG_STATUS: morphine 10 mg/mL refilled at day 150, 90-day stability, 60 days left",
     "DRUG_STATUS", 28, KIND_RESPONSE,
     dict(now_ms=15_552_000_000, drug=1, conc_ug_ml=10_000, refill_ms=12_960_000_000, stability_days=90,
          days_to_drug_expiry=60)),
    # issue 13: the physical plant (test builds)
    ("plant_fault_flow", "PLANT_FAULT inject FLOW_ERROR +20 % constant", "PLANT_FAULT", 27, KIND_REQUEST,
     dict(fault=3, action=0, value=1_200_000, target=0, duration_ms=0, delay_ms=0)),
    ("plant_fault_mri", "PLANT_FAULT inject MRI 45 min, recovery at interrogation", "PLANT_FAULT", 28,
     KIND_REQUEST, dict(fault=8, action=0, value=2, target=0, duration_ms=2_700_000, delay_ms=0)),
    ("get_truth", "GET_TRUTH request", "GET_TRUTH", 29, KIND_REQUEST, {}),
    ("truth", "TRUTH: 2 mL left at 10 mg/mL, 180 mg intrathecal, flow +20 %", "TRUTH", 29, KIND_RESPONSE,
     dict(now_ms=2_592_000_000, reservoir_nl=2_000_000, conc_ug_ml=10_000, intrathecal_pg=180_000_000_000,
          tissue_pg=0, held_pg=0, moved_nl=18_000_000, catheter=0, factor_ppm=1_200_000, leak_ppm=0,
          pocket_fill=0, mri=0, faults=8)),
]


def _raw_frame(msg: str, seq: int, flags: int, payload: bytes, auth: bytes = b"") -> bytes:
    return _raw(MESSAGES[msg].id, seq, flags, payload, auth)


def _wire(msg: str, seq: int, flags: int, payload: bytes, auth: bytes = b"") -> bytes:
    return raw_to_wire(_raw_frame(msg, seq, flags, payload, auth))


def _bolus() -> bytes:
    return encode("CLINICIAN_BOLUS", 7, KIND_REQUEST, volume_nl=500_000, duration_ms=600_000)


def _bolus_raw() -> bytes:
    return _raw_frame("CLINICIAN_BOLUS", 7, KIND_REQUEST, encode_payload("CLINICIAN_BOLUS", volume_nl=500_000,
                                                                         duration_ms=600_000))


def _recrc(raw: bytes, seed: int) -> bytes:
    body = raw[:-4]
    return body + zlib.crc32(body, seed).to_bytes(4, "little")


def _error_cases() -> list[tuple[str, str, bytes]]:
    """Intact frames (CRC right) the receiver must answer with a NAK reason."""
    pres = encode_payload("PRESCRIBE", **_PRESCRIBE)
    bad_count = pres[:-7] + bytes([25]) + pres[-6:]          # n_steps 25, one step's bytes
    short_steps = pres[:-7] + bytes([2]) + pres[-6:]         # says 2 steps, carries 1
    pb2 = bytearray(pres)
    pb2[13] = 2                                              # pb_enabled = 2
    hello_info = next(v[5] for v in VALID if v[0] == "hello_info")
    model = bytearray(encode_payload("HELLO_INFO", **hello_info))
    model[5 + 12] = 0x41                                     # text after the NUL padding
    return [
        ("reserved_flag", "reserved flag bit 7 set on a SUSPEND request: BAD_FLAGS",
         _wire("SUSPEND", 20, 0x80, b"")),
        ("kind_3", "kind 3 (invalid): BAD_FLAGS", _wire("SUSPEND", 21, 3, b"")),
        ("ack_as_request", "ACK sent as a request: UNEXPECTED_MESSAGE",
         _wire("ACK", 22, KIND_REQUEST, bytes([4]))),
        ("replayed_request", "REPLAYED on a request: BAD_FLAGS",
         _wire("SUSPEND", 23, KIND_REQUEST | FLAG_REPLAYED, b"")),
        ("auth_flag", "AUTH flag with a 20-byte trailer: UNSUPPORTED in version 1",
         _wire("SUSPEND", 24, KIND_REQUEST | FLAG_AUTH, b"", bytes(range(1, 21)))),
        ("payload_too_short", "CLINICIAN_BOLUS with a 7-byte payload: BAD_LENGTH",
         _wire("CLINICIAN_BOLUS", 25, KIND_REQUEST, bytes(7))),
        ("payload_on_empty", "SUSPEND with a 1-byte payload: BAD_LENGTH", _wire("SUSPEND", 26, KIND_REQUEST, b"\1")),
        ("steps_count_25", "PRESCRIBE with n_steps 25: BAD_FIELD", _wire("PRESCRIBE", 27, KIND_REQUEST, bad_count)),
        ("steps_count_mismatch", "PRESCRIBE says 2 steps, carries 1: BAD_LENGTH",
         _wire("PRESCRIBE", 28, KIND_REQUEST, short_steps)),
        ("bool_2", "PRESCRIBE pb_enabled = 2: BAD_FIELD", _wire("PRESCRIBE", 29, KIND_REQUEST, bytes(pb2))),
        ("max_count_0", "READ_EVENTS max_count 0: BAD_FIELD",
         _wire("READ_EVENTS", 30, KIND_REQUEST, (1).to_bytes(4, "little") + b"\0")),
        ("model_not_text", "HELLO_INFO model with text after the padding: BAD_FIELD",
         _wire("HELLO_INFO", 31, KIND_RESPONSE, bytes(model))),
    ]


def _drop_cases() -> list[tuple[str, str, bytes]]:
    """Chunks every receiver must drop, with the reason."""
    good = _bolus()
    raw = _bolus_raw()
    flipped_payload = bytearray(raw)
    flipped_payload[8] ^= 0x10
    flipped_crc = bytearray(raw)
    flipped_crc[-1] ^= 0x01
    v2 = _recrc(bytes([2]) + raw[1:], MESSAGES["CLINICIAN_BOLUS"].def_crc)
    len_lie = bytearray(raw)
    len_lie[5] = 7
    unknown = _recrc(raw[:1] + bytes([0x20]) + raw[2:], 0)
    other_def = _recrc(raw, zlib.crc32(b"CLINICIAN_BOLUS 4 volume_ul:u32:uL duration_ms:u32:ms"))
    return [
        ("bad_crc", "CLINICIAN_BOLUS with the CRC's last bit flipped: CRC", raw_to_wire(bytes(flipped_crc))),
        ("payload_bit_flip", "CLINICIAN_BOLUS with one payload bit flipped: CRC", raw_to_wire(bytes(flipped_payload))),
        ("other_definition", "CLINICIAN_BOLUS from a sender whose definition differs (volume in uL): CRC",
         raw_to_wire(other_def)),
        ("truncated", "CLINICIAN_BOLUS missing its last 3 encoded bytes: COBS (its code byte runs past the end)",
         good[:-4] + b"\0"),
        ("length_lie", "payload_len says 7, frame carries 8: LENGTH", raw_to_wire(bytes(len_lie))),
        ("bad_version", "version byte 2 (CRC right): VERSION", raw_to_wire(v2)),
        ("unknown_type", "message type 0x20 (reserved): UNKNOWN_TYPE", raw_to_wire(unknown)),
        ("short", "3-byte chunk: SHORT", raw_to_wire(bytes([1, 2, 3]))),
        ("cobs_overrun", "COBS code byte pointing past the chunk: COBS", bytes([0x09, 1, 2, 3, 0])),
        ("oversize", "300 non-zero bytes then a delimiter: OVERSIZE", bytes([0x55]) * 300 + b"\0"),
        ("garbage_text", "ASCII noise line: COBS", b"AT+GMR\r\nOK\r\n\0"),
        ("glued", "two frames with both delimiters between them lost: LENGTH", good[:-1] + good[1:]),
        ("idle_zeros", "delimiters only: nothing, not even a drop", bytes(8)),
    ]


def _stream_cases() -> list[tuple[str, str, bytes]]:
    good = _bolus()
    status = encode("STATUS", 5, KIND_UNSOLICITED, **_STATUS)
    return [
        ("resync", "noise, a frame, a truncated frame, a frame: both intact frames recovered",
         b"\xff\x13\x37" + good + status[:30] + status),
        ("lost_delimiter", "a frame whose leading delimiter was lost after noise: only that frame is spoilt",
         b"noise" + good[1:] + good),
        ("bit_flip_between", "a frame with a flipped bit between two intact ones",
         good + good[:5] + bytes([good[5] ^ 0x04]) + good[6:] + status),
        ("back_to_back", "three frames, no gaps", good + status + good),
    ]


def _expect(wire: bytes) -> dict[str, Any]:
    dec = FrameDecoder()
    frames = dec.feed(wire)
    st = dec.stats
    out = []
    for f in frames:
        out.append({
            "msg_type": f.msg_type, "name": MsgType(f.msg_type).name, "seq": f.seq, "flags": f.flags,
            "error": None if f.error is None else f.error.name, "payload": f.payload.hex(), "fields": f.fields,
        })
    return {
        "frames": out,
        "drops": {r.name: [st.dropped_chunks.get(r, 0), st.dropped_bytes.get(r, 0)]
                  for r in sorted(set(st.dropped_chunks) | set(st.dropped_bytes))},
        "pending": dec.pending,
    }


def build() -> dict[str, list[dict[str, Any]]]:
    """Every vector, by group, as written to protocol/vectors/<group>.json."""
    groups: dict[str, list[dict[str, Any]]] = {g: [] for g in GROUPS}
    for name, desc, msg, seq, flags, fields in VALID:
        wire = encode(msg, seq, flags, **fields)
        groups["valid"].append({"name": name, "description": desc, "wire": wire.hex(),
                                "encode": {"msg": msg, "seq": seq, "flags": flags, "fields": fields},
                                "expect": _expect(wire)})
    for group, cases in (("errors", _error_cases()), ("drops", _drop_cases()), ("streams", _stream_cases())):
        for name, desc, wire in cases:
            groups[group].append({"name": name, "description": desc, "wire": wire.hex(), "expect": _expect(wire)})
    return groups


def load(root: Path) -> list[dict[str, Any]]:
    """All vectors from the files, each with its group."""
    out = []
    for g in GROUPS:
        with open(root / "protocol" / "vectors" / f"{g}.json", encoding="utf-8") as f:
            for v in json.load(f)["vectors"]:
                out.append(dict(v, group=g))
    return out


_HEADNOTE = {
    "valid": "Valid frames of every message: 'wire' decodes to 'expect' and 'encode' builds 'wire' exactly.",
    "errors": "Intact frames (CRC right) with an error a device answers by NAK with this reason.",
    "drops": "Damaged or foreign chunks every receiver drops, counted as [chunks, bytes] per drop reason.",
    "streams": "Byte streams mixing frames and damage: every intact frame recovered, the rest counted.",
}


def _json(group: str, vecs: list[dict[str, Any]]) -> str:
    doc = {"comment": _HEADNOTE[group] + " Generated by `python protocol/tools/gen.py`; see protocol/spec.md.",
           "vectors": vecs}
    return json.dumps(doc, indent=1, ensure_ascii=True) + "\n"


def _c_bytes(b: bytes) -> str:
    if not b:
        return "0"
    return ", ".join(f"0x{x:02X}" for x in b)


def gen_c(groups: dict[str, list[dict[str, Any]]], schema: Schema) -> str:
    drop_names = list(schema.drop_reasons)
    o = ["/* proto_vectors.h — the golden vectors (protocol/vectors/ JSON files) as C data.",
         " * GENERATED by `python protocol/tools/gen.py`: do not edit. Included by test_proto.c only. */",
         "#ifndef PYEMU_PROTO_VECTORS_H", "#define PYEMU_PROTO_VECTORS_H", "", "#include <stddef.h>",
         "#include <stdint.h>", "",
         "typedef struct { uint8_t msg_type; uint16_t seq; uint8_t flags; int error;",
         "                 const uint8_t *payload; size_t payload_len; } vec_frame_t;",
         "typedef struct { const char *name; int encode_check; const uint8_t *wire; size_t wire_len;",
         f"                 size_t n_frames; const vec_frame_t *frames; uint32_t drop_chunks[{len(drop_names)}];",
         f"                 uint32_t drop_bytes[{len(drop_names)}]; size_t pending; }} vec_t;", ""]
    entries = []
    k = 0
    for g in GROUPS:
        for v in groups[g]:
            wire = bytes.fromhex(v["wire"])
            o.append(f"static const uint8_t vw{k}[] = {{ {_c_bytes(wire)} }};")
            frames = v["expect"]["frames"]
            for j, f in enumerate(frames):
                p = bytes.fromhex(f["payload"])
                o.append(f"static const uint8_t vp{k}_{j}[] = {{ {_c_bytes(p)} }};")
            if frames:
                o.append(f"static const vec_frame_t vf{k}[] = {{")
                for j, f in enumerate(frames):
                    err = 0 if f["error"] is None else schema.nak_reasons[f["error"]]
                    o.append(f"    {{ {f['msg_type']}u, {f['seq']}u, 0x{f['flags']:02X}u, {err}, vp{k}_{j}, "
                             f"{len(bytes.fromhex(f['payload']))}u }},")
                o.append("};")
            dc = [v["expect"]["drops"].get(n, [0, 0])[0] for n in drop_names]
            db = [v["expect"]["drops"].get(n, [0, 0])[1] for n in drop_names]
            entries.append(
                f"    {{ \"{g}/{v['name']}\", {1 if g == 'valid' else 0}, vw{k}, {len(wire)}u, {len(frames)}u, "
                f"{'vf' + str(k) if frames else 'NULL'}, {{ {', '.join(f'{x}u' for x in dc)} }}, "
                f"{{ {', '.join(f'{x}u' for x in db)} }}, {v['expect']['pending']}u }},")
            k += 1
    o.append("")
    o.append(f"#define VEC_COUNT {k}u")
    o.append("static const vec_t k_vectors[VEC_COUNT] = {")
    o += entries
    o += ["};", "", "#endif /* PYEMU_PROTO_VECTORS_H */", ""]
    return "\n".join(o)


def outputs(root: Path) -> dict[Path, Callable[[Schema], str]]:
    cache: dict[str, Any] = {}

    def groups() -> dict[str, list[dict[str, Any]]]:
        if "g" not in cache:
            cache["g"] = build()
        return cache["g"]

    outs: dict[Path, Callable[[Schema], str]] = {}
    for g in GROUPS:
        outs[root / "protocol" / "vectors" / f"{g}.json"] = (lambda s, g=g: _json(g, groups()[g]))
    outs[root / "firmware" / "tests" / "proto_vectors.h"] = lambda s: gen_c(groups(), s)
    return outs


def reason_value(name: Optional[str]) -> Optional[int]:
    return None if name is None else SCHEMA.nak_reasons[name]
