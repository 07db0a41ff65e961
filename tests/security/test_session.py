"""Authenticated sessions end to end: the C device (firmware/device/device_auth.c) against the
Python host (pyemu.link.auth, pyemu.pump.client), protocol/spec.md section 6.

Every exchange here is C on one side and Python on the other, so each
accepted frame is a byte-for-byte agreement of the two implementations.
The line is in memory: a request is executed when it is written, and its
reply is read at once; nothing waits on a clock.
"""
from __future__ import annotations

import json
import os
import struct
import zlib
from typing import List, Optional

import pytest

from pyemu.link import auth
from pyemu import protocol as P
from pyemu.pump.client import AuthenticationError, Client, DeviceRefused, Status
from pyemu.pump.core import Config, EventKind
from pyemu.host.device import Device
from pyemu.protocol.framing import _raw, raw_to_wire, wire_to_raw
from pyemu.link.transport import Transport

CLIN = bytes(range(1, 33))
PAT = bytes(range(101, 133))
SERIAL = 4242
NAK = P.MsgType.NAK
AUTH_REQUIRED = P.NakReason.AUTH_REQUIRED
AUTH_FAILED = P.NakReason.AUTH_FAILED
AUTH_REPLAY = P.NakReason.AUTH_REPLAY
AUTH_ROLE = P.NakReason.AUTH_ROLE
OPEN_REQUESTS = {"HELLO", "AUTH_BEGIN", "AUTH_PROVE"}
SECURITY_BLOCK = 4 + 5 * 4   # device image version 3: failed proofs, suppressed SECURITY counts
REQUESTS = sorted(name for name, m in P.MESSAGES.items() if P.KIND_REQUEST in m.kinds)
# A valid example of every request's fields.
FIELDS = {
    "PRESCRIBE": dict(drug=4, conc_ug_ml=2000, step_unit=0, steps=[{"start_min": 0, "value": 500_000}],
                      max_dose_ug_24h=1500, low_reservoir_nl=2_000_000, pb_enabled=1, pb_volume_nl=25_000,
                      pb_duration_ms=600_000, pb_lockout_ms=14_400_000, pb_max_per_24h=4),
    "CLINICIAN_BOLUS": dict(volume_nl=100_000, duration_ms=3_600_000),
    "PRIME_BOLUS": dict(volume_nl=0, duration_ms=600_000),
    "REFILL": dict(volume_nl=10_000_000, drug=4, conc_ug_ml=2000),
    "ACK_ALARM": dict(alarm_bits=1),
    "READ_EVENTS": dict(from_seq=1, max_count=9),
    "SET_CLOCK": dict(unix_ms=1_700_000_000_000),
    "ADVANCE": dict(delta_ms=60_000),
    "CONFIGURE_IMPLANT": dict(dead_volume_nl=200_000, catheter_length_mm=0, catheter_nl_per_cm=0, tubing_nl=0),
    "SET_ALARM_RESOUND": dict(interval_ms=3_600_000),
    "REFILL_RECONCILE": dict(volume_nl=10_000_000, drug=4, conc_ug_ml=2000, withdrawn_nl=0),
    "INJECT_FAULT": dict(fault=1, action=0),
    "PRESCRIBE_CONFIRM": dict(confirm_soft_limit=1, drug=4, conc_ug_ml=2000, step_unit=0,
                              steps=[{"start_min": 0, "value": 500_000}], max_dose_ug_24h=2500,
                              low_reservoir_nl=2_000_000, pb_enabled=0, pb_volume_nl=0,
                              pb_duration_ms=0, pb_lockout_ms=0, pb_max_per_24h=0),
    "PLANT_FAULT": dict(fault=4, action=0, value=0, target=0, duration_ms=0, delay_ms=0),
    "AUTH_BEGIN": dict(role=1, host_nonce_lo=1, host_nonce_hi=2),
    "AUTH_PROVE": dict(proof_lo=1, proof_hi=2),
}


class Line(Transport):
    """The host end of an in-memory line to a Device. Keeps every byte both ways;
    ``lose_replies`` > 0 throws away that many device outputs (lost on the line)."""

    def __init__(self, dev: Device) -> None:
        self.dev = dev
        self.url = self.peer = "memory:pump"
        self.sent: List[bytes] = []
        self.received: List[bytes] = []
        self.lose_replies = 0

    def write(self, data: bytes) -> None:
        self.sent.append(bytes(data))
        self.dev.feed(data)

    def read(self, timeout: Optional[float]) -> bytes:
        data = self.dev.read_output()
        if data and self.lose_replies:
            self.lose_replies -= 1
            return b""
        self.received.append(data)
        return data

    def close(self) -> None:
        pass


def provisioned(**options: object) -> Device:
    dev = Device(Config(serial=SERIAL), test_features=True, **options)  # type: ignore[arg-type]
    dev.provision(CLIN, PAT)
    dev.read_output()
    return dev


def frames_of(data: bytes) -> list:
    return P.FrameDecoder().feed(data)


def send(dev: Device, wire: bytes) -> list:
    dev.feed(wire)
    return frames_of(dev.read_output())


def nak_reason(frame) -> int:
    assert frame.msg_type == NAK and not frame.flags & P.FLAG_AUTH, frame
    return frame.fields["reason"]


def security_events(dev: Device) -> list:
    return [e for e in dev.events() if e.kind == EventKind.SECURITY]


def session_client(dev: Device, key: bytes = CLIN, role: str = "clinician") -> Client:
    return Client(Line(dev), key=key, role=role, timeout=0.01, retries=0, seq=100)


def program(client: Client) -> None:
    """Reservoir filled and a rate running, so boluses can be given."""
    client.refill(volume_nl=10_000_000, drug="baclofen", conc_ug_ml=2000)
    client.prescribe(drug="baclofen", conc_ug_ml=2000, rate_nl_day=500_000, max_dose_ug_24h=1500)


def sealed(client: Client, msg: str, seq: int, **fields) -> bytes:
    """A request sealed by the client's session, not sent."""
    assert client._session is not None
    return auth.seal_frame(client._session, P.MESSAGES[msg].id, seq, P.KIND_REQUEST,
                           P.encode_payload(msg, **fields))


def reseal_crc(wire: bytes, change) -> bytes:
    """The frame with its raw bytes changed by ``change`` and the CRC made right again,
    so only the tag can tell (line noise would be dropped by the CRC first)."""
    raw = bytearray(wire_to_raw(wire)[:-4])
    change(raw)
    return raw_to_wire(bytes(raw) + struct.pack("<I", zlib.crc32(bytes(raw), P.MESSAGES_BY_ID[raw[1]].def_crc)))


# -- provisioning and the open device ----------------------------------------------

def test_a_device_without_keys_is_a_version_1_device() -> None:
    """No keys: every request answers as before; AUTH frames and the handshake are UNSUPPORTED."""
    dev = Device(Config(serial=SERIAL), test_features=True)
    assert not dev.provisioned
    dev.read_output()
    hello = send(dev, P.encode("HELLO", seq=1))[0]
    assert not hello.fields["capabilities"] & P.ENUMS["capability_bits"]["AUTH"]
    assert send(dev, P.encode("GET_STATUS", seq=2))[0].name == "STATUS"
    begin = send(dev, P.encode("AUTH_BEGIN", seq=3, **FIELDS["AUTH_BEGIN"]))[0]
    assert begin.fields["reason"] == P.NakReason.UNSUPPORTED
    trailer_frame = raw_to_wire(_raw(P.MsgType.SUSPEND, 4, P.KIND_REQUEST | P.FLAG_AUTH, b"", bytes(20)))
    assert send(dev, trailer_frame)[0].fields["reason"] == P.NakReason.UNSUPPORTED
    assert dev.status().state != 2 and security_events(dev) == []


def test_without_a_session_only_hello_and_the_handshake_are_answered() -> None:
    """Provisioned: every other request, sealed or not, is NAK AUTH_REQUIRED, unsealed,
    not executed; the pump's state and its log change by the SECURITY entry only."""
    dev = provisioned(telemetry_period_ms=60_000)
    before = dev.status()
    for seq, name in enumerate(REQUESTS, start=1):
        reply = send(dev, P.encode(name, seq=seq, **FIELDS.get(name, {})))
        assert len(reply) == 1 and reply[0].seq == seq, name
        if name == "HELLO":
            assert reply[0].name == "HELLO_INFO"
            assert reply[0].fields["capabilities"] & P.ENUMS["capability_bits"]["AUTH"]
        elif name in OPEN_REQUESTS:
            assert reply[0].name in ("AUTH_CHALLENGE", "NAK"), name
        else:
            assert nak_reason(reply[0]) == AUTH_REQUIRED, name
    after = dev.status()
    assert (after.state, after.reservoir_nl, after.now_ms) == (before.state, before.reservoir_nl, before.now_ms)
    assert [e.data0 for e in security_events(dev)] == [AUTH_REQUIRED, AUTH_FAILED]   # + the bad proof


def test_no_unsolicited_frame_leaves_without_a_session() -> None:
    """Telemetry and ALARM wait for a session; then they come sealed."""
    dev = provisioned(clock="realtime", telemetry_period_ms=60_000)
    dev.tick(10 * 60_000)
    assert dev.read_output() == b""
    client = session_client(dev)
    dev.tick(20 * 60_000)
    client.poll(0.01)   # the frames are already on the line: nothing waits for them
    assert client.stats.unsolicited == 1 and client.stats.auth_dropped == 0


# -- the handshake --------------------------------------------------------------------

def test_handshake_takes_two_round_trips_after_hello_and_opens_a_session() -> None:
    """HELLO, AUTH_BEGIN, AUTH_PROVE: 3 requests; then every frame both ways is sealed."""
    dev = provisioned()
    client = session_client(dev)
    line = client.transport
    assert isinstance(line, Line)
    assert [frames_of(w)[0].name for w in line.sent] == ["HELLO", "AUTH_BEGIN", "AUTH_PROVE"]
    assert client.authenticated
    status = client.status()
    assert status.now_ms == 0
    for wire in line.sent[3:]:
        assert frames_of(wire)[0].flags & P.FLAG_AUTH
    assert frames_of(line.received[-1])[0].flags & P.FLAG_AUTH
    raw = wire_to_raw(line.sent[-1])
    assert len(raw) == 10 + 0 + auth.TRAILER_LEN and auth.TAG_LEN * 8 >= 128


def test_each_handshake_has_fresh_nonces_and_session_numbers() -> None:
    """Two handshakes never repeat the device's nonce or session number."""
    dev = provisioned()
    seen = set()
    for seq in range(1, 6):
        # Each challenge is proven (a pending one would hold the role's slot: spec 6.2).
        nonce = bytes([seq]) * 16
        lo, hi = auth.nonce_fields(nonce)
        ch = send(dev, P.encode("AUTH_BEGIN", seq=seq, role=1, host_nonce_lo=lo, host_nonce_hi=hi))[0].fields
        session = auth.Session.open(CLIN, role=1, serial=SERIAL, session_id=ch["session"], host_nonce=nonce,
                                    device_nonce=auth.nonce_bytes(ch["device_nonce_lo"], ch["device_nonce_hi"]),
                                    is_device=False)
        lo, hi = auth.nonce_fields(session.proofs[0])
        assert send(dev, P.encode("AUTH_PROVE", seq=seq + 100, proof_lo=lo, proof_hi=hi))[0].msg_type \
            == P.MsgType.AUTH_ACCEPT
        seen.add((ch["session"], ch["device_nonce_lo"], ch["device_nonce_hi"]))
        assert len({s[0] for s in seen}) == len({s[1:] for s in seen}) == len(seen)


def test_a_wrong_key_fails_the_handshake_and_is_logged() -> None:
    dev = provisioned()
    with pytest.raises(AuthenticationError, match="wrong key"):
        session_client(dev, key=bytes(32 * [7]))
    assert [e.data0 for e in security_events(dev)] == [AUTH_FAILED]
    with pytest.raises(AuthenticationError):
        session_client(dev, key=PAT, role="clinician")      # the patient key is not the clinician's


def test_failed_proofs_never_lock_out_a_keyholder() -> None:
    """Invariant: after any number of failed proofs a keyholder still gets in at once, on a
    manual clock where no time passes (spec 6.2: no lockout; the failures are only counted)."""
    dev = provisioned()
    for _ in range(8):
        with pytest.raises(AuthenticationError, match="wrong key"):
            session_client(dev, key=bytes(32 * [9]))
    for i in range(100):
        assert nak_reason(send(dev, P.encode("AUTH_PROVE", seq=300 + i, **FIELDS["AUTH_PROVE"]))[0]) == AUTH_FAILED
    assert session_client(dev).status().now_ms == 0
    assert session_client(dev, key=PAT, role="patient").status().now_ms == 0
    assert dev.failed_proofs == 108


def test_the_device_must_prove_it_holds_the_key() -> None:
    """A forged AUTH_ACCEPT (someone in between, without the key) is not trusted."""
    dev = provisioned()

    class Forger(Line):
        def read(self, timeout: Optional[float]) -> bytes:
            data = super().read(timeout)
            out = b""
            for f in frames_of(data):
                if f.name == "AUTH_ACCEPT":
                    return P.encode("AUTH_ACCEPT", seq=f.seq, flags=P.KIND_RESPONSE, proof_lo=1, proof_hi=2)
                out += raw_to_wire(_raw(f.msg_type, f.seq, f.flags, f.payload, f.auth))
            return out

    with pytest.raises(AuthenticationError, match="could not prove"):
        Client(Forger(dev), key=CLIN, timeout=0.01, retries=0)


# -- refused frames ---------------------------------------------------------------------

def test_a_replayed_frame_is_refused_and_logged() -> None:
    """Invariant: a sealed SUSPEND captured on the line and sent again later does nothing."""
    dev = provisioned()
    client = session_client(dev)
    program(client)
    client.suspend()
    captured = client.last_request[2]
    client.resume()
    reply = send(dev, captured)
    assert nak_reason(reply[0]) == AUTH_REPLAY
    assert dev.status().state == 1                        # still running
    assert [e.data0 for e in security_events(dev)] == [AUTH_REPLAY]
    assert client.status().state == 1                     # the session goes on


def test_reordered_frames_are_refused() -> None:
    """Of two sealed requests delivered out of order, the older one is refused."""
    dev = provisioned()
    client = session_client(dev)
    first = sealed(client, "GET_STATUS", 500)
    second = sealed(client, "GET_STATUS", 501)
    assert send(dev, second)[0].name == "STATUS"
    assert nak_reason(send(dev, first)[0]) == AUTH_REPLAY


@pytest.mark.parametrize("where", ["payload", "seq", "type", "counter", "tag"])
def test_a_forged_frame_is_refused_whatever_byte_is_changed(where: str) -> None:
    """A changed byte anywhere under the tag (CRC recomputed) is NAK AUTH_FAILED and not executed."""
    dev = provisioned()
    client = session_client(dev)
    program(client)
    wire = sealed(client, "CLINICIAN_BOLUS", 600, volume_nl=100_000, duration_ms=3_600_000)
    offset = {"payload": 6, "seq": 2, "type": 1, "counter": 6 + 8, "tag": 6 + 8 + 4 + 5}[where]

    def change(raw: bytearray) -> None:
        raw[offset] ^= 0x02 if where == "type" else 0x01    # type 4 -> 6: PATIENT_BOLUS
    forged = reseal_crc(wire, change)
    # The tag is checked before the payload is decoded: even CLINICIAN_BOLUS turned
    # into PATIENT_BOLUS (whose length no longer fits) is AUTH_FAILED, not BAD_LENGTH.
    assert nak_reason(send(dev, forged)[0]) == AUTH_FAILED
    assert dev.status().bolus_kind == 0
    assert client.clinician_bolus(100_000, 3_600_000) is None   # the real one still works


def test_security_events_are_coalesced_per_reason_and_minute() -> None:
    """A flood of forged frames writes one SECURITY entry per minute; the next counts the rest."""
    dev = provisioned()
    client = session_client(dev)
    for i in range(50):
        forged = reseal_crc(sealed(client, "GET_STATUS", 700 + i), lambda raw: raw.__setitem__(-1, raw[-1] ^ 1))
        assert nak_reason(send(dev, forged)[0]) == AUTH_FAILED
    assert len(security_events(dev)) == 1
    client.advance(61_000)
    forged = reseal_crc(sealed(client, "GET_STATUS", 800), lambda raw: raw.__setitem__(-1, raw[-1] ^ 1))
    send(dev, forged)
    events = security_events(dev)
    assert [e.data0 for e in events] == [AUTH_FAILED, AUTH_FAILED]
    assert events[1].data1 >> 16 == 49 and events[1].data1 & 0xFF == P.MsgType.GET_STATUS


# -- roles -----------------------------------------------------------------------------

def test_the_patient_role_may_only_read_status_and_ask_for_a_patient_bolus() -> None:
    """Every other request is NAK AUTH_ROLE (sealed: the session is genuine), not executed, logged."""
    dev = provisioned()
    clinician = session_client(dev)
    clinician.refill(volume_nl=10_000_000, drug="baclofen", conc_ug_ml=2000)
    patient = session_client(dev, key=PAT, role="patient")
    assert patient.status().reservoir_nl == 10_000_000
    with pytest.raises(DeviceRefused) as refused:
        patient.patient_bolus()
    assert refused.value.code < 128          # the core decided (no prescription), not the role
    for name in REQUESTS:
        if name in OPEN_REQUESTS or name in ("GET_STATUS", "GET_STATUS_EXT", "GET_DRUG_STATUS",
                                             "PATIENT_BOLUS", "AUTH_END"):
            continue
        with pytest.raises(DeviceRefused) as refused:
            patient.request(name, **FIELDS.get(name, {}))
        assert refused.value.code == AUTH_ROLE, name
    assert dev.status().reservoir_nl == 10_000_000 and dev.status().state != 2
    assert [e.data0 for e in security_events(dev)] == [AUTH_ROLE]


# -- exactly once ---------------------------------------------------------------------------

def test_a_retransmission_after_a_lost_reply_takes_effect_once() -> None:
    """The byte-identical retry of the last sealed request is answered from the reply cache."""
    dev = provisioned()
    client = session_client(dev)
    program(client)
    client.transport.lose_replies = 1
    with pytest.raises(Exception):
        client.clinician_bolus(200_000, 3_600_000)
    frame = client.repeat_last()
    assert client.last_replayed and frame.name == "ACK" and frame.flags & P.FLAG_AUTH
    starts = [e for e in dev.events() if e.kind == EventKind.BOLUS_START]
    assert len(starts) == 1


def test_a_restart_ends_the_session_and_the_retry_under_a_new_one_is_still_once() -> None:
    """Lost ACK, then the pump restarts from its image: the client's retry meets
    AUTH_REQUIRED, opens a new session and resends the same seq: REPLAYED, one bolus."""
    dev = provisioned()
    line = Line(dev)
    client = Client(line, key=CLIN, timeout=0.01, retries=2, seq=300)
    program(client)

    class Restart(Line):
        def read(self, timeout: Optional[float]) -> bytes:
            if self.lose_replies:
                self.dev.read_output()
                self.lose_replies = 0
                self.dev = Device.load(self.dev.save(), test_features=True)   # power cycle
                self.dev.read_output()
                return b""
            return super().read(timeout)

    restart = Restart(dev)
    restart.lose_replies = 1
    client.transport = restart
    client.clinician_bolus(200_000, 3_600_000)
    assert client.last_replayed and client.stats.logins == 2
    starts = [e for e in restart.dev.events() if e.kind == EventKind.BOLUS_START]
    assert len(starts) == 1 and restart.dev.provisioned


# -- the image ----------------------------------------------------------------------------

def test_keys_survive_a_restart_but_sessions_do_not() -> None:
    dev = provisioned()
    client = session_client(dev)
    request = sealed(client, "GET_STATUS", 900)
    again = Device.load(dev.save(), test_features=True)
    assert again.provisioned
    again.read_output()
    assert nak_reason(send(again, request)[0]) == AUTH_REQUIRED
    assert session_client(again).status().now_ms == 0


def test_an_image_of_layout_version_1_still_loads_without_keys() -> None:
    """Version 1 images (before the key block) load as an open pump."""
    image = bytearray(Device(Config(serial=SERIAL)).save())
    key_block = 16 + 23 + 8 * 92                # image version 3/4: cache entries of 92 bytes
    plant_block = 121                           # image version 4 (device.h)
    v1 = image[:16 + 23] + bytes(8 * 90) + image[key_block + 65 + SECURITY_BLOCK + plant_block:-4]   # version 1: 90-byte entries
    v1[4:6] = struct.pack("<H", 1)
    v1[8:12] = struct.pack("<I", len(v1) + 4)
    v1 += struct.pack("<I", zlib.crc32(bytes(v1)))
    dev = Device.load(bytes(v1))
    assert not dev.provisioned and dev.config.serial == SERIAL


def test_an_image_with_a_half_provisioned_key_block_is_refused() -> None:
    image = bytearray(provisioned().save())
    key_block = 16 + 23 + 8 * 92
    image[key_block + 1 + 32:key_block + 65] = bytes(32)        # patient key zeroed
    image[-4:] = struct.pack("<I", zlib.crc32(bytes(image[:-4])))
    with pytest.raises(Exception, match="out of range|invalid"):
        Device.load(bytes(image))


# -- keys never leak ------------------------------------------------------------------------

def test_no_key_appears_in_any_output(tmp_path, capsys) -> None:
    """Key files, CLI output, status JSON, events, HELLO, reprs and every byte on the line
    carry fingerprints at most, never a key or a session key."""
    from pyemu.cli.main import main

    keyfile = tmp_path / "pump.keys"
    assert main(["keys", "create", str(keyfile)]) == 0
    assert oct(os.stat(keyfile).st_mode & 0o777) == "0o600"
    keys = auth.load_key_file(str(keyfile))
    state = tmp_path / "pump.state"
    assert main(["keys", "provision", "--state", str(state), "--keys", str(keyfile)]) == 0
    assert main(["keys", "show", str(keyfile)]) == 0
    assert main(["keys", "create", str(keyfile)]) != 0            # never overwritten
    from pyemu.host.statefile import StateFile
    with StateFile(str(state)) as sf:
        dev = Device.load(sf.load(), test_features=True)
    assert oct(os.stat(state).st_mode & 0o777) == "0o600"
    dev.read_output()
    client = Client(Line(dev), key=keys["clinician"], timeout=0.01, retries=0)
    status = client.status()
    client.refill(volume_nl=10_000_000, drug="baclofen", conc_ug_ml=2000)
    send(dev, P.encode("SUSPEND", seq=1))                         # an AUTH_REQUIRED event
    captured = capsys.readouterr()
    texts = [captured.out, captured.err, repr(client._session), repr(dev), repr(client.hello()),
             str(Status.to_json(status)), repr(dev.events())]
    secrets = [k for k in keys.values()]
    secrets += [client._session.tx_key, client._session.rx_key]
    for secret in secrets:
        for form in (secret.hex(), secret.hex().upper(), repr(secret)):
            assert not any(form in t for t in texts)
        line = client.transport
        assert not any(secret in data for data in line.sent + line.received)
    assert auth.fingerprint(keys["clinician"]) in captured.out


def test_key_files_readable_by_others_are_refused(tmp_path) -> None:
    path = tmp_path / "k"
    auth.create_key_file(str(path))
    os.chmod(path, 0o644)
    with pytest.raises(auth.KeyFileError, match="chmod 600") as refused:
        auth.load_key_file(str(path))
    assert all(k.hex() not in str(refused.value) for k in auth.create_key_file(str(tmp_path / "j")).values())


def test_a_patient_key_file_holds_the_patient_key_only(tmp_path, capsys) -> None:
    from pyemu.cli.main import main

    full, patient = tmp_path / "full.keys", tmp_path / "patient.keys"
    assert main(["keys", "create", str(full)]) == 0
    assert main(["keys", "create", str(patient), "--from", str(full), "--role", "patient"]) == 0
    assert set(auth.load_key_file(str(patient))) == {"patient"}
    assert auth.load_key_file(str(patient))["patient"] == auth.load_key_file(str(full))["patient"]
    capsys.readouterr()


def test_serve_and_ctl_with_a_key_file(tmp_path, capsys) -> None:
    """`pyemu serve --keys` provisions; `pyemu ctl` without a key is refused, with one it works."""
    from pyemu.cli.main import main
    from pyemu.host.emulator import ServeProcess

    keyfile = tmp_path / "pump.keys"
    assert main(["keys", "create", str(keyfile)]) == 0
    patient = tmp_path / "patient.keys"
    assert main(["keys", "create", str(patient), "--from", str(keyfile), "--role", "patient"]) == 0
    capsys.readouterr()
    with ServeProcess("--port", "pty", "--clock", "manual", "--quiet", "--keys", str(keyfile)) as emu:
        assert main(["ctl", "--port", emu.port, "--timeout", "5s", "status"]) == 1
        assert "auth_required" in capsys.readouterr().err
        assert main(["ctl", "--port", emu.port, "--timeout", "5s", "--key", str(keyfile), "--json",
                     "refill", "--volume", "10mL", "--drug", "baclofen", "--concentration", "2mg/mL"]) == 0
        capsys.readouterr()
        assert main(["ctl", "--port", emu.port, "--timeout", "5s", "--key", str(patient), "suspend"]) == 1
        assert "auth_role" in capsys.readouterr().err
        assert main(["ctl", "--port", emu.port, "--timeout", "5s", "--key", str(patient), "--json",
                     "status"]) == 0
        out = capsys.readouterr().out
        assert json.loads(out)["reservoir_nl"] == 10_000_000


def test_security_events_read_as_one_line() -> None:
    dev = provisioned()
    send(dev, P.encode("SUSPEND", seq=1))
    client = session_client(dev)
    events = [e for e in client.read_events() if e.kind_name == "SECURITY"]
    assert [e.describe() for e in events] == ["security: SUSPEND refused (auth_required)"]
