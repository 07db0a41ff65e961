"""Codec throughput: pyemu's Python and C codecs beside pymavlink and pymodbus, same run.

Every decoder gets a byte stream of BATCH frames in reads of 100 frames (what a
busy serial port hands a reader) and must return every frame; every encoder
builds BATCH frames from field values. Figures are medians of repeated batches.
"""
from __future__ import annotations

from typing import Callable

from bench import peers
from bench.table import Row, goal_at_least
from bench.timing import rates_interleaved

BATCH = peers.BATCH
CHUNK_FRAMES = 100

STATUS_FIELDS = dict(
    now_ms=123_456_789_012, state=1, rate_nl_day=500_000, basal_nl_day=480_000,
    reservoir_nl=35_250_000, pumped_nl=912_345_250, delivered_pg=9_123_450_000_000,
    battery_nc=2_400_000_000_000, battery_permille=960, days_to_eri=2400, alarms=1,
    unacked_alarms=1, bolus_kind=3, bolus_remaining_nl=12_000, drug=1, conc_ug_ml=10_000,
    dose_24h_ug=5_200, last_event_seq=4242,
)


def events_fields(i: int) -> dict:
    """A full EVENTS page (9 entries, the protocol's maximum)."""
    return dict(first_available=1000 + i, newest_seq=2000 + i, events=[
        dict(seq=1000 + i + k, time_ms=86_400_000 * (i + k) + 5, kind=9 + k % 8,
             data0=k, data1=20_000 + k) for k in range(9)])


def python_codec(msg: str) -> dict[str, Callable[[], int]]:
    from pyemu import protocol as P

    fields, frames = _frames_and_fields(msg)
    chunks = _chunks(frames)

    def encode() -> int:
        for i, f in enumerate(fields):
            P.encode(msg, seq=i & 0xFFFF, flags=P.KIND_RESPONSE, **f)
        return len(fields)

    def encode_dict() -> int:
        # the same frames from the same dicts, without unpacking them into keywords
        for i, f in enumerate(fields):
            P.encode_fields(msg, i & 0xFFFF, P.KIND_RESPONSE, f)
        return len(fields)

    def decode() -> int:
        dec = P.FrameDecoder()
        got = 0
        for chunk in chunks:
            for frame in dec.feed(chunk):
                got += frame.fields is not None
        if got != BATCH:
            raise RuntimeError(f"Python codec decoded {got} of {BATCH} {msg} frames")
        return got

    return {"encode": encode, "encode_dict": encode_dict, "decode": decode,  # type: ignore[dict-item]
            "frame_bytes": len(frames[0])}


def _frames_and_fields(msg: str) -> tuple[list[dict], list[bytes]]:
    from pyemu import protocol as P

    if msg == "STATUS":
        fields = [dict(STATUS_FIELDS, now_ms=STATUS_FIELDS["now_ms"] + i) for i in range(BATCH)]
    else:
        fields = [events_fields(i) for i in range(BATCH)]
    return fields, [P.encode(msg, seq=i & 0xFFFF, flags=P.KIND_RESPONSE, **f) for i, f in enumerate(fields)]


def c_codec(msg: str) -> dict[str, Callable[[], int]]:
    """The firmware's C codec through cffi, two ways.

    ``encode``/``decode`` go through ``pyemu.testing.ccodec`` (Python dicts in and out,
    as a Python user sees it). ``encode_c``/``decode_c`` call the C functions in
    a plain loop with the message already in a ``proto_msg_t`` (encode) or
    leaving the decoded fields there (decode): the C codec's own speed plus one
    or two cffi calls per frame, which is what the firmware-side figure means.
    """
    from pyemu.testing import ccodec
    from pyemu import protocol as P
    from pyemu._core import ffi, lib

    fields, frames = _frames_and_fields(msg)
    chunks = _chunks(frames)
    mid = int(P.MsgType[msg])
    cmsgs = [ccodec.from_dict(mid, f) for f in fields]
    wire_max = int(lib.PROTO_MAX_WIRE)

    def encode() -> int:
        for i, f in enumerate(fields):
            ccodec.encode(msg, i & 0xFFFF, P.KIND_RESPONSE, **f)
        return len(fields)

    def decode() -> int:
        dec = ccodec.CFrameDecoder()
        got = sum(1 for chunk in chunks for fr in dec.feed(chunk) if fr.fields is not None)
        if got != BATCH:
            raise RuntimeError(f"C codec decoded {got} of {BATCH} {msg} frames")
        return got

    out = ffi.new("uint8_t[]", wire_max)
    n = ffi.new("size_t *")
    proto_encode = lib.proto_encode

    def encode_c() -> int:
        for i, cm in enumerate(cmsgs):
            if proto_encode(mid, i & 0xFFFF, P.KIND_RESPONSE, cm, out, wire_max, n) != 0:
                raise RuntimeError("proto_encode refused a bench frame")
        return len(cmsgs)

    d = ffi.new("proto_decoder_t *")
    fr = ffi.new("proto_frame_t *")
    ready = ffi.new("int *")
    cmsg = ffi.new("proto_msg_t *")
    feed, frame_decode = lib.proto_decoder_feed, lib.proto_frame_decode
    bufs = [(ffi.from_buffer(c), len(c)) for c in chunks]

    def decode_c() -> int:
        lib.proto_decoder_init(d)
        got = 0
        for buf, size in bufs:
            off = 0
            while off < size:
                off += feed(d, buf + off, size - off, fr, ready)
                if ready[0] and frame_decode(fr, cmsg) == 0:
                    got += 1
        if got != BATCH:
            raise RuntimeError(f"C decoder loop decoded {got} of {BATCH} {msg} frames")
        return got

    def decode_bulk() -> int:
        # One proto_decode_bulk call per read of 100 frames: every frame is
        # COBS-decoded, CRC-checked and its fields decoded into a proto_msg_t.
        bulk = ccodec.CBulkDecoder(CHUNK_FRAMES)
        got = ok = 0
        for chunk in chunks:
            g, k = bulk.feed_counts(chunk)
            got += g
            ok += k
        if got != BATCH or ok != BATCH:
            raise RuntimeError(f"C bulk decoder decoded {ok} of {got} of {BATCH} {msg} frames")
        return got

    return {"encode": encode, "decode": decode, "encode_c": encode_c,  # type: ignore[dict-item]
            "decode_c": decode_c, "decode_bulk": decode_bulk, "frame_bytes": len(frames[0])}


def _chunks(frames: list[bytes]) -> list[bytes]:
    return [b"".join(frames[i:i + CHUNK_FRAMES]) for i in range(0, len(frames), CHUNK_FRAMES)]


def rows() -> list[Row]:
    batches: dict[str, Callable[[], int]] = {}
    sizes: dict[str, int] = {}
    for peer, factory in (("mav", peers.mavlink_benches), ("modbus", peers.modbus_benches)):
        b = factory()
        batches[f"{peer} encode"], batches[f"{peer} decode"] = b["encode"], b["decode"]
        sizes[peer] = b["frame_bytes"]  # type: ignore[assignment]
    c_note = ""
    for msg in ("STATUS", "EVENTS"):
        py = python_codec(msg)
        batches[f"py encode {msg}"], batches[f"py decode {msg}"] = py["encode"], py["decode"]
        batches[f"py encode_dict {msg}"] = py["encode_dict"]
        sizes[msg] = py["frame_bytes"]  # type: ignore[assignment]
        try:
            c = c_codec(msg)
        except (ImportError, AttributeError, KeyError) as exc:
            c_note = f"not measured: {exc}"
            continue
        for k in ("encode", "decode", "encode_c", "decode_c", "decode_bulk"):
            batches[f"c {k} {msg}"] = c[k]
    r = rates_interleaved(batches, repeats=11)

    out = [
        Row("codec", f"pymavlink pack ({sizes['mav']} B frames)", r["mav encode"], "frames/s"),
        Row("codec", "pymavlink parse_buffer", r["mav decode"], "frames/s"),
        Row("codec", f"pymodbus RTU buildFrame ({sizes['modbus']} B frames)", r["modbus encode"], "frames/s"),
        Row("codec", "pymodbus RTU handleFrame", r["modbus decode"], "frames/s"),
    ]
    mav_enc, mav_dec = r["mav encode"], r["mav decode"]
    for msg in ("STATUS", "EVENTS"):
        what = f"{'STATUS' if msg == 'STATUS' else 'event page'} ({sizes[msg]} B)"
        enc, enc_d, dec = r[f"py encode {msg}"], r[f"py encode_dict {msg}"], r[f"py decode {msg}"]
        out.append(Row("codec", f"Python encode {what}, encode_fields(dict)", enc_d, "frames/s"))
        out.append(Row("codec", f"Python encode {what}, encode(**fields)", enc, "frames/s"))
        out.append(Row("codec", f"Python decode {what}", dec, "frames/s"))
        if msg == "STATUS":
            out.append(Row("codec", "  Python encode (dict) / pymavlink pack", enc_d / mav_enc, "x", ">= 1x",
                           goal_at_least(enc_d / mav_enc, 1.0),
                           note="fields already in a dict, as pymavlink's pack gets its fields in a message "
                                "object built outside the timing; every range and flags check still runs"))
            out.append(Row("codec", "  Python encode (**fields) / pymavlink pack", enc / mav_enc, "x",
                           note="the same frames with the STATUS's 18 fields passed as keyword arguments: "
                                "CPython's keyword unpacking alone is ~2 us of the call"))
            out.append(Row("codec", "  Python decode / pymavlink parse", dec / mav_dec, "x", ">= 1.5x",
                           goal_at_least(dec / mav_dec, 1.5)))
        if f"c decode_c {msg}" not in r:
            out.append(Row("codec", f"C codec {what}", None, "", note=c_note))
            continue
        out.append(Row("codec", f"C encode {what}, cffi loop", r[f"c encode_c {msg}"], "frames/s"))
        out.append(Row("codec", f"C decode {what}, cffi loop (1 call per frame)", r[f"c decode_c {msg}"],
                       "frames/s"))
        out.append(Row("codec", f"C decode {what}, bulk (1 call per 100 frames)", r[f"c decode_bulk {msg}"],
                       "frames/s"))
        out.append(Row("codec", f"C encode {what} via pyemu.testing.ccodec", r[f"c encode {msg}"], "frames/s"))
        out.append(Row("codec", f"C decode {what} via pyemu.testing.ccodec", r[f"c decode {msg}"], "frames/s"))
        if msg == "STATUS":
            ratio = r[f"c decode_bulk {msg}"] / mav_dec
            out.append(Row("codec", "  C decode (bulk) / pymavlink parse", ratio, "x", ">= 10x",
                           goal_at_least(ratio, 10.0),
                           note="proto_decode_bulk: every frame COBS-decoded, CRC-checked and its fields "
                                "decoded into a proto_msg_t, left in C (no Python dicts); one cffi call per "
                                "read of 100 frames, as a recording or event log is read"))
            out.append(Row("codec", "  C decode (cffi loop) / pymavlink parse", r[f"c decode_c {msg}"] / mav_dec,
                           "x", note="one or two cffi calls per frame, fields left in proto_msg_t; "
                                     "'via pyemu.testing.ccodec' rows include building the dicts"))
            out.append(Row("codec", "  C encode (cffi loop) / pymavlink pack",
                           r[f"c encode_c {msg}"] / mav_enc, "x"))
    return out
