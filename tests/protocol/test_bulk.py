"""The C bulk decoder (proto_decode_bulk via ccodec.CBulkDecoder) against the stream decoders."""
from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, strategies as st

from pyemu.testing import ccodec
from pyemu import protocol as P

from proto_strategies import any_message


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0] + points, points + [len(data)])]


def _run(dec: Any, pieces: list[bytes]) -> list[P.Frame]:
    out: list[P.Frame] = []
    for p in pieces:
        out += dec.feed(p)
    return out


@st.composite
def mixed_stream(draw: Any) -> bytes:
    """Valid frames of every message, with garbage, truncated and bit-flipped frames between them."""
    stream = b""
    for _ in range(draw(st.integers(0, 14))):
        name, seq, flags, fields = draw(any_message())
        wire = P.encode(name, seq, flags, **fields)
        what = draw(st.sampled_from(["frame", "frame", "garbage", "truncated", "flipped"]))
        if what == "frame":
            stream += wire
        elif what == "garbage":
            stream += draw(st.binary(min_size=1, max_size=80))
        elif what == "truncated":
            stream += wire[:draw(st.integers(1, len(wire) - 1))]
        else:
            bit = draw(st.integers(0, 8 * len(wire) - 1))
            stream += wire[:bit // 8] + bytes([wire[bit // 8] ^ (1 << (bit % 8))]) + wire[bit // 8 + 1:]
    return stream


@given(st.one_of(mixed_stream(), st.binary(max_size=1200)), st.lists(st.integers(0, 5000), max_size=6),
       st.integers(1, 9))
def test_bulk_decoder_gives_the_stream_decoders_frames_and_counters(data: bytes, cuts: list[int],
                                                                     max_frames: int) -> None:
    """Invariant: for any bytes, however split, and any number of frames per C call, the bulk decoder
    returns the same frames (header, fields, error, payload, trailer), drop counters and pending bytes
    as the per-frame C decoder and the Python decoder."""
    pieces = _split(data, cuts)
    bulk, c, py = ccodec.CBulkDecoder(max_frames), ccodec.CFrameDecoder(), P.FrameDecoder()
    fb = _run(bulk, pieces)
    assert fb == _run(c, pieces) == _run(py, pieces)
    assert bulk.stats == c.stats == py.stats
    assert bulk.pending == c.pending == py.pending


@given(mixed_stream(), st.integers(1, 9))
def test_bulk_counts_are_the_frames_and_the_cleanly_decoded_frames(data: bytes, max_frames: int) -> None:
    """Invariant: feed_counts gives (frames delivered, frames whose fields decoded) of the same bytes
    decoded frame by frame."""
    frames = ccodec.CFrameDecoder().feed(data)
    want = (len(frames), sum(f.error is None for f in frames))
    assert ccodec.CBulkDecoder(max_frames).feed_counts(data) == want


def test_bulk_decoder_refuses_no_room() -> None:
    with pytest.raises(ValueError):
        ccodec.CBulkDecoder(0)
