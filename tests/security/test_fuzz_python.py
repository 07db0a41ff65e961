"""hypothesis-driven fuzzing of the Python decoder with hostile *intact* frames.

Random bytes almost never pass the CRC, so they only test framing (that is
covered in tests/protocol/test_streams.py). Here every frame is built with a
correct CRC around an attacker's header and payload — any type, seq, flags,
length, contents, with or without an auth trailer — so checks 8-15 and the
payload decoders see everything an attacker on the line could send. The
Python and C decoders must judge each alike, never raise, and everything
they accept must re-encode to the very same bytes.
"""
from __future__ import annotations

import struct
import zlib

from hypothesis import given, strategies as st

from pyemu import protocol as P
from pyemu.testing.ccodec import CFrameDecoder
from pyemu.protocol import framing as F

IDS = sorted(P.MESSAGES_BY_ID)


@st.composite
def hostile_raw_frame(draw) -> bytes:
    """Header + payload (+ auth trailer) + a correct CRC: passes checks 1-7."""
    mid = draw(st.sampled_from(IDS))
    flags = draw(st.one_of(st.sampled_from([0, 1, 2, 3, 4, 5, 8, 9, 0x10, 0x80]), st.integers(0, 255)))
    seq = draw(st.integers(0, 0xFFFF))
    m = P.MESSAGES_BY_ID[mid]
    if draw(st.booleans()):
        # The length the message expects (an array message: its fixed part plus
        # whole elements), so the field checks are reached, not just the length check.
        size = m.fixed_size if not m.array else draw(st.integers(m.fixed_size, m.max_size))
        payload = draw(st.binary(min_size=size, max_size=size))
    else:
        payload = draw(st.binary(max_size=P.MAX_PAYLOAD))
    trailer = draw(st.binary(min_size=F.AUTH_LEN, max_size=F.AUTH_LEN)) if flags & P.FLAG_AUTH else b""
    head = struct.pack("<BBHBB", P.PROTOCOL_VERSION, mid, seq, flags, len(payload))
    body = head + payload + trailer
    return body + struct.pack("<I", zlib.crc32(body, F._DEF_CRC[mid]))


@given(st.lists(hostile_raw_frame(), min_size=1, max_size=4), st.binary(max_size=8))
def test_hostile_intact_frames_are_judged_alike_by_python_and_c(raws, noise):
    """Invariant: every hostile intact frame is delivered by both decoders with
    the same type, seq, flags, payload and verdict (fields or NAK reason)."""
    wire = noise + b"".join(F.raw_to_wire(r) for r in raws)
    py = P.FrameDecoder().feed(wire)
    c = CFrameDecoder().feed(wire)
    assert len(py) == len(raws)
    assert [tuple(f) for f in py] == [tuple(f) for f in c]


@given(hostile_raw_frame())
def test_every_accepted_frame_re_encodes_to_the_same_bytes(raw):
    """Invariant: decode is the inverse of encode on everything it accepts, so no
    two wire forms mean the same command (no ambiguity for an attacker to use)."""
    [frame] = P.FrameDecoder().feed(F.raw_to_wire(raw))
    if frame.error is None:
        name = P.MESSAGES_BY_ID[frame.msg_type].name
        assert P.encode(name, seq=frame.seq, flags=frame.flags, **frame.fields) == F.raw_to_wire(raw)
    else:
        assert frame.fields is None and isinstance(frame.error, P.NakReason)


@given(st.binary(min_size=1, max_size=600), st.integers(1, 64))
def test_decoder_never_raises_whatever_the_chunking(data, step):
    """Invariant: the decoder takes any bytes in any chunks and gives the same frames."""
    whole = P.FrameDecoder().feed(data)
    split = P.FrameDecoder()
    got = []
    for i in range(0, len(data), step):
        got += split.feed(data[i:i + step])
    assert [tuple(f) for f in got] == [tuple(f) for f in whole]
