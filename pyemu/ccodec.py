"""The firmware's C codec (firmware/proto) driven from Python through ``pyemu._core``.

Same shapes as ``pyemu.protocol`` (``Frame``, ``DecoderStats``, dict fields),
so tests can run golden vectors and random streams through both codecs and
compare, and the benchmark can time the C decoder. Not needed at run time:
the emulated device calls the C codec from C.
"""
from __future__ import annotations

from typing import Any, Optional, Union

from ._core import ffi, lib
from .protocol import DecodeError, DecoderStats, DropReason, EncodeError, Frame, MsgType, NakReason
from .protocol.messages import message_id
from .protocol.schema import DROP_COUNT, FieldDef, MESSAGES_BY_ID, MessageDef, KIND_REQUEST

_WIRE_MAX = int(lib.PROTO_MAX_WIRE)


def _error(rc: int) -> Optional[NakReason]:
    return None if rc == 0 else NakReason(rc)


def _member(m: MessageDef, msg: Any) -> Any:
    return getattr(msg, m.name.lower())


def _get(f: FieldDef, obj: Any) -> Any:
    v = getattr(obj, f.name)
    if f.text_len:
        return ffi.string(v).decode("ascii")
    return int(v)


def to_dict(mid: int, msg: Any) -> dict[str, Any]:
    """A decoded proto_msg_t -> the same dict the Python codec gives."""
    m = MESSAGES_BY_ID[mid]
    if not m.fields and m.array is None:
        return {}
    s = _member(m, msg)
    d = {f.name: _get(f, s) for f in m.fields}
    if m.array is not None:
        a = m.array
        arr = getattr(s, a.name)
        d[a.name] = [{f.name: _get(f, arr[i]) for f in a.fields} for i in range(getattr(s, a.count_name))]
    return d


def _set(f: FieldDef, obj: Any, v: Any, where: str) -> None:
    if f.text_len:
        raw = v.encode("ascii") if isinstance(v, str) else bytes(v)
        if len(raw) > f.text_len:
            raise EncodeError(f"{where}.{f.name}: longer than {f.text_len}", f.name)
        ffi.memmove(getattr(obj, f.name), raw + b"\0", len(raw) + 1)
        return
    try:
        setattr(obj, f.name, v)
    except (OverflowError, TypeError) as e:
        raise EncodeError(f"{where}.{f.name} = {v!r}: {e}", f.name) from None


def from_dict(mid: int, fields: dict[str, Any]) -> Any:
    """Fields (the Python codec's dict) -> a new proto_msg_t."""
    m = MESSAGES_BY_ID[mid]
    msg = ffi.new("proto_msg_t *")
    if not m.fields and m.array is None:
        return msg
    s = _member(m, msg)
    for f in m.fields:
        _set(f, s, fields[f.name], m.name)
    if m.array is not None:
        a = m.array
        items = fields[a.name]
        if len(items) > a.max_count:
            raise EncodeError(f"{m.name}.{a.name}: more than {a.max_count}", a.name)
        setattr(s, a.count_name, len(items))
        arr = getattr(s, a.name)
        for i, item in enumerate(items):
            for f in a.fields:
                _set(f, arr[i], item[f.name], f"{m.name}.{a.name}[{i}]")
    return msg


def encode(msg: Union[str, int, MsgType], seq: int, flags: int = KIND_REQUEST, **fields: Any) -> bytes:
    """One wire frame built by the C encoder (proto_encode); EncodeError carries the C code."""
    mid = message_id(msg)
    cmsg = from_dict(mid, fields)
    out = ffi.new("uint8_t[]", _WIRE_MAX)
    n = ffi.new("size_t *")
    rc = lib.proto_encode(mid, seq, flags, cmsg, out, _WIRE_MAX, n)
    if rc != 0:
        raise EncodeError(f"C encoder refused {MsgType(mid).name}: code {rc} ({ffi.string(lib.proto_nak_name(rc)).decode()})")
    return bytes(ffi.buffer(out, n[0]))


def decode_payload(msg_type: int, payload: bytes) -> dict[str, Any]:
    """Fields of a payload decoded by the C decoder (proto_msg_decode)."""
    cmsg = ffi.new("proto_msg_t *")
    rc = lib.proto_msg_decode(msg_type, payload, len(payload), cmsg)
    if rc == int(lib.PROTO_ERR_UNKNOWN_TYPE):
        raise DecodeError(f"unknown message type {msg_type}", None)
    if rc != 0:
        raise DecodeError(f"C decoder: {NakReason(rc).name}", NakReason(rc))
    return to_dict(msg_type, cmsg)


class CFrameDecoder:
    """proto_decoder_t with the FrameDecoder API: feed(bytes) -> list[Frame], .stats."""

    def __init__(self) -> None:
        self._d = ffi.new("proto_decoder_t *")
        lib.proto_decoder_init(self._d)
        self._f = ffi.new("proto_frame_t *")
        self._ready = ffi.new("int *")
        self._msg = ffi.new("proto_msg_t *")

    def feed(self, data: bytes) -> list[Frame]:
        data = bytes(data)
        buf = ffi.from_buffer(data)
        out: list[Frame] = []
        off = 0
        n = len(data)
        while off < n:
            off += lib.proto_decoder_feed(self._d, buf + off, n - off, self._f, self._ready)
            if self._ready[0]:
                f = self._f
                payload = bytes(ffi.buffer(f.payload, f.payload_len))
                rc = lib.proto_frame_decode(f, self._msg)
                fields = to_dict(f.msg_type, self._msg) if rc == 0 else None
                out.append(Frame(f.msg_type, f.seq, f.flags, fields, _error(rc), payload))
        return out

    @property
    def stats(self) -> DecoderStats:
        d = self._d
        return DecoderStats(
            frames=d.frames,
            dropped_chunks={DropReason(i): d.dropped_chunks[i] for i in range(DROP_COUNT) if d.dropped_chunks[i]},
            dropped_bytes={DropReason(i): d.dropped_bytes[i] for i in range(DROP_COUNT) if d.dropped_bytes[i]},
        )

    @property
    def pending(self) -> int:
        return int(self._d.discarding) or int(self._d.len)
