"""The pump's wire protocol in Python (spec: ``protocol/spec.md``, table: ``protocol/messages.json``).

Public API::

    from pyemu import protocol as P

    # --- building -----------------------------------------------------------
    wire: bytes = P.encode("CLINICIAN_BOLUS", seq=7, flags=P.KIND_REQUEST,
                           volume_nl=500_000, duration_ms=600_000)
    #   msg: a name ("PRESCRIBE"), a P.MsgType, or an int id.
    #   Returns one complete wire frame: 0x00, whitened + COBS-encoded raw frame, 0x00.
    #   Fields are keyword arguments named as in messages.json. Arrays are lists
    #   of dicts (PRESCRIBE steps=[{"start_min": 0, "value": 48000}, ...]),
    #   char[N] fields are str. Missing/unknown fields, values that do not fit
    #   their type, and codec-checked limits (array counts, booleans, selectors)
    #   raise P.EncodeError (a ValueError) naming message, field and range.
    wire = P.encode_fields("CLINICIAN_BOLUS", 7, P.KIND_REQUEST, fields_dict)
    #   the same from a dict of fields (no keyword unpacking: faster for callers
    #   that already hold the fields in a dict, e.g. replaying a recording)
    payload: bytes = P.encode_payload("ACK", req_type=4)
    wire = P.encode_frame(msg_type, seq, flags, payload)   # framing only

    # --- receiving ----------------------------------------------------------
    dec = P.FrameDecoder()
    for frame in dec.feed(chunk_of_bytes):        # any bytes, any split
        frame.msg_type   # int (P.MsgType(frame.msg_type).name for the name)
        frame.seq        # 0..65535
        frame.flags      # int; frame.kind == flags & P.KIND_MASK; frame.name == "STATUS"
        frame.error      # None, or a P.NakReason (BAD_FLAGS, UNEXPECTED_MESSAGE,
                         #   UNSUPPORTED, BAD_LENGTH, BAD_FIELD): spec 1.4 checks 8-15
        frame.fields     # dict of decoded fields (None when error is set)
        frame.payload    # the raw payload bytes
    dec.stats            # P.DecoderStats: frames, dropped_chunks / dropped_bytes
                         #   as dict {P.DropReason: count}, total_dropped_bytes
    dec.pending          # bytes held of a frame not yet delimited
    #   Only intact frames come out; damaged chunks are counted, never raised.
    #   feed() never raises for any input bytes.

    fields: dict = P.decode_payload(msg_type, payload)   # raises P.DecodeError(.reason)

    # --- names and numbers (all from messages.json) -------------------------
    P.MsgType.PRESCRIBE, P.NakReason.E_LOCKOUT (core), P.NakReason.BAD_FIELD (protocol),
    P.DropReason.CRC
    P.KIND_REQUEST, P.KIND_RESPONSE, P.KIND_UNSOLICITED, P.KIND_MASK,
    P.FLAG_REPLAYED, P.FLAG_AUTH
    P.ENUMS["drug"]["MORPHINE"] == 1;  P.MESSAGES["PRESCRIBE"] -> MessageDef
    P.SCHEMA_CRC  (what HELLO_INFO.schema_crc must equal), P.PROTOCOL_VERSION

The C codec (firmware/proto/proto.h, proto_msgs.h) has the same behaviour
byte for byte; ``pyemu.testing.ccodec`` drives it from Python with this API.
Regenerate after editing protocol/messages.json: ``python protocol/tools/gen.py``.

Frame overhead is 13 bytes (6 header, 4 CRC-32, 1 COBS, 2 delimiters).
Message bodies are construct ``Struct``s built from the table (``P.BODIES``,
compiled: ``P.COMPILED``); the hot path uses stdlib ``struct`` formats derived
from those same Structs, with ranges checked by hand because compiled
construct code skips checks.
"""
from .schema import (
    DropReason,
    ENUMS,
    FLAG_AUTH,
    FLAG_REPLAYED,
    FLAG_RESERVED,
    KIND_MASK,
    KIND_REQUEST,
    KIND_RESPONSE,
    KIND_UNSOLICITED,
    MAX_PAYLOAD,
    MESSAGES,
    MESSAGES_BY_ID,
    MessageDef,
    MsgType,
    NakReason,
    PROTOCOL_VERSION,
    SCHEMA_CRC,
)
from .messages import BODIES, COMPILED, DecodeError, EncodeError, decode_payload, encode_payload
from .framing import DecoderStats, Frame, FrameDecoder, encode, encode_fields, encode_frame

__all__ = [
    "BODIES", "COMPILED", "DecodeError", "DecoderStats", "DropReason", "ENUMS", "EncodeError",
    "FLAG_AUTH", "FLAG_REPLAYED", "FLAG_RESERVED", "Frame", "FrameDecoder", "KIND_MASK",
    "KIND_REQUEST", "KIND_RESPONSE", "KIND_UNSOLICITED", "MAX_PAYLOAD", "MESSAGES",
    "MESSAGES_BY_ID", "MessageDef", "MsgType", "NakReason", "PROTOCOL_VERSION", "SCHEMA_CRC",
    "decode_payload", "encode", "encode_fields", "encode_frame", "encode_payload",
]
