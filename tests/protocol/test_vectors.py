"""Golden vectors through both codecs, and checked against a slow decoder written from the spec alone."""
from __future__ import annotations

import json
import zlib
from typing import Any, Optional

import pytest

from pyemu.testing import ccodec
from pyemu import protocol as P
from gen import ROOT  # protocol/tools/gen.py, on the path by conftest.py


def _frames(frames: list[P.Frame]) -> list[dict[str, Any]]:
    return [{"msg_type": f.msg_type, "seq": f.seq, "flags": f.flags,
             "error": None if f.error is None else f.error.name, "payload": f.payload.hex(), "fields": f.fields}
            for f in frames]


def _drops(stats: P.DecoderStats) -> dict[str, list[int]]:
    keys = set(stats.dropped_chunks) | set(stats.dropped_bytes)
    return {r.name: [stats.dropped_chunks.get(r, 0), stats.dropped_bytes.get(r, 0)] for r in keys}


def _expected(v: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: f[k] for k in ("msg_type", "seq", "flags", "error", "payload", "fields")} for f in v["expect"]["frames"]]


DECODERS = {"python": P.FrameDecoder, "c": ccodec.CFrameDecoder}


@pytest.mark.parametrize("codec", sorted(DECODERS))
@pytest.mark.parametrize("piece", [0, 1, 3, 64])
def test_every_vector_decodes_to_its_meaning(golden: list[dict[str, Any]], codec: str, piece: int) -> None:
    """Invariant: each vector fed whole (piece 0) or in pieces gives exactly its frames, drops and pending bytes."""
    for v in golden:
        wire = bytes.fromhex(v["wire"])
        dec = DECODERS[codec]()
        step = piece or len(wire) or 1
        frames = []
        for i in range(0, len(wire), step):
            frames += dec.feed(wire[i:i + step])
        assert _frames(frames) == _expected(v), v["name"]
        assert _drops(dec.stats) == v["expect"]["drops"], v["name"]
        assert dec.pending == v["expect"]["pending"], v["name"]


@pytest.mark.parametrize("encoder", ["python", "c"])
def test_valid_vectors_encode_byte_for_byte(golden: list[dict[str, Any]], encoder: str) -> None:
    """Invariant: building each valid vector's message from its fields gives exactly its wire bytes."""
    enc = P.encode if encoder == "python" else ccodec.encode
    valid = [v for v in golden if v["group"] == "valid"]
    assert {v["encode"]["msg"] for v in valid} == set(P.MESSAGES), "a message has no golden vector"
    for v in valid:
        e = v["encode"]
        assert enc(e["msg"], e["seq"], e["flags"], **e["fields"]).hex() == v["wire"], v["name"]


def test_vectors_cover_every_drop_and_frame_error(golden: list[dict[str, Any]]) -> None:
    """Invariant: every drop reason and every codec NAK reason appears in some vector."""
    drops = {r for v in golden for r in v["expect"]["drops"]}
    errors = {f["error"] for v in golden for f in v["expect"]["frames"]} - {None}
    assert drops == {r.name for r in P.DropReason}
    assert errors == {"BAD_FLAGS", "UNEXPECTED_MESSAGE", "UNSUPPORTED", "BAD_LENGTH", "BAD_FIELD"}


# ------------------------------------------------------------ reference decoder from the spec text
def _spec_def_crc(m: dict[str, Any]) -> int:
    """Spec section 2: NAME id, then name:type:unit per field; arrays as name:array(...)."""
    parts = [f"{m['name']} {m['id']}"]
    for f in m["fields"]:
        if f["type"] == "array":
            inner = " ".join(f"{x['name']}:{x['type']}:{x.get('unit', '')}" for x in f["fields"])
            parts.append(f"{f['name']}:array({inner})")
        else:
            parts.append(f"{f['name']}:{f['type']}:{f.get('unit', '')}")
    return zlib.crc32(" ".join(parts).encode())


def _spec_decode(chunk: bytes, table: dict[int, dict[str, Any]]) -> Optional[tuple[int, int, int, bytes]]:
    """Slow, literal spec 1.2 + 1.4 checks 1-7 for one chunk: (type, seq, flags, payload) or None."""
    if len(chunk) > 255:
        return None
    out = bytearray()
    i = 0
    while i < len(chunk):                       # COBS, one code byte at a time
        code = chunk[i]
        if code == 0 or i + code > len(chunk):
            return None
        out += chunk[i + 1:i + code]
        i += code
        if code != 0xFF and i < len(chunk):
            out.append(0)
    raw = bytes(b ^ 0xA5 for b in out)
    if len(raw) < 10 or raw[0] != 1:
        return None
    mtype, seq, flags, plen = raw[1], raw[2] | raw[3] << 8, raw[4], raw[5]
    if plen > 224 or len(raw) != 10 + plen + (20 if flags & 8 else 0):
        return None
    if mtype not in table:
        return None
    if zlib.crc32(raw[:-4], _spec_def_crc(table[mtype])) != int.from_bytes(raw[-4:], "little"):
        return None
    return mtype, seq, flags, raw[6:6 + plen]


def test_golden_frames_agree_with_a_decoder_written_from_the_spec(golden: list[dict[str, Any]]) -> None:
    """Invariant: a literal reading of spec.md finds the same intact frames in every vector.

    This decoder shares no code with the codec (its own COBS, whitening, CRC
    seeding and canonical definition strings), so the vectors are not just the
    codec agreeing with itself.
    """
    table = {m["id"]: m for m in json.loads((ROOT / "protocol" / "messages.json").read_text())["messages"]}
    for v in golden:
        found = []
        for chunk in bytes.fromhex(v["wire"]).split(b"\0"):
            if chunk:
                got = _spec_decode(chunk, table)
                if got is not None:
                    found.append(got)
        want = [(f["msg_type"], f["seq"], f["flags"], bytes.fromhex(f["payload"])) for f in v["expect"]["frames"]]
        assert found == want, v["name"]


def test_schema_crc_matches_spec_rule() -> None:
    """Invariant: HELLO_INFO's schema_crc is the spec's CRC over (id, def_crc) in id order."""
    table = json.loads((ROOT / "protocol" / "messages.json").read_text())["messages"]
    acc = 0
    for m in sorted(table, key=lambda m: m["id"]):
        acc = zlib.crc32(bytes([m["id"]]) + _spec_def_crc(m).to_bytes(4, "little"), acc)
    assert acc == P.SCHEMA_CRC
    from pyemu._core import lib
    assert lib.proto_schema_crc() == P.SCHEMA_CRC


def test_frame_overhead_is_13_bytes() -> None:
    """Invariant: an empty-payload frame is 13 bytes on the wire; a STATUS telemetry frame is 90."""
    assert len(P.encode("SUSPEND", 1)) == 13
    status = {f.name: 0 for f in P.MESSAGES["STATUS"].fields}
    assert len(P.encode("STATUS", 1, P.KIND_UNSOLICITED, **status)) == 90
