"""Client <-> emulator over a real pty (emulator in a child process) and over
socket:// on loopback (emulator in a thread), with lost replies, garbage on the
line and unsolicited frames."""
import random

import pytest

from pyemu import protocol as P
from pyemu.pump.client import (Alarm, Client, DeviceRefused, NoReply, PatientBolus, Status,
                          alarm_names)
from pyemu.link.transport import Transport, open_transport

DAY = 86_400_000
HOUR = 3_600_000


def _program(c, *, pb=True, max_dose=2000):
    """A filled, prescribed pump (baclofen 2 mg/mL, 0.5 mL/day)."""
    c.refill(20_000_000, "baclofen", 2000)
    c.prescribe(drug="baclofen", conc_ug_ml=2000, rate_nl_day=500_000, max_dose_ug_24h=max_dose,
                patient_bolus=PatientBolus(25_000, 600_000, 4 * HOUR, 4) if pb else None)


def _count(events, kind):
    return sum(1 for e in events if e.kind_name == kind)


def test_hello_over_a_pty_names_the_pump_and_its_message_table(client):
    info = client.hello()
    assert info.model.startswith("PYEMU")
    assert info.schema_matches and info.schema_crc == P.SCHEMA_CRC
    assert info.clock_name == "manual"
    assert set(info.capability_names) >= {"fault_injection", "test_clock"}


def test_every_request_over_a_pty_gets_its_answer(client):
    """One call of every client method against the C device behind a real pty."""
    start = client.status()
    _program(client)
    client.prime_bolus(0, HOUR)
    with pytest.raises(DeviceRefused) as info:
        client.clinician_bolus(100_000, HOUR)  # the prime bolus is still running
    assert info.value.reason_name == "E_BOLUS_ACTIVE"
    client.cancel_bolus()
    client.clinician_bolus(100_000, HOUR)
    client.suspend()
    with pytest.raises(DeviceRefused) as info:
        client.suspend()
    assert info.value.reason_name == "E_SUSPENDED"
    client.resume()
    with pytest.raises(DeviceRefused) as info:
        client.resume()
    assert info.value.reason_name == "E_NOT_SUSPENDED"
    client.set_clock(1_700_000_000_000)
    client.inject_fault("motor_stall")
    stalled = client.advance(HOUR)  # the next stroke fails
    assert "motor_stall" in stalled.alarm_names
    client.ack_alarm(["motor_stall"])
    assert "motor_stall" not in client.status().to_json()["unacked_alarms"]
    client.inject_fault("motor_stall", clear=True)
    after = client.advance(DAY)
    assert after.now_ms == client.status().now_ms >= start.now_ms + DAY
    assert after.state_name == "running"
    events = list(client.read_events(start.last_event_seq + 1))
    kinds = [e.kind_name for e in events]
    for kind in ("REFILL", "PRESCRIBED", "BOLUS_START", "BOLUS_CANCELLED", "SUSPENDED",
                 "RESUMED", "FAULT_INJECTED", "ALARM_RAISED", "ALARM_ACKED", "FAULT_CLEARED",
                 "CLOCK_SET"):
        assert kind in kinds, kind
    assert [e.seq for e in events] == list(range(start.last_event_seq + 1, events[-1].seq + 1))


def test_event_log_is_read_page_by_page_without_gaps(client):
    """read_events pages through more than one EVENTS reply (9 per page) in order."""
    _program(client)
    first = client.status().last_event_seq
    for _ in range(25):  # each refused request logs one entry
        with pytest.raises(DeviceRefused):
            client.refill(90_000_000, "baclofen", 2000)
    events = list(client.read_events(first + 1))
    assert len(events) >= 25
    assert [e.seq for e in events] == list(range(first + 1, first + 1 + len(events)))
    assert _count(events, "REFILL_REFUSED") == 25


def test_refusal_carries_the_reason_code_name_and_text(client):
    _program(client, pb=False)
    with pytest.raises(DeviceRefused) as info:
        client.patient_bolus()
    refusal = info.value
    assert refusal.code == P.NakReason.E_PB_DISABLED
    assert refusal.reason_name == "E_PB_DISABLED"
    assert "patient bolus" in refusal.text
    assert refusal.request == "PATIENT_BOLUS"


def test_client_over_socket_url_on_loopback(threaded_emulator):
    with Client.connect(threaded_emulator.port, timeout=5.0) as c:
        _program(c)
        c.patient_bolus()
        c.advance(HOUR)  # the 10-minute bolus is over, the 4-hour lockout is not
        with pytest.raises(DeviceRefused) as info:
            c.patient_bolus()
        assert info.value.reason_name == "E_LOCKOUT"
        status = c.advance(HOUR)
        assert status.state_name == "running"
        assert _count(c.read_events(), "PATIENT_GRANTED") == 1


class LosingReplies(Transport):
    """Wraps a transport and throws away everything read while ``losing`` is set
    (the replies lost on a bad line)."""

    def __init__(self, inner):
        self.inner, self.url, self.peer = inner, inner.url, inner.peer
        self.losing = False
        self.written = []

    def read(self, timeout):
        data = self.inner.read(timeout)
        return b"" if self.losing else data

    def write(self, data):
        self.written.append(bytes(data))
        self.inner.write(data)

    def close(self):
        self.inner.close()


def test_a_retry_after_a_lost_reply_reuses_the_seq_and_boluses_once(threaded_emulator):
    """A request whose reply is lost is sent again byte-identical; the device answers
    from its reply cache (REPLAYED) and the bolus is logged once."""
    line = LosingReplies(open_transport(threaded_emulator.port))
    c = Client(line, timeout=0.1, retries=3)
    _program(c)
    line.losing = True
    with pytest.raises(NoReply):
        c.clinician_bolus(50_000, HOUR)  # every reply lost: the caller is told
    sent = line.written[-4:]
    assert len({frame.lstrip(b"\x00") for frame in sent}) == 1, "every try is the same frame"
    line.losing = False
    c.repeat_last()  # same seq again, now the reply arrives
    assert c.last_replayed
    events = list(c.read_events())
    assert _count(events, "BOLUS_START") == 1
    c.close()


class Damaging(Transport):
    """Flips one bit inside every ``every``-th frame written (noise on the wire)."""

    def __init__(self, inner, every, rng):
        self.inner, self.url, self.peer = inner, inner.url, inner.peer
        self.every, self.rng, self.writes, self.damaged = every, rng, 0, 0

    def read(self, timeout):
        return self.inner.read(timeout)

    def write(self, data):
        self.writes += 1
        if self.writes % self.every == 0:
            data = bytearray(data)
            at = self.rng.randrange(1, len(data) - 1)  # inside the frame, not a delimiter
            data[at] ^= 1 << self.rng.randrange(8)
            self.damaged += 1
        self.inner.write(bytes(data))

    def close(self):
        self.inner.close()


def test_garbage_on_the_line_does_not_stop_a_session(shared_emulator):
    """Random bytes and cut-off frames written to the pty by another program between
    requests, and bytes of some requests damaged on the way: every request still gets
    its answer, and takes effect once."""
    rng = random.Random(7)
    noise = open_transport(shared_emulator.port, exclusive=False)  # a second writer on the line
    cut_frame = P.encode("CLINICIAN_BOLUS", seq=1, volume_nl=10_000, duration_ms=HOUR)[:-4]
    line = Damaging(open_transport(shared_emulator.port, exclusive=False), every=7, rng=rng)
    with Client(line, timeout=0.2, retries=5) as c:
        _program(c)
        before = c.status()
        granted = 0
        for i in range(40):
            noise.write(rng.randbytes(rng.randrange(1, 300)))
            if i % 10 == 9:
                noise.write(cut_frame)
            if i % 5 == 0:
                c.advance(5 * HOUR)
                try:
                    c.patient_bolus()
                    granted += 1
                except DeviceRefused as refusal:
                    assert refusal.reason_name in ("E_LOCKOUT", "E_COUNT")
            else:
                assert c.status().now_ms >= before.now_ms
        events = list(c.read_events(before.last_event_seq + 1))
        assert _count(events, "PATIENT_GRANTED") == granted > 0
        assert _count(events, "BOLUS_START") == granted, "no bolus from the cut-off frames"
        assert c.stats.retries >= line.damaged >= 5, "every damaged request was sent again"
    noise.close()


def test_telemetry_and_alarms_arrive_unsolicited(client):
    """ADVANCE past a telemetry period gives a STATUS frame; a fault gives an ALARM frame,
    both to the callback and the iterator."""
    seen = []
    client.on_unsolicited = seen.append
    _program(client)
    client.advance(2 * HOUR)
    status = next(client.unsolicited(timeout=5.0))
    assert isinstance(status, Status) and status.unsolicited
    client.inject_fault("motor_stall")
    client.advance(HOUR)  # the next stroke fails
    alarm = next(a for a in client.unsolicited(timeout=5.0) if isinstance(a, Alarm))
    assert "motor_stall" in alarm_names(alarm.raised)
    client.ack_alarm(["motor_stall"])
    client.inject_fault("motor_stall", clear=True)
    assert seen[0] == status and alarm in seen


def test_no_device_means_no_reply_with_a_hint(tmp_path):
    """A pty nobody serves: the client gives up after its retries and says what to check."""
    silent = open_transport("pty")
    try:
        with Client.connect(silent.peer, timeout=0.05, retries=1) as c:
            with pytest.raises(NoReply, match="is `pyemu serve` running"):
                c.status()
    finally:
        silent.close()
