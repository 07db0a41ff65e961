"""Authenticated sessions on the board: the image built with ``make firmware KEYS=FILE``
runs the same session code (firmware/device/device_auth.c, firmware/crypto) as the
emulator, in QEMU (protocol/spec.md section 6).

The keys are fixed test keys written to a ``pyemu keys`` file in a temporary
directory, so the provisioned image is linked once and then reused. Each
test boots a fresh image; QEMU gets fresh nonce entropy at every boot,
except in the exchange compared with the emulator, which fixes every input
it can (host nonce, seqs) and compares everything but the tags and the
device's nonce (each target's tags are checked with its own session).
"""
from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
from pathlib import Path
from typing import Callable, List, Tuple

import pytest

from pyemu.link import auth

from pyemu.host import hil
from pyemu import protocol as P
from pyemu.pump.client import AuthenticationError, Client, DeviceRefused
from pyemu.pump.core import Config
from pyemu.host.device import Device

CLIN = bytes(range(1, 33))
PAT = bytes(range(101, 133))
HOST_NONCE = bytes(range(200, 216))
NAK = P.MsgType.NAK


@pytest.fixture(scope="session")
def key_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("keys") / "board.keys"
    auth.create_key_file(str(path), keys={"clinician": CLIN, "patient": PAT})
    return path


@pytest.fixture(scope="session")
def provisioned_image(firmware, key_file) -> Path:
    """``make firmware KEYS=key_file`` (after the open images: ``firmware``)."""
    return hil.build_provisioned_firmware(key_file)


@pytest.fixture
def board(provisioned_image, qemu_bin):
    with hil.QemuBoard(provisioned_image, qemu=qemu_bin) as b:
        yield b


# -- the build ----------------------------------------------------------------------------

def test_provisioned_images_live_in_a_private_directory_and_fit_the_budget(provisioned_image):
    """The keys are in the image: its directory is the owner's only; the image fits as the
    open one does (the linker's budget ASSERT and stack_check.py ran in the build)."""
    assert provisioned_image.is_file()
    assert provisioned_image.parent.stat().st_mode & 0o077 == 0
    keys_c = provisioned_image.parent / "board_keys.c"
    assert keys_c.stat().st_mode & 0o077 == 0
    report = (provisioned_image.parent / "qemu_netduinoplus2.stack").read_text()
    assert "cannot bound" not in report and "FAILED" not in report, report


def test_a_key_file_readable_by_others_is_refused(tmp_path, firmware):
    path = tmp_path / "loose.keys"
    auth.create_key_file(str(path), keys={"clinician": CLIN, "patient": PAT})
    path.chmod(0o644)
    with pytest.raises(hil.HilError, match="readable by other users"):
        hil.build_provisioned_firmware(path)


def test_the_image_without_keys_stays_an_open_pump(firmware, qemu_bin):
    """No KEYS: a version-1 device, as the emulator without --keys."""
    with hil.QemuBoard(hil.QEMU_IMAGE, qemu=qemu_bin) as b, Client.connect(b.url, timeout=2.0) as c:
        assert "auth" not in c.hello().capability_names
        assert c.status().state == 0
        with pytest.raises(DeviceRefused) as refusal:
            c.request("AUTH_BEGIN", role=1, host_nonce_lo=1, host_nonce_hi=2)
        assert refusal.value.reason_name == "UNSUPPORTED"


# -- behaviour in QEMU --------------------------------------------------------------------

def test_without_a_session_only_hello_answers(board):
    with Client.connect(board.url, timeout=2.0) as c:
        assert "auth" in c.hello().capability_names
        for name, fields in (("GET_STATUS", {}), ("SUSPEND", {}), ("ADVANCE", {"delta_ms": 60_000})):
            with pytest.raises(DeviceRefused) as refusal:
                c.request(name, **fields)
            assert refusal.value.reason_name == "AUTH_REQUIRED", name


def test_clinician_opens_a_session_and_commands_work(board):
    with Client.connect(board.url, timeout=2.0, key=CLIN, role="clinician") as c:
        assert c.authenticated
        c.refill(20_000_000, "baclofen", 2000)
        c.prescribe(drug="baclofen", conc_ug_ml=2000, rate_nl_day=500_000, max_dose_ug_24h=2000)
        status = c.advance(3_600_000)
        assert status.now_ms == 3_600_000 and status.pumped_nl > 0
        assert c.stats.auth_dropped == 0


def test_patient_may_read_status_and_bolus_only(board):
    with Client.connect(board.url, timeout=2.0, key=CLIN, role="clinician") as c:
        c.refill(20_000_000, "baclofen", 2000)
    with Client.connect(board.url, timeout=2.0, key=PAT, role="patient") as p:
        assert p.status().reservoir_nl == 20_000_000
        for name, fields in (("SUSPEND", {}), ("ADVANCE", {"delta_ms": 60_000}),
                             ("REFILL", {"volume_nl": 1_000_000, "drug": 4, "conc_ug_ml": 2000})):
            with pytest.raises(DeviceRefused) as refusal:
                p.request(name, **fields)
            assert refusal.value.reason_name == "AUTH_ROLE", name
        with pytest.raises(DeviceRefused) as refusal:
            p.patient_bolus()                  # allowed, but no prescription enables it
        assert refusal.value.reason_name != "AUTH_ROLE"


def test_a_wrong_key_gets_no_session(board):
    with pytest.raises(AuthenticationError):
        Client.connect(board.url, timeout=2.0, key=bytes(range(50, 82)), role="clinician")


# -- the same exchange against the emulator and the board ----------------------------------

Send = Callable[[bytes, int], List[object]]


def _emulator_line() -> Tuple[Send, Callable[[], None]]:
    """The emulator with the board's options (main.c), provisioned as the image is."""
    dev = Device(Config(), test_features=True, telemetry_period_ms=60_000)
    dev.provision(CLIN, PAT)
    decoder = P.FrameDecoder()

    def send(wire: bytes, seq: int) -> List[object]:
        dev.feed(wire)
        return decoder.feed(dev.read_output())

    return send, lambda: None


def _board_line(url: str) -> Tuple[Send, Callable[[], None]]:
    host, port = url[len("socket://"):].rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=10.0)
    decoder = P.FrameDecoder()

    def send(wire: bytes, seq: int) -> List[object]:
        """Frames up to and including the reply to ``seq`` (unsolicited frames queued
        after that reply are collected with the next request's)."""
        sock.sendall(wire)
        got: List[object] = []
        while not any(f.seq == seq and not f.flags & P.KIND_UNSOLICITED for f in got):
            data = sock.recv(4096)
            assert data, "the board closed the line"
            got += decoder.feed(data)
        return got

    return send, sock.close


def _exchange(send: Send) -> List[Tuple[int, int, int, bytes, int]]:
    """A fixed script: HELLO, a refused request, the handshake with a fixed host nonce,
    then sealed therapy commands. Returns every frame the device sent as
    (type, seq, flags, payload, counter); tags are checked here with the session."""
    frames: List[object] = []
    frames += send(P.encode("HELLO", seq=1), 1)
    serial = frames[-1].fields["serial"]
    frames += send(P.encode("GET_STATUS", seq=2), 2)
    lo, hi = auth.nonce_fields(HOST_NONCE)
    frames += send(P.encode("AUTH_BEGIN", seq=3, role=auth.CLINICIAN, host_nonce_lo=lo, host_nonce_hi=hi), 3)
    challenge = frames[-1]
    assert challenge.msg_type == P.MsgType.AUTH_CHALLENGE, challenge
    device_nonce = auth.nonce_bytes(challenge.fields["device_nonce_lo"], challenge.fields["device_nonce_hi"])
    session = auth.Session.open(CLIN, role=auth.CLINICIAN, serial=serial,
                                session_id=challenge.fields["session"], host_nonce=HOST_NONCE,
                                device_nonce=device_nonce, is_device=False)
    lo, hi = auth.nonce_fields(session.proofs[0])
    frames += send(P.encode("AUTH_PROVE", seq=4, proof_lo=lo, proof_hi=hi), 4)
    assert auth.nonce_bytes(frames[-1].fields["proof_lo"], frames[-1].fields["proof_hi"]) == session.proofs[1]
    script = [
        ("REFILL", dict(volume_nl=20_000_000, drug=4, conc_ug_ml=2000)),
        ("PRESCRIBE", dict(drug=4, conc_ug_ml=2000, step_unit=0, steps=[{"start_min": 0, "value": 500_000}],
                           max_dose_ug_24h=1500, low_reservoir_nl=2_000_000, pb_enabled=1,
                           pb_volume_nl=25_000, pb_duration_ms=600_000, pb_lockout_ms=14_400_000,
                           pb_max_per_24h=4)),
        ("ADVANCE", dict(delta_ms=2 * 3_600_000)),
        ("PATIENT_BOLUS", {}),
        ("INJECT_FAULT", dict(fault=1, action=0)),
        ("ADVANCE", dict(delta_ms=3_600_000)),
        ("GET_STATUS", {}),
        ("READ_EVENTS", dict(from_seq=0, max_count=9)),
        ("AUTH_END", {}),
        ("GET_STATUS", {}),                       # after the session: refused again
    ]
    for seq, (name, fields) in enumerate(script, start=5):
        wire = (auth.seal_frame(session, P.MESSAGES[name].id, seq, P.KIND_REQUEST,
                                P.encode_payload(name, **fields))
                if name != "GET_STATUS" or seq < 14 else P.encode(name, seq=seq))
        frames += send(wire, seq)
    frames += send(P.encode("HELLO", seq=99), 99)   # fence: every earlier frame is in
    out = []
    for f in frames:
        counter = 0
        if f.flags & P.FLAG_AUTH:
            auth.open_frame(session, f)           # AuthError if its tag or counter is wrong
            counter = struct.unpack_from("<I", f.auth)[0]
        payload = f.payload
        if f.msg_type == P.MsgType.AUTH_CHALLENGE:
            payload = payload[:4]                 # the device's nonce is fresh on each target
        elif f.msg_type == P.MsgType.AUTH_ACCEPT:
            payload = b""                         # its proof follows from it (checked above)
        out.append((f.msg_type, f.seq, f.flags, bytes(payload), counter))
    return out


def test_the_same_sealed_exchange_gives_the_same_replies_on_emulator_and_board(board):
    """Every frame (type, seq, flags, payload, counter) the board sends equals the
    emulator's (the device's nonce and the proof and tags that follow from it aside, each
    checked with its own target's session), through a handshake, sealed therapy commands, an alarm, telemetry,
    an event read and the end of the session."""
    send, close = _emulator_line()
    emulator = _exchange(send)
    close()
    send, close = _board_line(board.url)
    try:
        qemu = _exchange(send)
    finally:
        close()
    names = [P.MESSAGES_BY_ID[t].name for t, *_ in emulator]
    assert "ALARM" in names and names.count("STATUS") >= 3 and "EVENTS" in " ".join(names)
    assert sum(1 for e in emulator if e[4]) >= 10            # sealed frames compared
    assert qemu == emulator


def test_pyemu_hil_keys_boots_a_provisioned_image(key_file, provisioned_image, qemu_bin):
    out = subprocess.run([sys.executable, "-m", "pyemu", "hil", "--keys", str(key_file), "--check", "--json"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    hello = json.loads(out.stdout)
    assert "auth" in hello["capabilities"]
