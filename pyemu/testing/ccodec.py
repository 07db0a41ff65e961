"""The firmware's C codec (firmware/proto) driven from Python through ``pyemu._core``.

Same shapes as ``pyemu.protocol`` (``Frame``, ``DecoderStats``, dict fields),
so tests can run golden vectors and random streams through both codecs and
compare, and the benchmark can time the C decoder. Not needed at run time:
the emulated device calls the C codec from C.
"""
from __future__ import annotations

from typing import Any, Optional, Union

from pyemu._core import ffi, lib
from pyemu.protocol import DecodeError, DecoderStats, DropReason, EncodeError, Frame, MsgType, NakReason
from pyemu.protocol.messages import message_id
from pyemu.protocol.schema import DROP_COUNT, FieldDef, MESSAGES_BY_ID, MessageDef, KIND_REQUEST

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
                trailer = bytes(ffi.buffer(f.auth, 20)) if f.auth != ffi.NULL else b""
                out.append(Frame(f.msg_type, f.seq, f.flags, fields, _error(rc), payload, trailer))
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


class CBulkDecoder:
    """proto_decode_bulk with the FrameDecoder API: one C call decodes up to ``max_frames`` frames.

    For recordings and event logs, where bytes arrive in large buffers: the C
    side runs the stream decoder and ``proto_frame_decode`` on every frame
    (COBS, whitening, length and CRC checks, fields into a ``proto_msg_t``), so
    the cffi call cost is paid once per buffer instead of once per frame.
    Frames, drops and counters are those of ``CFrameDecoder`` for the same bytes.
    """

    def __init__(self, max_frames: int = 128) -> None:
        if max_frames < 1:
            raise ValueError("max_frames must be at least 1")
        self._d = ffi.new("proto_decoder_t *")
        lib.proto_decoder_init(self._d)
        self._max = max_frames
        self._frames = ffi.new("proto_bulk_frame_t[]", max_frames)
        self._msgs = ffi.new("proto_msg_t[]", max_frames)
        self._count = ffi.new("size_t *")
        self._ok = ffi.new("size_t *")

    def feed_counts(self, data: bytes) -> tuple[int, int]:
        """Decode every frame these bytes complete and leave them in C: (frames, frames whose fields decoded).

        The descriptors of the last call's frames stay in C memory until the
        next call; this is the bulk path's own speed, without Python objects.
        """
        buf = ffi.from_buffer(data)
        n = len(data)
        off = frames = ok = 0
        while off < n:
            off += lib.proto_decode_bulk(self._d, buf + off, n - off, self._frames, self._msgs, self._max,
                                         self._count, self._ok)
            frames += self._count[0]
            ok += self._ok[0]
        return frames, ok

    def feed(self, data: bytes) -> list[Frame]:
        """Frames completed by these bytes, in order (fields as dicts, like FrameDecoder.feed)."""
        data = bytes(data)
        buf = ffi.from_buffer(data)
        out: list[Frame] = []
        off = 0
        n = len(data)
        while off < n:
            off += lib.proto_decode_bulk(self._d, buf + off, n - off, self._frames, self._msgs, self._max,
                                         self._count, self._ok)
            for i in range(self._count[0]):
                f = self._frames[i]
                rc = f.result
                fields = to_dict(f.msg_type, self._msgs[i]) if rc == 0 else None
                out.append(Frame(f.msg_type, f.seq, f.flags, fields, _error(rc),
                                 bytes(ffi.buffer(f.payload, f.payload_len)),
                                 bytes(ffi.buffer(f.auth, f.auth_len))))
        return out

    @property
    def stats(self) -> DecoderStats:
        return CFrameDecoder.stats.fget(self)  # type: ignore[attr-defined]

    @property
    def pending(self) -> int:
        return int(self._d.discarding) or int(self._d.len)
