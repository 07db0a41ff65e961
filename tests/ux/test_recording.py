"""Recording file format: written, read back, damage reported by line."""
import errno
import json
import os
import sys

import pytest

from pyemu.host.recording import Recorder, RecordingError, read_recording


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
    from pyemu.pump.client import Client
    from pyemu.host.emulator import ServeProcess
    from pyemu.host.recording import messages

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


# -- issue 11 item 7: a recording that cannot be written stops; the pump does not ---------------


class _FailingFile:
    """Wraps the recorder's file: writes (or flush, or close) fail like a full disk."""

    def __init__(self, f, fail_on="write", err=errno.ENOSPC):
        self._f, self.fail_on, self.err = f, fail_on, err

    def _maybe_fail(self, what):
        if what == self.fail_on:
            raise OSError(self.err, os.strerror(self.err))

    def write(self, text):
        self._maybe_fail("write")
        return self._f.write(text)

    def flush(self):
        self._maybe_fail("flush")
        self._f.flush()

    def close(self):
        self._f.close()
        self._maybe_fail("close")


@pytest.mark.parametrize("fail_on", ["write", "flush"])
def test_a_full_disk_stops_the_recording_with_a_warning_and_never_raises(tmp_path, fail_on):
    path = tmp_path / "s.jsonl"
    warnings = []
    rec = Recorder(path, on_error=warnings.append)
    rec.rx(b"\x01", 0)
    rec.tx(b"\x02", 0)
    rec._f = _FailingFile(rec._f, fail_on)
    rec.rx(b"\x03", 5)                  # the disk is full: no exception
    rec.tx(b"\x04", 5)                  # stopped: not tried again, not warned again
    rec.close()
    assert rec.stopped
    assert len(warnings) == 1
    text = warnings[0]
    assert str(path) in text and "No space left on device" in text
    assert "2 records" in text and "keeps running" in text
    # what was written before the failure is still a readable recording (with a failed
    # flush, the buffered record may still land when the file is closed)
    kept = [r.data for r in read_recording(path).records]
    assert kept[:2] == [b"\x01", b"\x02"] and len(kept) <= 3


def test_a_failing_close_is_a_warning_not_an_exception(tmp_path):
    path = tmp_path / "s.jsonl"
    warnings = []
    rec = Recorder(path, on_error=warnings.append)
    rec.rx(b"\x01", 0)
    rec._f = _FailingFile(rec._f, "close", errno.EIO)
    rec.close()                         # used to raise out of serve()'s finally
    assert len(warnings) == 1 and str(path) in warnings[0] and "1 record" in warnings[0]
    rec.close()                         # twice is harmless
    assert len(warnings) == 1


def test_the_serve_loop_keeps_answering_when_the_recording_fails(tmp_path):
    """In process: the recorder's file fails in the middle of a session; every request
    still gets its reply, and the loop never sees the error."""
    from pyemu import protocol as P
    from pyemu.host.device import Device
    from pyemu.host.emulator import Emulator, ManualClock

    class Line:
        def __init__(self):
            self.inbox, self.sent = [], []

        def read(self, timeout):
            return self.inbox.pop(0) if self.inbox else b""

        def write(self, data):
            self.sent.append(data)

    line = Line()
    emulator = Emulator(Device(clock="manual"), line, ManualClock())
    warnings = []
    emulator.recorder = Recorder(tmp_path / "s.jsonl", on_error=warnings.append)
    for seq in range(1, 7):
        if seq == 3:
            emulator.recorder._f = _FailingFile(emulator.recorder._f)
        line.inbox.append(P.encode("GET_STATUS", seq))
        emulator.step(0)
    replies = [f for chunk in line.sent for f in P.FrameDecoder().feed(chunk)]
    assert [f.seq for f in replies] == [1, 2, 3, 4, 5, 6]
    assert len(warnings) == 1 and "4 records" in warnings[0]


_LIMITED_SERVE = """\
import resource, runpy, sys
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), int(sys.argv[1])))
sys.argv = ["pyemu", "serve"] + sys.argv[2:]
runpy.run_module("pyemu", run_name="__main__", alter_sys=True)
"""


def test_serve_with_a_full_recording_disk_keeps_the_pump_running(tmp_path):
    """End to end: `pyemu serve --record` under a file-size limit (the kernel refuses
    writes past it with EFBIG, as a full disk does with ENOSPC). The recording stops
    with one warning naming the file; the pump answers every request and exits 0."""
    from pyemu.pump.client import Client
    from pyemu.host.emulator import ServeProcess

    path = tmp_path / "s.jsonl"
    limit = 3000                         # bytes: the header and a few records fit
    emu = ServeProcess.manual_pty(record=str(path))
    emu.argv = [sys.executable, "-c", _LIMITED_SERVE, str(limit)] + emu.argv[4:]
    emu.start()
    try:
        with Client.connect(emu.port, timeout=5.0) as client:
            for _ in range(40):          # ~40 x 250 bytes of records: well past the limit
                assert client.status().now_ms == 0
            client.advance(3_600_000)
            assert client.status().now_ms == 3_600_000
    finally:
        code = emu.stop()
    err = emu.stderr()
    assert code == 0, err
    assert "Traceback" not in err and "cannot write the state file" not in err
    warnings = [line for line in err.splitlines() if "recording" in line]
    assert len(warnings) == 1 and str(path) in warnings[0] and "keeps running" in warnings[0]
    assert 0 < path.stat().st_size <= limit
    kept = read_recording(path)          # what was kept is readable (a torn last line at most)
    assert kept.records and len(kept.warnings) <= 1
