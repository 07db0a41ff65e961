"""Framing: header, CRC-32 seeded with the definition CRC, whitening, COBS, and the stream decoder.

Everything per byte is done by C code in the stdlib (``bytes.split``,
``bytes.translate``, ``zlib.crc32``, ``struct``): after whitening (XOR 0xA5) a
typical raw frame has no zero byte, so COBS is one slice each way and the
Python-level loop only runs for the rare frame that has one. The decoder never
raises for any input; it counts what it drops (spec 1.4).
"""
from __future__ import annotations

import keyword
import struct
import zlib
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple, Optional, Union

from .messages import CODECS, DecodeError, EncodeError, message_id
from .schema import (
    DROP_COUNT,
    DropReason,
    FLAG_AUTH,
    FLAG_REPLAYED,
    FLAG_RESERVED,
    KIND_MASK,
    KIND_REQUEST,
    KIND_RESPONSE,
    MESSAGES_BY_ID,
    MsgType,
    NakReason,
    SCHEMA,
)

VERSION: int = SCHEMA.frame["version"]
HEADER_LEN: int = SCHEMA.frame["header_len"]
CRC_LEN: int = SCHEMA.frame["crc_len"]
AUTH_LEN: int = SCHEMA.frame["auth_trailer_len"]
OVERHEAD = HEADER_LEN + CRC_LEN
MAX_PAYLOAD: int = SCHEMA.frame["max_payload"]
MAX_RAW: int = SCHEMA.frame["max_raw"]
MAX_ENCODED: int = SCHEMA.frame["max_encoded"]
WHITEN: int = SCHEMA.frame["whitening"]

_HDR = struct.Struct("<BBHBB")
_CRC = struct.Struct("<I")
_XOR = bytes(b ^ WHITEN for b in range(256))
# CRC-32 of a message followed by its own CRC (LE) is this constant, whatever
# the seed: one zlib call checks a frame without slicing off its CRC.
_RESIDUE = 0x2144DF1C
_DEF_CRC: dict[int, int] = {mid: m.def_crc for mid, m in MESSAGES_BY_ID.items()}
_KINDS: dict[int, frozenset[int]] = {mid: m.kinds for mid, m in MESSAGES_BY_ID.items()}
_BAD_LENGTH = NakReason.BAD_LENGTH


# Per message: the spec 1.4 checks 8-11 outcome for each flags byte (None = fine).
_FLAG_ERR: dict[int, dict[int, Optional[NakReason]]] = {}
# Wire prefix of a one-block frame of n whitened bytes: delimiter + COBS code byte.
_LEAD = [bytes((0, n + 1)) for n in range(MAX_RAW + 1)]
_IDS = {m.name: mid for mid, m in MESSAGES_BY_ID.items()}


class Frame(NamedTuple):
    """An intact frame (spec 1.4 checks 1-7 passed). ``error`` set => ``fields`` is None."""

    msg_type: int
    seq: int
    flags: int
    fields: Optional[dict[str, Any]]
    error: Optional[NakReason]
    payload: bytes
    auth: bytes = b""   # the 20-byte trailer when flag AUTH is set (pyemu.link.auth verifies it)

    @property
    def kind(self) -> int:
        return self.flags & KIND_MASK

    @property
    def name(self) -> str:
        return MsgType(self.msg_type).name


@dataclass
class DecoderStats:
    """What a FrameDecoder delivered and dropped (chunks and bytes per DropReason)."""

    frames: int = 0
    dropped_chunks: dict[DropReason, int] = field(default_factory=dict)
    dropped_bytes: dict[DropReason, int] = field(default_factory=dict)

    @property
    def total_dropped_bytes(self) -> int:
        return sum(self.dropped_bytes.values())

    @property
    def total_dropped_chunks(self) -> int:
        return sum(self.dropped_chunks.values())


# ---------------------------------------------------------------- COBS
def cobs_encode(data: bytes) -> bytes:
    """Standard COBS of at most 254 bytes (every block is shorter than 254 but a lone full one)."""
    if len(data) > MAX_RAW:
        raise ValueError("COBS here encodes at most 254 bytes")
    parts = data.split(b"\0")
    if len(parts) == 1:
        return bytes((len(data) + 1,)) + data
    return b"".join(bytes((len(p) + 1,)) + p for p in parts)


def cobs_decode(chunk: bytes) -> Optional[bytes]:
    """Standard COBS decode of a chunk without delimiter; None if a code byte runs past the end."""
    n = len(chunk)
    if n and chunk[0] == n:  # one block: the usual case after whitening
        return chunk[1:]
    out = []
    i = 0
    while i < n:
        code = chunk[i]
        end = i + code
        if code == 0 or end > n:
            return None
        out.append(chunk[i + 1:end])
        i = end
        if code != 0xFF and i < n:
            out.append(b"\0")
    return b"".join(out)


# ---------------------------------------------------------------- encoding
def _flags_error(msg_type: int, flags: int) -> Optional[str]:
    kind = flags & KIND_MASK
    if flags & (FLAG_RESERVED | FLAG_AUTH) or kind == 3:
        return f"flags 0x{flags:02X}: reserved bits, AUTH (not in version 1) or kind 3"
    if kind not in _KINDS[msg_type]:
        return f"{MsgType(msg_type).name} is never sent with kind {kind}"
    if flags & FLAG_REPLAYED and kind != KIND_RESPONSE:
        return "REPLAYED is only for responses"
    return None


def encode_frame(msg_type: Union[str, int], seq: int, flags: int, payload: bytes) -> bytes:
    """One wire frame around a payload: 0x00, then header + payload + CRC whitened and COBS-encoded, 0x00."""
    mid = message_id(msg_type)
    if not isinstance(seq, int) or not 0 <= seq <= 0xFFFF:
        raise EncodeError(f"seq = {seq!r}, must be 0..65535", "seq")
    if not isinstance(flags, int) or not 0 <= flags <= 0xFF:
        raise EncodeError(f"flags = {flags!r}, must be 0..255", "flags")
    problem = _flags_error(mid, flags)
    if problem:
        raise EncodeError(problem, "flags")
    if len(payload) > MAX_PAYLOAD:
        raise EncodeError(f"payload of {len(payload)} bytes > {MAX_PAYLOAD}")
    return raw_to_wire(_raw(mid, seq, flags, bytes(payload)))


def _raw(mid: int, seq: int, flags: int, payload: bytes, auth: bytes = b"") -> bytes:
    raw = _HDR.pack(VERSION, mid, seq, flags, len(payload)) + payload + auth
    return raw + _CRC.pack(zlib.crc32(raw, _DEF_CRC[mid]))


def raw_to_wire(raw: bytes) -> bytes:
    """Whiten, COBS-encode and delimit a raw frame on both sides (no checks: for tests and vectors too)."""
    return b"\0" + cobs_encode(raw.translate(_XOR)) + b"\0"


def wire_to_raw(wire: bytes) -> Optional[bytes]:
    """Inverse of raw_to_wire for one delimited frame (None if not COBS)."""
    raw = cobs_decode(wire.strip(b"\0"))
    return None if raw is None else raw.translate(_XOR)


def encode(msg: Union[str, int, MsgType], seq: int, flags: int = KIND_REQUEST, **fields: Any) -> bytes:
    """Build one complete wire frame of a message from its fields (EncodeError if any is wrong)."""
    return encode_fields(msg, seq, flags, fields)


def encode_fields(msg: Union[str, int, MsgType], seq: int, flags: int, fields: dict[str, Any]) -> bytes:
    """``encode`` with the fields in a dict (for callers that hold them in one: no keyword unpacking)."""
    fast = _FAST.get(msg) if type(msg) is str or isinstance(msg, int) else None
    if fast is not None and type(seq) is int and 0 <= seq <= 0xFFFF and type(flags) is int \
            and flags in fast[4] and len(fields) == fast[2]:
        # A flat body (no text, array or codec-checked field) with flags the
        # message may have: header and body in one pack, whose struct.error
        # (a value outside its type) falls through to the full path below.
        pack, values, _, seed, _, mid, plen = fast
        try:
            raw = pack(VERSION, mid, seq, flags, plen, *values(fields))
        except (KeyError, TypeError, struct.error):
            pass
        else:
            w = (raw + _CRC.pack(zlib.crc32(raw, seed))).translate(_XOR)
            if b"\0" in w:
                return b"\0" + cobs_encode(w) + b"\0"
            return _LEAD[len(w)] + w + b"\0"
    mid = _IDS.get(msg) if type(msg) is str else None
    if mid is None:
        mid = message_id(msg)
    codec = CODECS[mid]
    payload = codec.encode(fields)
    if type(seq) is not int or not 0 <= seq <= 0xFFFF or type(flags) is not int or _FLAG_ERR[mid].get(flags, 1):
        return encode_frame(mid, seq, flags, payload)  # raises, saying what is wrong
    raw = _HDR.pack(VERSION, mid, seq, flags, len(payload)) + payload
    w = (raw + _CRC.pack(zlib.crc32(raw, codec.def_crc))).translate(_XOR)
    if b"\0" in w:
        return b"\0" + cobs_encode(w) + b"\0"
    return _LEAD[len(w)] + w + b"\0"


# ---------------------------------------------------------------- decoding
class FrameDecoder:
    """Stream decoder: feed any bytes, get every intact frame; drops are counted in ``stats``."""

    def __init__(self) -> None:
        self._tail = b""          # bytes of an unfinished chunk (at most MAX_ENCODED)
        self._discarding = 0      # > 0: inside an oversize chunk, its length so far
        self._frames = 0
        self._chunks = [0] * DROP_COUNT
        self._bytes = [0] * DROP_COUNT

    @property
    def stats(self) -> DecoderStats:
        return DecoderStats(
            frames=self._frames,
            dropped_chunks={DropReason(i): n for i, n in enumerate(self._chunks) if n},
            dropped_bytes={DropReason(i): n for i, n in enumerate(self._bytes) if n},
        )

    @property
    def pending(self) -> int:
        """Bytes held of a frame not yet delimited."""
        return self._discarding or len(self._tail)

    def _drop(self, reason: int, n: int) -> None:
        self._chunks[reason] += 1
        self._bytes[reason] += n

    def feed(self, data: bytes) -> list[Frame]:
        """Frames completed by these bytes, in order. Never raises for any bytes."""
        data = bytes(data)
        if self._discarding:
            cut = data.find(0)
            if cut < 0:
                self._discarding += len(data)
                return []
            self._drop(DropReason.OVERSIZE, self._discarding + cut)
            self._discarding = 0
            data = data[cut + 1:]
        if self._tail:
            data = self._tail + data
        chunks = data.split(b"\0")
        tail = chunks.pop()
        if len(tail) > MAX_ENCODED:
            self._discarding = len(tail)
            tail = b""
        self._tail = tail
        out: list[Frame] = []
        for chunk in chunks:
            if chunk:
                self._chunk(chunk, out)
        return out

    def _chunk(self, chunk: bytes, out: list[Frame]) -> None:
        n = len(chunk)
        if n > MAX_ENCODED:
            return self._drop(0, n)                      # OVERSIZE
        if chunk[0] == n:
            raw = chunk[1:].translate(_XOR)
        else:
            dec = cobs_decode(chunk)
            if dec is None:
                return self._drop(1, n)                  # COBS
            raw = dec.translate(_XOR)
        m = len(raw)
        if m < OVERHEAD:
            return self._drop(2, n)                      # SHORT
        version, mid, seq, flags, plen = _HDR.unpack_from(raw)
        if version != VERSION:
            return self._drop(3, n)                      # VERSION
        auth = AUTH_LEN if flags & FLAG_AUTH else 0
        if plen > MAX_PAYLOAD or m != OVERHEAD + plen + auth:
            return self._drop(4, n)                      # LENGTH
        codec = CODECS.get(mid)
        if codec is None:
            return self._drop(5, n)                      # UNKNOWN_TYPE
        if zlib.crc32(raw, codec.m.def_crc) != _RESIDUE:
            return self._drop(6, n)                      # CRC
        self._frames += 1
        out.append(frame_of(mid, seq, flags, raw[HEADER_LEN:HEADER_LEN + plen],
                            raw[HEADER_LEN + plen:HEADER_LEN + plen + auth]))
        return None

    def intact_elsewhere(self, mid: int, seq: int, flags: int, payload: bytes) -> Frame:
        """The frame of a chunk that another decoder (the firmware's, in
        pyemu.pump.session's one-pass exchange) found intact (spec 1.4 checks
        1-7) between two delimiters, while this decoder held nothing:
        counted here as its own, and checked and decoded from check 8 on."""
        self._frames += 1
        return frame_of(mid, seq, flags, payload, b"")


def frame_of(mid: int, seq: int, flags: int, payload: bytes, trailer: bytes) -> Frame:
    """An intact frame's flags checked and payload decoded (spec 1.4 checks 8-15)."""
    error = _FLAG_ERR[mid][flags]
    if error is not None:
        return _new_frame((mid, seq, flags, None, error, payload, trailer))
    flat = _FLAT_DECODE.get(mid)
    if flat is not None and len(payload) == flat[0]:
        # A body without codec-checked fields: its length was its only check.
        return _new_frame((mid, seq, flags, flat[1](*flat[2](payload)), None, payload, trailer))
    try:
        return _new_frame((mid, seq, flags, CODECS[mid].decode(payload), None, payload, trailer))
    except DecodeError as e:
        return _new_frame((mid, seq, flags, None, e.reason, payload, trailer))


def _frame_error(mid: int, flags: int) -> Optional[NakReason]:
    """Spec 1.4 checks 8-11 (flags against the message)."""
    kind = flags & KIND_MASK
    if flags & FLAG_RESERVED or kind == 3:
        return NakReason.BAD_FLAGS
    if kind not in _KINDS[mid]:
        return NakReason.UNEXPECTED_MESSAGE
    if flags & FLAG_REPLAYED and kind != KIND_RESPONSE:
        return NakReason.BAD_FLAGS
    if flags & FLAG_AUTH:
        return NakReason.UNSUPPORTED
    return None


for _mid in MESSAGES_BY_ID:
    _FLAG_ERR[_mid] = {f: _frame_error(_mid, f) for f in range(256)}
_new_frame = Frame._make


def _fast_encoder(mid: int) -> Optional[tuple[Any, ...]]:
    """Precomputed encoding of a flat message: header+body struct, field getter, flags it may have."""
    codec = CODECS[mid]
    if not codec.flat:
        return None
    names = codec.names
    if len(names) > 1:
        values: Any = itemgetter(*names)
    elif names:
        values = lambda d, k=names[0]: (d[k],)  # noqa: E731 - itemgetter of one name is no tuple
    else:
        values = lambda d: ()  # noqa: E731
    pack = struct.Struct(_HDR.format + codec.fixed.format.lstrip("<")).pack
    ok_flags = frozenset(f for f, e in _FLAG_ERR[mid].items() if e is None and not f & FLAG_AUTH)
    return (pack, values, len(names), codec.def_crc, ok_flags, mid, codec.fixed.size)


def _dict_maker(name: str, names: tuple[str, ...]) -> Any:
    """A function of the field values returning the fields dict, compiled once per message.

    A dict display with constant keys is built presized in one step: about
    twice as fast as dict(zip(names, values)) for a STATUS body. Field names
    are identifiers (checked here, else the zip form is used).
    """
    if not all(n.isidentifier() and not keyword.iskeyword(n) for n in names):
        return lambda *values: dict(zip(names, values))
    args = ", ".join(names)
    body = ", ".join(f"{n!r}: {n}" for n in names)
    namespace: dict[str, Any] = {}
    exec(compile(f"def fields({args}):\n    return {{{body}}}\n", f"<{name} fields>", "exec"), namespace)
    return namespace["fields"]


# Flat bodies (no array, text or codec-checked field) decode with one unpack:
# (size, values -> fields dict, unpack).
_FLAT_DECODE: dict[int, tuple[int, Any, Any]] = {
    mid: (c.fixed.size, _dict_maker(c.m.name, c.names), c.fixed.unpack) for mid, c in CODECS.items() if c.flat}

# Keyed by message id and by exact name (others take the full path, same result).
_FAST: dict[Union[str, int], tuple[Any, ...]] = {}
for _mid in MESSAGES_BY_ID:
    _enc = _fast_encoder(_mid)
    if _enc is not None:
        _FAST[_mid] = _FAST[MESSAGES_BY_ID[_mid].name] = _enc
