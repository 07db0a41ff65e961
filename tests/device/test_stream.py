"""The byte stream: garbage, arbitrary input, how input is split, the output queue, and
the unsolicited frames (STATUS telemetry, ALARM)."""
from __future__ import annotations

from hypothesis import given, strategies as st

from device_host import Host, nak_reason
from pyemu import protocol as P
from pyemu.pump.core import Alarm, Fault
from pyemu.host.device import Device

# Valid request frames to mix into random streams: every request type.
VALID = [
    P.encode("HELLO", seq=1), P.encode("GET_STATUS", seq=2),
    P.encode("REFILL", seq=3, volume_nl=20_000_000, drug=1, conc_ug_ml=1000),
    P.encode("PRESCRIBE", seq=4, drug=1, conc_ug_ml=1000, max_dose_ug_24h=10_000,
             low_reservoir_nl=2_000_000, pb_enabled=1, pb_volume_nl=50_000,
             pb_duration_ms=600_000, pb_lockout_ms=3_600_000, pb_max_per_24h=4, step_unit=0,
             steps=[{"start_min": 0, "value": 500_000}]),
    P.encode("CLINICIAN_BOLUS", seq=5, volume_nl=100_000, duration_ms=3_600_000),
    P.encode("PRIME_BOLUS", seq=6, volume_nl=0, duration_ms=600_000),
    P.encode("PATIENT_BOLUS", seq=7), P.encode("CANCEL_BOLUS", seq=8),
    P.encode("SUSPEND", seq=9), P.encode("RESUME", seq=10),
    P.encode("ACK_ALARM", seq=11, alarm_bits=1),
    P.encode("READ_EVENTS", seq=12, from_seq=1, max_count=9),
    P.encode("SET_CLOCK", seq=13, unix_ms=1_700_000_000_000),
    P.encode("ADVANCE", seq=14, delta_ms=86_400_000),
    P.encode("INJECT_FAULT", seq=15, fault=1, action=0),
]

chunks = st.one_of(st.binary(max_size=300), st.sampled_from(VALID),
                   st.sampled_from(VALID).map(lambda w: w[: len(w) // 2]))   # truncated


def test_garbage_between_frames_does_not_stop_the_session(host: Host) -> None:
    junk = [b"\xff" * 300, b"\x13\x37", bytes(range(256)), b"\x00\x00\x00", b"AT+RESET\r\n"]
    for i, j in enumerate(junk):
        host.dev.feed(j)
        frame = host.request("GET_STATUS", seq=200 + i)
        assert frame.name == "STATUS"
    stats = host.dev.stats()
    assert stats.rx_dropped_chunks > 0 and stats.requests == len(junk)


@given(st.lists(chunks, max_size=25), st.integers(1, 64))
def test_any_byte_stream_never_crashes_and_only_yields_wellformed_frames(
        parts: list[bytes], split: int) -> None:
    """Invariant: whatever bytes arrive, in whatever pieces, the device raises nothing,
    and every byte it sends belongs to an intact frame that decodes without error:
    responses and unsolicited frames only, each response to a request seq we sent."""
    dev = Device(test_features=True, telemetry_period_ms=3_600_000)
    stream = b"".join(parts)
    dec = P.FrameDecoder()
    frames = dec.feed(dev.read_output())
    for i in range(0, len(stream), split):
        dev.feed(stream[i:i + split])
        frames += dec.feed(dev.read_output())
    assert dec.stats.total_dropped_chunks == 0 and dec.pending == 0
    for f in frames:
        assert f.error is None and f.kind in (P.KIND_RESPONSE, P.KIND_UNSOLICITED)
        if f.kind == P.KIND_RESPONSE:
            assert 1 <= f.seq <= len(VALID)
    dev.check()   # every invariant of the core's state still holds


@given(st.lists(chunks, max_size=12), st.lists(st.integers(1, 40), min_size=1, max_size=8))
def test_output_does_not_depend_on_how_input_is_split(parts: list[bytes], cuts: list[int]) -> None:
    """Invariant: feeding the same bytes in one piece or in any pieces gives the same
    output bytes and the same saved image (the board gets bytes one at a time)."""
    stream = b"".join(parts)
    whole = Device(test_features=True)
    whole.feed(stream)
    pieces = Device(test_features=True)
    pos, k = 0, 0
    while pos < len(stream):
        n = cuts[k % len(cuts)]
        pieces.feed(stream[pos:pos + n])
        pos, k = pos + n, k + 1
    assert whole.read_output() == pieces.read_output()
    assert whole.save() == pieces.save()


def test_hold_until_saved_keeps_replies_until_the_save() -> None:
    dev = Device(hold_until_saved=True)
    assert dev.nv_dirty and dev.read_output() == b""      # a new pump is not on disk yet
    dev.mark_saved(dev.nv_generation)
    assert dev.read_output() == b"\x00"
    dev.feed(P.encode("GET_STATUS", seq=1))                # a read: nothing to save
    assert not dev.nv_dirty and P.FrameDecoder().feed(dev.read_output())[0].name == "STATUS"
    dev.feed(P.encode("SUSPEND", seq=2))
    assert dev.nv_dirty and dev.read_output() == b""
    gen = dev.nv_generation
    dev.feed(P.encode("RESUME", seq=3))                    # a change after the image was taken
    dev.mark_saved(gen)
    assert dev.nv_dirty and dev.read_output() == b""      # still held: gen is stale
    dev.mark_saved(dev.nv_generation)
    assert [f.name for f in P.FrameDecoder().feed(dev.read_output())] == ["NAK", "NAK"]


def test_pipelined_requests_each_get_one_reply_through_backpressure() -> None:
    """A burst larger than the output queue: device_rx takes bytes only while a
    reply fits and says how many it took; a host that keeps the rest and feeds
    it after draining gets every reply, in order, none BUSY, none dropped."""
    dev = Device(hold_until_saved=True)
    dev.mark_saved(dev.nv_generation)
    dev.read_output()
    burst = b"".join(P.encode("ADVANCE", seq=s, delta_ms=1000) for s in range(30))
    used = dev.feed(burst)
    assert 0 < used < len(burst)
    assert dev.feed(burst[used:]) == 0                      # still full: nothing taken
    frames = []
    rest = burst[used:]
    for _ in range(30):                                     # each turn takes >= 1 request
        dev.mark_saved(dev.nv_generation)
        frames += P.FrameDecoder().feed(dev.read_output())
        if not rest:
            break
        rest = rest[dev.feed(rest):]
    assert not rest
    assert [(f.name, f.seq) for f in frames] == [("STATUS", s) for s in range(30)]
    assert dev.now_ms == 30 * 1000
    assert dev.stats().busy == dev.stats().replies_dropped == 0


def test_alarm_frames_on_change_and_telemetry_on_period() -> None:
    host = Host(Device(test_features=True, telemetry_period_ms=60_000))
    host.dev.read_output()
    host.request("INJECT_FAULT", fault=int(Fault.MEMORY), action=0)
    (alarm,) = host.unsolicited
    assert alarm.name == "ALARM" and alarm.fields["raised"] == Alarm.MEMORY_ERROR
    assert alarm.fields["alarms"] == alarm.fields["unacked_alarms"] == Alarm.MEMORY_ERROR
    host.request("ACK_ALARM", alarm_bits=int(Alarm.MEMORY_ERROR))
    assert host.unsolicited[-1].fields["unacked_alarms"] == 0      # unacked set changed
    host.request("INJECT_FAULT", fault=int(Fault.MEMORY), action=1)
    assert host.unsolicited[-1].fields["cleared"] == Alarm.MEMORY_ERROR
    seqs = [f.seq for f in host.unsolicited]
    assert seqs == list(range(seqs[0], seqs[0] + 3))               # own counter, +1 each
    host.unsolicited.clear()
    host.request("ADVANCE", delta_ms=10 * 86_400_000)              # 14,400 periods skipped
    telemetry = [f for f in host.unsolicited if f.name == "STATUS"]
    assert len(telemetry) == 1 and telemetry[0].fields["now_ms"] == 10 * 86_400_000
    host.unsolicited.clear()
    host.request("ADVANCE", delta_ms=59_999)
    assert not host.unsolicited                                     # next due at +60 s
    host.request("ADVANCE", delta_ms=1)
    assert [f.name for f in host.unsolicited] == ["STATUS"]


def test_realtime_tick_sends_telemetry_and_alarms() -> None:
    dev = Device(clock="realtime", telemetry_period_ms=1000)
    dev.read_output()
    dev.tick(999)
    assert dev.read_output() == b""
    dev.tick(1000)
    (frame,) = P.FrameDecoder().feed(dev.read_output())
    assert frame.name == "STATUS" and frame.kind == P.KIND_UNSOLICITED
    assert frame.fields["now_ms"] == 1000
