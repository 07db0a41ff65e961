"""Snapshots: exact round trip; every corrupt, truncated or forged image refused untouched.

The image layout is the core's business; these tests rely only on what
pump.h promises: "PUMP" magic, u16 version, u16 0, u32 total size, fields,
then a CRC-32 (zlib.crc32) of everything before it.
"""
from __future__ import annotations

import struct
import zlib

from hypothesis import event, given, settings, strategies as st

from pyemu.pump.core import Alarm, Drug, EventKind, Pump, PumpError, Reason

from core_support import U, apply_op, configs, draw_op, scaled

SNAPSHOT_REASONS = {Reason.SNAPSHOT_SIZE, Reason.SNAPSHOT_MAGIC, Reason.SNAPSHOT_VERSION,
                    Reason.SNAPSHOT_CRC, Reason.SNAPSHOT_INVALID}


def random_pump(cfg, data, n_max=25) -> Pump:
    pump = Pump(cfg)
    for _ in range(data.draw(st.integers(0, n_max), label="n_ops")):
        apply_op(pump, draw_op(data, pump, max_dt=5 * U))
    return pump


def observe(pump: Pump):
    return (pump.status(), pump.balance(), pump.prescription(), pump.events(), pump.config,
            pump.first_available_seq())


def load_refused(target: Pump, image: bytes, allowed=SNAPSHOT_REASONS) -> Reason:
    """Load image into target; it must be refused with one of the allowed reasons."""
    try:
        target.restore(image)
    except PumpError as e:
        assert e.reason in allowed, e
        return e.reason
    raise AssertionError(f"corrupt image of {len(image)} bytes accepted")


def assert_refused_untouched(target: Pump, image: bytes, allowed=SNAPSHOT_REASONS) -> Reason:
    before = target.snapshot()
    reason = load_refused(target, image, allowed)
    assert target.snapshot() == before, "a refused image changed the pump"
    return reason


@settings(max_examples=scaled(100))
@given(cfg=configs(), data=st.data())
def test_snapshot_round_trip_restores_identical_state_and_behaviour(cfg, data):
    """restore(snapshot()) gives the same status, balance, prescription, log, config and
    image, and the restored pump then behaves identically under further commands."""
    pump = random_pump(cfg, data)
    image = pump.snapshot()
    assert image[:4] == b"PUMP" and len(image) <= Pump.snapshot_size()
    assert struct.unpack_from("<I", image, 8)[0] == len(image)
    assert struct.unpack_from("<I", image, len(image) - 4)[0] == zlib.crc32(image[:-4])
    copy = Pump.from_snapshot(image)
    assert observe(copy) == observe(pump)
    assert copy.snapshot() == image
    # a restore over an existing, different pump replaces it entirely
    other = random_pump(cfg, data, 5)
    other.restore(image)
    assert other.snapshot() == image
    for _ in range(data.draw(st.integers(0, 10), label="n_after")):
        op = draw_op(data, pump, max_dt=5 * U)
        assert apply_op(pump, op) == apply_op(copy, op)
    assert copy.snapshot() == pump.snapshot()


# Loading costs ~0.2 ms (a CRC over ~11 kB), so each example sweeps ~11,000 images: a few
# examples are plenty. The target is compared with its original image every 512 loads and
# after the sweep: a refused load that wrote anything would leave a lasting difference.
@settings(max_examples=scaled(3))
@given(cfg=configs(), data=st.data(), xor=st.integers(1, 255))
def test_every_single_byte_corruption_of_a_snapshot_is_refused_and_leaves_the_pump_untouched(
        cfg, data, xor):
    """Changing any one byte of a valid image (XOR with a drawn non-zero value) is refused
    with a snapshot reason code, and the pump it was loaded into is unchanged."""
    image = random_pump(cfg, data).snapshot()
    target = random_pump(cfg, data, 5)
    before = target.snapshot()
    reasons = set()
    bad = bytearray(image)
    for i in range(len(image)):
        bad[i] ^= xor
        reasons.add(load_refused(target, bytes(bad)))
        bad[i] ^= xor
        if i % 512 == 0:
            assert target.snapshot() == before, f"refused image (byte {i}) changed the pump"
    assert target.snapshot() == before
    assert Reason.SNAPSHOT_CRC in reasons


@settings(max_examples=scaled(3))
@given(cfg=configs(), data=st.data(), extra=st.binary(min_size=1, max_size=64))
def test_every_truncation_or_extension_of_a_snapshot_is_refused(cfg, data, extra):
    """Every proper prefix of a valid image, and the image with bytes appended, is refused
    with a snapshot reason code; the target pump is unchanged."""
    image = random_pump(cfg, data).snapshot()
    target = random_pump(cfg, data, 5)
    before = target.snapshot()
    for n in range(len(image)):
        load_refused(target, image[:n])
        if n % 512 == 0:
            assert target.snapshot() == before, f"refused prefix ({n} bytes) changed the pump"
    load_refused(target, image + extra)
    assert target.snapshot() == before


def resign(image: bytearray) -> bytes:
    """Recompute the trailing CRC so only the semantic checks can catch a change."""
    struct.pack_into("<I", image, len(image) - 4, zlib.crc32(bytes(image[:-4])))
    return bytes(image)


@settings(max_examples=scaled(60))
@given(cfg=configs(), data=st.data(),
       edits=st.lists(st.tuples(st.integers(0, 2**16), st.integers(0, 255)), min_size=1, max_size=4))
def test_forged_snapshot_with_valid_crc_is_refused_or_loads_a_consistent_pump(cfg, data, edits):
    """An image altered past its header and re-signed with a valid CRC is either refused
    (invalid / version / size) leaving the pump untouched, or loads a pump whose every
    invariant holds: pump_check passes, volume and mass balance exactly, and it keeps
    running consistently."""
    image = random_pump(cfg, data).snapshot()
    bad = bytearray(image)
    for pos, value in edits:
        bad[12 + pos % (len(image) - 16)] = value        # past magic/version/size, before the CRC
    forged = resign(bad)
    target = random_pump(cfg, data, 5)
    before = target.snapshot()
    try:
        target.restore(forged)
    except PumpError as e:
        assert e.reason in SNAPSHOT_REASONS - {Reason.SNAPSHOT_CRC}, e
        assert target.snapshot() == before
        event(f"forged image refused: {e.reason.name}")
        return
    event("forged image accepted")
    for _ in range(4):
        target.check()
        b = target.balance()
        c = target.config
        s = target.status()
        assert b.filled_nl == b.pumped_nl + b.reservoir_nl + b.discarded_nl, b
        assert b.pumped_pg == b.delivered_pg + b.in_catheter_pg, b
        assert s.reservoir_nl <= c.reservoir_capacity_nl and s.battery_nc <= c.battery_capacity_nc
        assert s.pumped_nl == s.strokes * c.stroke_nl
        log = target.events()    # decoding checks every kind is a known EventKind
        assert [e.seq for e in log] == list(range(log[0].seq, log[0].seq + len(log)))
        assert log[-1].seq == s.last_event_seq
        assert all(a.time_ms <= b.time_ms for a, b in zip(log, log[1:]))
        assert log[-1].time_ms <= s.now_ms
        apply_op(target, draw_op(data, target, max_dt=5 * U))


# Offset of the eighth re-sound time (alarm bit 7, DRUG_EXPIRED), new in version 5:
# header, config, dosing, accounts up to the slugs (pump_internal.h PUMP_SNAP_*), then
# battery 8 + eri 1, alarms 4, acked 4, re-sound interval 4 and seven re-sound times.
_V5_RESOUND7 = 12 + 44 + 10 + 221 + 4 + 10 + 8 + 17 + 4 + 64 * 21 + 9 + 56 + 4 + 16 * 21 + 9 + 4 + 4 + 4 + 7 * 8
_V5_ALARMS = _V5_RESOUND7 - 7 * 8 - 4 - 4 - 4


def _as_v4(image: bytes, clear_alarm_bits: int = 0) -> bytes:
    """A version-5 image rewritten in the version-4 layout (no eighth re-sound time)."""
    body = bytearray(image[:-4])
    assert body[_V5_RESOUND7:_V5_RESOUND7 + 8] == bytes(8)
    del body[_V5_RESOUND7:_V5_RESOUND7 + 8]
    alarms = int.from_bytes(body[_V5_ALARMS:_V5_ALARMS + 4], "little") & ~clear_alarm_bits
    body[_V5_ALARMS:_V5_ALARMS + 4] = alarms.to_bytes(4, "little")
    body[4] = 4
    body[8:12] = (len(body) + 4).to_bytes(4, "little")
    return bytes(body) + zlib.crc32(bytes(body)).to_bytes(4, "little")


def test_version_4_image_still_loads_and_raises_drug_expired_if_the_drug_is_past_its_time():
    """A version-4 image (before the drug library) loads into the same state; a drug
    already past its stability time raises DRUG_EXPIRED at the load (logged), as the
    alarm rule would have at the expiry instant."""
    pump = Pump()
    pump.refill(20_000_000, Drug.MORPHINE, 1000)
    pump.advance(50 * U)
    v5 = pump.snapshot()
    assert len(v5) == Pump.snapshot_size() and v5[4] == 5
    loaded = Pump.from_snapshot(_as_v4(v5))
    assert loaded.snapshot() == v5
    pump.advance(91 * U)
    status = pump.status()
    assert status.alarms & Alarm.DRUG_EXPIRED
    # a version-4 pump never raised the bit: remove it and the log entry stays the only difference
    v4 = _as_v4(pump.snapshot(), clear_alarm_bits=int(Alarm.DRUG_EXPIRED))
    migrated = Pump.from_snapshot(v4)
    assert migrated.status().alarms & Alarm.DRUG_EXPIRED
    last = migrated.events(migrated.status().last_event_seq)[0]
    assert (last.kind, last.data0) == (EventKind.ALARM_RAISED, int(Alarm.DRUG_EXPIRED))
