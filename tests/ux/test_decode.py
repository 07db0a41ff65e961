"""`pyemu decode`: frames of a recording, of hex on stdin and of a live pump; pcapng export
read back with an independent parser (and tshark when it is installed)."""
import datetime as dt
import io
import json
import select
import shutil
import struct
import subprocess
import sys
import time

import pytest

from pyemu import protocol as P
from pyemu.cli.main import main
from pyemu.host.emulator import ServeProcess
from pyemu.host.recording import messages, read_recording
from pyemu.pump.client import Client

BOLUS = P.encode("CLINICIAN_BOLUS", 7, P.KIND_REQUEST, volume_nl=500_000, duration_ms=600_000)


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    path = tmp_path_factory.mktemp("rec") / "session.jsonl"
    with ServeProcess.manual_pty(record=str(path)) as emu:
        with Client.connect(emu.port) as c:
            c.hello()
            c.refill(20_000_000, "baclofen", 2000)
            c.advance(3_600_000)
            c.inject_fault("memory")
            c.status()
    return path


def run(argv, capsys, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_hex_on_stdin_is_decoded_as_text_and_json(capsys, monkeypatch):
    text = " ".join(f"{b:02x}" for b in BOLUS)            # pasted with spaces
    status, out, err = run(["decode", "-"], capsys, text, monkeypatch)
    assert status == 0, err
    assert out.split()[2:] == ["CLINICIAN_BOLUS", "request", "seq=7", "volume_nl=500000",
                               "duration_ms=600000"]
    status, out, err = run(["decode", "-", "--json"], capsys, BOLUS.hex(), monkeypatch)
    obj = json.loads(out)
    assert obj["message"] == "CLINICIAN_BOLUS" and obj["seq"] == 7 and obj["kind"] == "request"
    assert obj["fields"] == {"volume_nl": 500_000, "duration_ms": 600_000}
    assert bytes.fromhex(obj["hex"]) == BOLUS[1:]          # the frame up to its closing 0x00


def test_garbage_and_a_corrupt_frame_are_shown_as_dropped(capsys, monkeypatch):
    bad = bytearray(BOLUS)
    bad[5] ^= 0x01
    status, out, err = run(["decode", "-"], capsys, (b"\x00\x11\x22\x00" + bytes(bad) + BOLUS).hex(),
                           monkeypatch)
    lines = out.splitlines()
    assert [("DROPPED" in line, "CLINICIAN_BOLUS" in line) for line in lines] == \
        [(True, False), (True, False), (False, True)]


def test_bad_hex_is_a_usage_error(capsys, monkeypatch):
    status, out, err = run(["decode", "-"], capsys, "00 1g", monkeypatch)
    assert status == 2 and err.startswith("pyemu decode: stdin:") and "'g' is not a hex digit" in err


def test_a_recording_decodes_to_every_frame_in_order(recording, capsys):
    status, out, err = run(["decode", str(recording), "--json"], capsys)
    assert status == 0, err
    frames = [json.loads(line) for line in out.splitlines()]
    expected = [(m.dir, m.name) for m in messages(read_recording(recording))]
    assert [(f["dir"], f["message"]) for f in frames] == expected
    names = [f["message"] for f in frames]
    assert names[:2] == ["HELLO", "HELLO_INFO"] and "REFILL" in names and "ALARM" in names
    status, out, err = run(["decode", str(recording)], capsys)
    assert "->pump REFILL" in out and "pump-> ALARM" in out


def _read_pcapng(data):
    """(link type, [(ts_us, bytes, comment, flags)]) from a little-endian pcapng section."""
    pos, linktype, packets, tsresol = 0, None, [], 6
    while pos < len(data):
        btype, total = struct.unpack_from("<II", data, pos)
        assert total % 4 == 0 and struct.unpack_from("<I", data, pos + total - 4)[0] == total
        body = data[pos + 8:pos + total - 4]
        if btype == 0x0A0D0D0A:
            magic, major, minor = struct.unpack_from("<IHH", body)
            assert (magic, major, minor) == (0x1A2B3C4D, 1, 0)
        elif btype == 1:
            linktype = struct.unpack_from("<H", body)[0]
            opts = _options(body[8:])
            tsresol = opts.get(9, [bytes([6])])[0][0]
        elif btype == 6:
            iface, hi, lo, cap, orig = struct.unpack_from("<IIIII", body)
            assert iface == 0 and cap == orig
            pkt = body[20:20 + cap]
            opts = _options(body[20 + cap + (-cap % 4):])
            flags = struct.unpack("<I", opts[2][0])[0] if 2 in opts else 0
            packets.append(((hi << 32 | lo), pkt, opts[1][0].decode(), flags))
        pos += total
    assert tsresol == 6
    return linktype, packets


def _options(raw):
    out, pos = {}, 0
    while pos + 4 <= len(raw):
        code, length = struct.unpack_from("<HH", raw, pos)
        if code == 0:
            break
        out.setdefault(code, []).append(raw[pos + 4:pos + 4 + length])
        pos += 4 + length + (-length % 4)
    return out


def test_pcapng_export_reads_back_with_every_frame_time_and_direction(recording, tmp_path, capsys):
    out_file = tmp_path / "s.pcapng"
    status, out, err = run(["decode", str(recording), "--pcapng", str(out_file)], capsys)
    assert status == 0, err
    linktype, packets = _read_pcapng(out_file.read_bytes())
    assert linktype == 147                                  # LINKTYPE_USER0
    rec = read_recording(recording)
    msgs = list(messages(rec))
    assert len(packets) == len(msgs)
    start = dt.datetime.fromisoformat(rec.header["started_utc"])
    start_us = int(start.timestamp()) * 1_000_000
    for (ts, pkt, comment, flags), m in zip(packets, msgs):
        assert ts == start_us + round(m.t * 1_000_000)
        assert flags == (1 if m.dir == "rx" else 2)        # inbound / outbound at the pump
        assert comment.startswith(m.name + " ")
        decoded = P.FrameDecoder().feed(b"\0" + pkt)
        assert len(decoded) == 1 and decoded[0].fields == m.fields
    assert [p[0] for p in packets] == sorted(p[0] for p in packets)


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
def test_tshark_reads_the_pcapng(recording, tmp_path, capsys):
    out_file = tmp_path / "s.pcapng"
    assert run(["decode", str(recording), "--pcapng", str(out_file)], capsys)[0] == 0
    r = subprocess.run(["tshark", "-r", str(out_file), "-T", "fields", "-e", "frame.comment"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "HELLO" in r.stdout


def test_a_live_pump_is_decoded_through_its_observer_port():
    """The spy sees what the pump sends on its own, and the controlling client is undisturbed."""
    with ServeProcess.manual_pty() as emu:
        spy = subprocess.Popen([sys.executable, "-m", "pyemu", "decode", "--port", emu.port,
                                "--count", "1", "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            ready, _, _ = select.select([spy.stderr], [], [], 60)
            assert ready, "decode did not start"
            assert "watching unix://" in spy.stderr.readline()
            with Client.connect(emu.port) as c:
                c.inject_fault("memory")                 # an unsolicited ALARM
                assert c.status().alarms
            out, err = spy.communicate(timeout=60)
        finally:
            if spy.poll() is None:
                spy.kill()
                spy.wait()
    assert spy.returncode == 0, err
    obj = json.loads(out)
    assert obj["message"] == "ALARM" and obj["kind"] == "unsolicited" and obj["dir"] == "tx"


def test_decode_needs_one_source(capsys):
    status, out, err = run(["decode"], capsys)
    assert status == 2 and err.startswith("pyemu decode: ")
