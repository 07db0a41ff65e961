"""The saved image: round trip, documented envelope, and refusal of anything damaged."""
from __future__ import annotations

import struct
import zlib

import pytest

from device_host import Host
from pyemu import protocol as P
from pyemu.pump.core import Config, EventKind, PumpError, Reason
from pyemu.host.device import ClockMode, Device, ImageError

CACHE_AT = 16 + 23                     # magic..generation, settings
ENTRY, ENTRY_V2 = 7 + 85, 10 + 80      # a cache entry: version 3 (request kept), versions 1-2 (CRC)
PLANT = 121                            # the plant block (version 4)
HEADER = CACHE_AT + 8 * ENTRY + 65 + 24 + PLANT + 4   # ..., key block, security block, plant, snapshot length


def programmed() -> Device:
    host = Host(Device(Config(serial=31337), test_features=True))
    host.dev.read_output()
    host.program()
    host.request("CLINICIAN_BOLUS", volume_nl=100_000, duration_ms=3_600_000)
    host.request("SET_CLOCK", unix_ms=1_700_000_000_000)
    host.request("ADVANCE", delta_ms=7_200_000)
    return host.dev


def test_image_layout_is_as_documented() -> None:
    image = programmed().save()
    assert len(image) == Device.image_size()
    magic, version, reserved, total = struct.unpack_from("<4sHHI", image)
    assert (magic, version, reserved, total) == (b"PYDV", 4, 0, len(image))
    assert struct.unpack_from("<I", image, len(image) - 4)[0] == zlib.crc32(image[:-4])
    (snap_len,) = struct.unpack_from("<I", image, HEADER - 4)
    assert image[HEADER:HEADER + 4] == b"PUMP" and HEADER + snap_len + 4 == len(image)


def test_load_restores_the_pump_and_logs_one_reset() -> None:
    dev = programmed()
    before = dev.status()
    again = Device.load(dev.save(), clock="realtime", speed=60)
    after = again.status()
    assert again.clock_mode is ClockMode.ACCELERATED and again.clock_speed == 60
    assert after.now_ms == before.now_ms and after.reservoir_nl == before.reservoir_nl
    assert after.pumped_nl == before.pumped_nl and after.bolus_kind == before.bolus_kind
    assert [e.kind for e in again.events()] == [e.kind for e in dev.events()] + [EventKind.RESET]
    assert again.config.serial == 31337


def test_saving_twice_gives_the_same_bytes() -> None:
    dev = programmed()
    assert dev.save() == dev.save()


@pytest.mark.parametrize("damage,error", [
    (lambda b: b"", "truncated"),
    (lambda b: b[:-1], "truncated"),
    (lambda b: b + b"\x00", "truncated"),
    (lambda b: b"NOPE" + b[4:], "not a pyemu device image"),
    (lambda b: b[:4] + b"\x09\x00" + b[6:], "layout version"),
    (lambda b: b[:100] + bytes([b[100] ^ 1]) + b[101:], "corrupt"),
    (lambda b: b[:-1] + bytes([b[-1] ^ 0x80]), "corrupt"),
])
def test_damaged_image_is_refused_and_the_device_is_untouched(damage, error: str) -> None:
    image = programmed().save()
    dev = Device()
    with pytest.raises(ImageError, match=error):
        dev._load(damage(image))
    assert dev.status().reservoir_nl == 0 and len(dev.events()) == 1


def test_every_flipped_bit_is_caught() -> None:
    image = bytearray(programmed().save())
    dev = Device()
    for pos in range(0, len(image), 53):
        image[pos] ^= 0x04
        with pytest.raises((ImageError, PumpError)):
            dev._load(bytes(image))
        image[pos] ^= 0x04
    assert len(dev.events()) == 1


def test_a_field_out_of_range_is_refused_even_with_a_good_crc() -> None:
    image = bytearray(programmed().save())
    image[18] = 2                                  # wall_set must be 0 or 1
    image[-4:] = struct.pack("<I", zlib.crc32(bytes(image[:-4])))
    with pytest.raises(ImageError, match="out of range"):
        Device.load(bytes(image))


def test_a_damaged_core_snapshot_is_refused_by_the_core() -> None:
    image = bytearray(programmed().save())
    image[HEADER + 40] ^= 0xFF                     # inside the pump snapshot
    image[-4:] = struct.pack("<I", zlib.crc32(bytes(image[:-4])))
    with pytest.raises(PumpError) as err:
        Device.load(bytes(image))
    assert err.value.reason_code == Reason.SNAPSHOT_CRC


def test_active_alarms_are_announced_again_after_load() -> None:
    """An ALARM queued before a restart may never have left: load repeats it."""
    host = Host(Device(test_features=True))
    host.dev.read_output()
    host.request("INJECT_FAULT", fault=2, action=0)          # memory error: critical
    again = Device.load(host.dev.save())
    frames = P.FrameDecoder().feed(again.read_output())
    assert [f.name for f in frames] == ["ALARM"]
    assert frames[0].fields["raised"] == frames[0].fields["alarms"] == 64


def test_patient_button_is_an_accepted_command() -> None:
    host = Host(Device())
    host.dev.read_output()
    host.program()
    host.dev.mark_saved(host.dev.nv_generation)
    host.dev.patient_button()
    assert host.dev.nv_dirty
    assert host.dev.events()[-2].kind == EventKind.PATIENT_GRANTED
    with pytest.raises(PumpError) as err:
        host.dev.patient_button()                            # the first is still running
    assert err.value.reason_code == Reason.BOLUS_ACTIVE


def as_version_2(image: bytes) -> bytes:
    """The same state as a version-2 image: cache entries keyed by a payload CRC."""
    entries = b""
    for i in range(8):
        seq, req_type, _flags, req_len, reply_type, reply_len = struct.unpack_from(
            "<HBBBBB", image, CACHE_AT + i * ENTRY)
        data = image[CACHE_AT + i * ENTRY + 7:CACHE_AT + (i + 1) * ENTRY]
        kept = 32 if req_len > 32 else req_len
        reply = data[kept:kept + reply_len]
        crc = zlib.crc32(data[:req_len]) if req_type and req_len <= 32 else 0
        entries += struct.pack("<BBHIBB", 1 if req_type else 0, req_type, seq, crc, reply_type,
                               reply_len) + reply.ljust(80, b"\0")
    keys_at = CACHE_AT + 8 * ENTRY
    body = (image[:CACHE_AT] + entries + image[keys_at:keys_at + 65]
            + image[keys_at + 65 + 24 + PLANT:-4])                # no security block, no plant block
    body = body[:4] + struct.pack("<HHI", 2, 0, len(body) + 4) + body[12:]
    return body + struct.pack("<I", zlib.crc32(body))


def test_a_version_2_image_loads_with_its_cache_entries_unused() -> None:
    """Old entries hold a CRC, not the request: they load as unused (device.h),
    so a retry of a request from before the upgrade is executed again."""
    host = Host(Device(Config(serial=31337)))
    host.dev.read_output()
    host.program()
    host.request("ADVANCE", seq=600, delta_ms=60_000)
    old = as_version_2(host.dev.save())
    assert struct.unpack_from("<H", old, 4)[0] == 2 and len(old) == len(host.dev.save()) - 16 - 24 - PLANT
    again = Host(Device.load(old))
    again.dev.read_output()
    assert again.dev.status().now_ms == 60_000 and again.dev.config.serial == 31337
    retry = again.request("ADVANCE", seq=600, delta_ms=60_000)
    assert retry.flags == P.KIND_RESPONSE and again.dev.now_ms == 120_000


def test_a_cache_entry_out_of_range_is_refused() -> None:
    image = bytearray(programmed().save())
    image[CACHE_AT + 3] = 1                        # first entry's req_flags: a request has none
    image[-4:] = struct.pack("<I", zlib.crc32(bytes(image[:-4])))
    with pytest.raises(ImageError, match="out of range"):
        Device.load(bytes(image))


@pytest.mark.parametrize("name, fields", [
    ("REFILL_RECONCILE", dict(volume_nl=5_000_000, drug=4, conc_ug_ml=2000, withdrawn_nl=0)),
    ("CONFIGURE_IMPLANT", dict(dead_volume_nl=200_000, catheter_length_mm=0, catheter_nl_per_cm=0,
                               tubing_nl=0)),
    ("SET_ALARM_RESOUND", dict(interval_ms=3_600_000)),
])
def test_every_cached_reply_type_saves_and_loads(name, fields) -> None:
    """Invariant: whatever a state-changing request is answered with (ACK, NAK,
    STATUS, REFILL_RESULT ...), the image that remembers it loads again. (The
    C fuzzer found a REFILL_RESULT in the reply cache making the saved image
    unloadable: a state file that could never be read back.)"""
    host = Host(Device(Config(serial=5), test_features=True))
    host.dev.read_output()
    reply = host.request(name, seq=77, **fields)
    assert reply.name != "NAK", reply
    again = Host(Device.load(host.dev.save()))
    again.dev.read_output()
    retry = again.request(name, seq=77, **fields)
    assert retry.flags & 0x04 and retry.name == reply.name     # answered from the loaded cache
