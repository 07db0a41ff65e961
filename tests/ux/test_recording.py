"""Recording file format: written, read back, damage reported by line."""
import json

import pytest

from pyemu.recording import Recorder, RecordingError, read_recording


def test_round_trip_keeps_every_chunk_in_order(tmp_path):
    path = tmp_path / "s.jsonl"
    chunks = [("rx", b"\x01\x02\x00", 0), ("tx", b"\xff" * 300, 0), ("rx", b"", 5),
              ("tx", b"\x00", None), ("rx", bytes(range(256)), 86_400_000)]
    with Recorder(path, port="pty", clock="manual") as rec:
        for d, data, t in chunks:
            rec.record(d, data, t)
    r = read_recording(path)
    assert r.header["format"] == "pyemu-recording" and r.header["port"] == "pty"
    # empty chunks are not recorded; everything else is, byte for byte
    assert [(x.dir, x.data, x.sim_ms) for x in r.records] == [c for c in chunks if c[1]]
    assert all(a.t <= b.t for a, b in zip(r.records, r.records[1:]))
    assert r.warnings == []


def test_torn_last_line_is_a_warning(tmp_path):
    path = tmp_path / "s.jsonl"
    with Recorder(path) as rec:
        rec.rx(b"\x01")
        rec.tx(b"\x02")
    text = path.read_text()
    path.write_text(text + '{"t": 0.5, "sim_ms": 1, "di')      # killed mid-line
    r = read_recording(path)
    assert [x.data for x in r.records] == [b"\x01", b"\x02"]
    assert len(r.warnings) == 1 and ":4:" in r.warnings[0]


def test_bad_line_in_the_middle_is_an_error_with_its_line(tmp_path):
    path = tmp_path / "s.jsonl"
    with Recorder(path) as rec:
        rec.rx(b"\x01")
    lines = path.read_text().splitlines()
    lines.insert(1, '{"t": 0.1, "sim_ms": 0, "dir": "sideways", "hex": "00"}')
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(RecordingError, match=r":2: bad record"):
        read_recording(path)


@pytest.mark.parametrize("first,match", [
    ("", "empty"), ("hello", "no JSON header"),
    (json.dumps({"format": "other"}), "not a pyemu recording"),
    (json.dumps({"format": "pyemu-recording", "version": 99}), "version 99"),
])
def test_foreign_files_are_refused(tmp_path, first, match):
    path = tmp_path / "x.jsonl"
    path.write_text(first + ("\n" if first else ""))
    with pytest.raises(RecordingError, match=match):
        read_recording(path)


def test_recorder_rejects_unknown_direction(tmp_path):
    with Recorder(tmp_path / "r.jsonl") as rec, pytest.raises(ValueError):
        rec.record("up", b"x", 0)


def test_serve_records_every_byte_both_ways(tmp_path):
    """`pyemu serve --record`: garbage and frames alike, decodable afterwards."""
    from pyemu.client import Client
    from pyemu.emulator import ServeProcess
    from pyemu.recording import messages

    path = tmp_path / "session.jsonl"
    garbage = b"\x13\x37noise\xff"
    with ServeProcess("--port", "pty", "--clock", "manual", "--test-features", "--quiet",
                      "--telemetry-period", "0s", "--record", str(path)) as emu:
        with Client.connect(emu.port) as c:
            c.transport.write(garbage)       # line noise before the first frame
            c.hello()
            c.advance(3_600_000)
            c.status()
    rec = read_recording(path)
    assert rec.header["port"] == emu.port and rec.header["clock"] == "manual"
    rx = b"".join(r.data for r in rec.records if r.dir == "rx")
    assert garbage in rx
    got = [(m.dir, m.name) for m in messages(rec)]
    assert got == [("rx", "HELLO"), ("tx", "HELLO_INFO"), ("rx", "ADVANCE"), ("tx", "STATUS"),
                   ("rx", "GET_STATUS"), ("tx", "STATUS")]
    status = [m for m in messages(rec) if m.name == "STATUS"][-1]
    assert status.fields["now_ms"] == 3_600_000 and status.sim_ms == 3_600_000
    assert all(a.t <= b.t for a, b in zip(rec.records, rec.records[1:]))
