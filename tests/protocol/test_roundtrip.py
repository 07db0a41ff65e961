"""Build -> parse round trips for every message, in both codecs and against construct; out-of-range refused."""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, strategies as st

from pyemu.testing import ccodec
from pyemu import protocol as P
from pyemu.protocol.messages import CODECS

from proto_strategies import any_message, message_fields, minimal_fields

MSGS = sorted(P.MESSAGES.values(), key=lambda m: m.id)


@given(any_message())
def test_build_then_parse_gives_the_same_message(msg: tuple[str, int, int, dict[str, Any]]) -> None:
    """Invariant: for any valid field values, encode -> FrameDecoder gives one frame with those exact values."""
    name, seq, flags, fields = msg
    wire = P.encode(name, seq, flags, **fields)
    dec = P.FrameDecoder()
    frames = dec.feed(wire)
    assert len(frames) == 1 and frames[0].error is None
    f = frames[0]
    assert (P.MsgType(f.msg_type).name, f.seq, f.flags, f.fields) == (name, seq, flags, fields)
    assert dec.stats.total_dropped_chunks == 0 and dec.pending == 0


@given(any_message())
def test_c_and_python_codecs_build_and_parse_alike(msg: tuple[str, int, int, dict[str, Any]]) -> None:
    """Invariant: the C encoder makes the Python encoder's bytes, and the C decoder reads them back the same."""
    name, seq, flags, fields = msg
    wire = P.encode(name, seq, flags, **fields)
    assert ccodec.encode(name, seq, flags, **fields) == wire
    frames = ccodec.CFrameDecoder().feed(wire)
    assert len(frames) == 1 and frames[0].fields == fields and frames[0].error is None


@pytest.mark.parametrize("m", MSGS, ids=lambda m: m.name)
def test_fast_codec_equals_construct_definition(m: P.MessageDef) -> None:
    """Invariant: the struct-lowered codec and the compiled construct body agree, both ways, on every message."""
    body = P.COMPILED[m.name]

    @given(message_fields(m))
    def check(fields: dict[str, Any]) -> None:
        payload = P.encode_payload(m.name, **fields)
        c_fields = dict(fields)
        if m.array is not None:
            c_fields[m.array.count_name] = len(fields[m.array.name])
        assert body.build(c_fields) == payload
        parsed = body.parse(payload)
        back = {k: v for k, v in parsed.items() if not k.startswith("_")}
        if m.array is not None:
            back.pop(m.array.count_name)
            back[m.array.name] = [{k: v for k, v in e.items() if not k.startswith("_")} for e in back[m.array.name]]
        assert back == P.decode_payload(m.id, payload) == fields

    check()


def _too_big(f: P.schema.FieldDef) -> int:
    return 1 << (8 * f.size)


@pytest.mark.parametrize("m", [m for m in MSGS if m.fields], ids=lambda m: m.name)
def test_out_of_range_values_are_refused_when_building(m: P.MessageDef) -> None:
    """Invariant: a value outside its wire type, or outside a codec limit, raises EncodeError naming the field."""
    base = minimal_fields(m)
    P.encode(m.name, 1, min(m.kinds), **base)  # the base itself is valid
    for f in m.fields:
        bad: list[Any] = ["x", 1.5, None] if f.text_len == 0 else [7, "é", "x" * (f.text_len + 1), "a\x01"]
        if f.text_len == 0:
            bad += [-1, _too_big(f)]
            if f.allowed is not None:
                bad += [v for v in range(0, 256) if v not in f.allowed][:2]
            if f.max is not None and f.max < _too_big(f) - 1:
                bad.append(f.max + 1)
            if f.min is not None and f.min > 0:
                bad.append(f.min - 1)
        for value in bad:
            with pytest.raises(P.EncodeError) as e:
                P.encode(m.name, 1, min(m.kinds), **dict(base, **{f.name: value}))
            assert f.name in str(e.value) and e.value.field == f.name, (f.name, value, str(e.value))


def test_structural_mistakes_are_refused_when_building() -> None:
    """Invariant: missing, unknown or mistyped fields and bad frame arguments raise EncodeError, never pack junk."""
    ok = dict(volume_nl=1, duration_ms=2)
    cases: list[tuple[Any, ...]] = [
        ("CLINICIAN_BOLUS", 1, 0, {"volume_nl": 1}),                              # missing
        ("CLINICIAN_BOLUS", 1, 0, dict(ok, volume_ml=1)),                         # unknown
        ("CLINICIAN_BOLUS", 70000, 0, ok),                                        # seq
        ("CLINICIAN_BOLUS", 1, P.KIND_RESPONSE, ok),                              # kind it never has
        ("CLINICIAN_BOLUS", 1, P.FLAG_AUTH, ok),                                  # AUTH not in v1
        ("CLINICIAN_BOLUS", 1, P.FLAG_REPLAYED, ok),                              # REPLAYED on a request
        ("CLINICIAN_BOLUS", 1, 0x10, ok),                                         # reserved bit
        ("NO_SUCH_MESSAGE", 1, 0, {}),
        (0x30, 1, 0, {}),                                                         # reserved id
        ("READ_EVENTS", 1, 0, dict(from_seq=1, max_count=10)),                    # codec limit
    ]
    steps = [{"start_min": 0, "value": 1}]
    rx = dict(drug=1, conc_ug_ml=1, max_dose_ug_24h=1, low_reservoir_nl=1, pb_enabled=0, pb_volume_nl=0,
              pb_duration_ms=0, pb_lockout_ms=0, pb_max_per_24h=0, step_unit=0)
    cases += [
        ("PRESCRIBE", 1, 0, dict(rx, steps=[])),
        ("PRESCRIBE", 1, 0, dict(rx, steps=steps * 25)),
        ("PRESCRIBE", 1, 0, dict(rx, steps=[{"start_min": 0}])),
        ("PRESCRIBE", 1, 0, dict(rx, steps=[{"start_min": 0, "value": 1, "x": 2}])),
        ("PRESCRIBE", 1, 0, dict(rx, steps=[{"start_min": 70000, "value": 1}])),
        ("PRESCRIBE", 1, 0, dict(rx, steps="no")),
        ("PRESCRIBE", 1, 0, rx),
    ]
    for msg, seq, flags, fields in cases:
        with pytest.raises(P.EncodeError):
            P.encode(msg, seq, flags, **fields)


@given(st.integers(0, 255), st.binary(max_size=230))
def test_payload_decoding_gives_fields_or_a_reason(mid: int, payload: bytes) -> None:
    """Invariant: any payload for any type decodes to fields or raises DecodeError with the same reason in C."""
    try:
        py: Any = P.decode_payload(mid, payload)
    except P.DecodeError as e:
        py = e.reason
    try:
        c: Any = ccodec.decode_payload(mid, payload)
    except P.DecodeError as e:
        c = e.reason
    assert py == c
    if isinstance(py, dict):
        assert P.encode_payload(mid, **py) == payload   # a decoded payload re-encodes exactly
    elif mid in CODECS:
        assert py in (P.NakReason.BAD_LENGTH, P.NakReason.BAD_FIELD)
