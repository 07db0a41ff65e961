"""Traffic on a pump's line as frames: from a recording, from hex, and as pcapng.

:func:`wire_frames` cuts each direction of a byte stream at the frame
delimiter (0x00) and decodes each piece with the protocol decoder, keeping
the piece's bytes exactly as they crossed the line; a piece the decoder
drops (line noise, a torn or corrupt frame) is kept too, with the reason.
:func:`write_pcapng` writes such frames as a pcapng capture (the format of
Wireshark and tcpdump) for people who want to look at a session there.

pcapng (IETF draft-ietf-opsawg-pcapng): one Section Header Block, one
Interface Description Block with link type LINKTYPE_USER0 (147), one
Enhanced Packet Block per frame. 147 is the first of the link types
tcpdump.org reserves for private use: Wireshark opens the file and shows
each packet's bytes, time, direction and comment, but has no dissector of
its own for this protocol (one can be bound to "DLT User 0" in its
preferences). Each packet holds one frame's bytes as they crossed the
serial line (COBS-encoded, with its closing 0x00 delimiter); its comment
says what the frame means (message, sequence number, fields) and its
direction flag is inbound for bytes the pump received and outbound for
bytes it sent (the capture point is the pump's port).
"""
from __future__ import annotations

import datetime as _dt
import struct
from dataclasses import dataclass
from typing import BinaryIO, Iterable, Iterator, Optional, Tuple

from pyemu import protocol as P

__all__ = ["WireFrame", "wire_frames", "write_pcapng", "LINKTYPE_USER0", "hex_bytes"]

LINKTYPE_USER0 = 147

# pcapng block types and option codes (draft-ietf-opsawg-pcapng sections 4, 3.5)
_SHB, _IDB, _EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
_BYTE_ORDER_MAGIC = 0x1A2B3C4D
_OPT_END, _OPT_COMMENT = 0, 1
_SHB_USERAPPL = 4
_IF_NAME, _IF_DESCRIPTION, _IF_TSRESOL = 2, 3, 9
_EPB_FLAGS = 2
_INBOUND, _OUTBOUND = 1, 2


@dataclass(frozen=True)
class WireFrame:
    """One delimited piece of one direction of the line."""
    t: float                  # wall seconds since the recording started (0 for hex input)
    sim_ms: Optional[int]     # the pump's time when it crossed, if known
    dir: str                  # "rx" (to the pump), "tx" (from the pump) or "" (unknown)
    wire: bytes               # exactly as it crossed the line, closing 0x00 included
    frame: Optional[P.Frame]  # None: the decoder dropped the piece (see drop)
    drop: str = ""            # why it was dropped (COBS, CRC, SHORT ...)

    @property
    def name(self) -> str:
        if self.frame is None:
            return "DROPPED"
        try:
            return P.MsgType(self.frame.msg_type).name
        except ValueError:
            return f"TYPE_{self.frame.msg_type}"

    @property
    def kind(self) -> str:
        if self.frame is None:
            return ""
        return {P.KIND_REQUEST: "request", P.KIND_RESPONSE: "reply",
                P.KIND_UNSOLICITED: "unsolicited"}.get(self.frame.kind, "bad-kind")


class _Splitter:
    """One direction's stream: completed pieces out, the unfinished tail kept."""

    def __init__(self) -> None:
        self.tail = b""

    def feed(self, data: bytes) -> Iterator[Tuple[bytes, Optional[P.Frame], str]]:
        pieces = (self.tail + data).split(b"\0")
        self.tail = pieces.pop()
        for piece in pieces:
            if not piece:
                continue       # back-to-back delimiters: no frame between them
            decoder = P.FrameDecoder()
            frames = decoder.feed(b"\0" + piece + b"\0")
            if frames:
                yield piece + b"\0", frames[0], ""
            else:
                reasons = decoder.stats.dropped_chunks
                yield piece + b"\0", None, ", ".join(r.name for r in reasons) or "DROPPED"


def wire_frames(records: Iterable[Tuple[float, Optional[int], str, bytes]]) -> Iterator[WireFrame]:
    """Frames of (t, sim_ms, dir, bytes) records, each direction read as one stream."""
    splitters: dict = {}
    for t, sim_ms, direction, data in records:
        splitter = splitters.setdefault(direction, _Splitter())
        for wire, frame, drop in splitter.feed(data):
            yield WireFrame(t, sim_ms, direction, wire, frame, drop)


def hex_bytes(text: str) -> bytes:
    """Bytes from hex text as people paste it: spaces, newlines, ':' and '0x' ignored."""
    cleaned = text.replace("0x", " ").replace("0X", " ").replace(":", " ").replace(",", " ")
    digits = "".join(cleaned.split())
    if len(digits) % 2:
        raise ValueError(f"odd number of hex digits ({len(digits)}): a byte is two digits")
    try:
        return bytes.fromhex(digits)
    except ValueError:
        bad = next(c for c in digits if c not in "0123456789abcdefABCDEF")
        raise ValueError(f"{bad!r} is not a hex digit") from None


# -- pcapng ---------------------------------------------------------------------------

def _pad4(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + _pad4(value)


def _block(block_type: int, body: bytes) -> bytes:
    # total length appears before and after the body (lets readers walk backwards)
    total = 12 + len(body)
    return struct.pack("<II", block_type, total) + body + struct.pack("<I", total)


def write_pcapng(frames: Iterable[WireFrame], out: BinaryIO, started_utc: Optional[_dt.datetime],
                 describe=lambda f: f.name, app: str = "pyemu") -> int:
    """Write frames as one pcapng section; returns the number of packets written.

    Timestamps are ``started_utc`` + each frame's ``t`` in microseconds
    (``if_tsresol`` 6, the default, written out anyway); without a start
    time the capture starts at the Unix epoch. ``describe(frame)`` gives
    each packet's comment."""
    base_us = 0
    if started_utc is not None:
        if started_utc.tzinfo is None:
            started_utc = started_utc.replace(tzinfo=_dt.timezone.utc)
        base_us = int(started_utc.timestamp()) * 1_000_000 + started_utc.microsecond
    shb_opts = _option(_SHB_USERAPPL, app.encode()) + _option(_OPT_END, b"")
    # major 1, minor 0, section length -1 (not given: the writer streams)
    out.write(_block(_SHB, struct.pack("<IHHq", _BYTE_ORDER_MAGIC, 1, 0, -1) + shb_opts))
    idb_opts = (_option(_IF_NAME, b"pump serial line")
                + _option(_IF_DESCRIPTION, b"pyemu frames, COBS-encoded as on the wire, "
                                           b"0x00-delimited; see pyemu protocol/spec.md")
                + _option(_IF_TSRESOL, bytes([6])) + _option(_OPT_END, b""))
    # link type, reserved, snaplen 0 (no limit)
    out.write(_block(_IDB, struct.pack("<HHI", LINKTYPE_USER0, 0, 0) + idb_opts))
    n = 0
    for f in frames:
        ts = base_us + int(round(f.t * 1_000_000))
        flags = _INBOUND if f.dir == "rx" else _OUTBOUND if f.dir == "tx" else 0
        opts = _option(_OPT_COMMENT, describe(f).encode("utf-8"))
        if flags:
            opts += _option(_EPB_FLAGS, struct.pack("<I", flags))
        opts += _option(_OPT_END, b"")
        body = (struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(f.wire), len(f.wire))
                + _pad4(f.wire) + opts)
        out.write(_block(_EPB, body))
        n += 1
    return n
