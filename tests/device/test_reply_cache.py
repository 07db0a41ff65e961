"""A retransmitted request takes effect once: the reply cache, in memory and across save/load."""
from __future__ import annotations

import struct
import zlib

from hypothesis import given, strategies as st

from device_host import Host, nak_reason, prescription
from pyemu import protocol as P
from pyemu.pump.core import EventKind, Reason
from pyemu.host.device import Device

BOLUS = {"volume_nl": 100_000, "duration_ms": 3_600_000}


def kinds(dev: Device, kind: EventKind) -> int:
    return sum(1 for e in dev.events() if e.kind == kind)


def test_repeated_seq_gives_one_bolus(host: Host) -> None:
    host.program()
    first = host.request("CLINICIAN_BOLUS", seq=500, **BOLUS)
    again = host.request("CLINICIAN_BOLUS", seq=500, **BOLUS)
    assert first.name == again.name == "ACK"
    assert first.flags == P.KIND_RESPONSE
    assert again.flags == P.KIND_RESPONSE | P.FLAG_REPLAYED
    assert again.payload == first.payload
    assert kinds(host.dev, EventKind.BOLUS_START) == 1
    assert host.dev.status().bolus_remaining_nl > 0


def test_repeated_patient_request_is_granted_or_denied_once(host: Host) -> None:
    host.program()
    for _ in range(3):
        host.request("PATIENT_BOLUS", seq=77)
    assert kinds(host.dev, EventKind.PATIENT_GRANTED) == 1
    assert kinds(host.dev, EventKind.PATIENT_DENIED) == 0


def test_repeated_refusal_is_replayed_not_logged_again(host: Host) -> None:
    host.program(max_dose_ug_24h=600)
    frames = [host.request("CLINICIAN_BOLUS", seq=9, volume_nl=500_000, duration_ms=3_600_000)
              for _ in range(3)]
    assert [nak_reason(f) for f in frames] == [Reason.DOSE_LIMIT] * 3
    assert [f.flags & P.FLAG_REPLAYED for f in frames] == [0, P.FLAG_REPLAYED, P.FLAG_REPLAYED]
    assert kinds(host.dev, EventKind.BOLUS_REFUSED) == 1


def test_repeated_advance_moves_time_once(host: Host) -> None:
    a = host.request("ADVANCE", seq=3, delta_ms=3_600_000)
    b = host.request("ADVANCE", seq=3, delta_ms=3_600_000)
    assert host.dev.now_ms == 3_600_000
    assert a.fields == b.fields and b.flags & P.FLAG_REPLAYED


def test_same_seq_other_request_is_executed(host: Host) -> None:
    host.program()
    assert host.request("SUSPEND", seq=40).name == "ACK"
    resumed = host.request("RESUME", seq=40)
    assert resumed.name == "ACK" and resumed.flags == P.KIND_RESPONSE
    assert host.dev.status().state.name == "RUNNING"


def test_reads_are_answered_fresh(host: Host) -> None:
    host.program()
    a = host.request("GET_STATUS", seq=8)
    host.request("ADVANCE", delta_ms=60_000)
    b = host.request("GET_STATUS", seq=8)
    assert b.flags == P.KIND_RESPONSE and b.fields["now_ms"] == a.fields["now_ms"] + 60_000


def test_cache_remembers_the_last_eight(host: Host) -> None:
    host.program()
    seqs = list(range(1000, 1009))   # nine remembered requests
    for i, seq in enumerate(seqs):
        host.request("SUSPEND" if i % 2 == 0 else "RESUME", seq=seq)
    assert host.request("SUSPEND", seq=seqs[-1]).flags & P.FLAG_REPLAYED
    assert host.request("RESUME", seq=seqs[1]).flags & P.FLAG_REPLAYED
    oldest = host.request("SUSPEND", seq=seqs[0])
    assert not oldest.flags & P.FLAG_REPLAYED   # forgotten: executed again


def test_retransmit_after_restart_is_answered_from_the_cache() -> None:
    """Save mid-session, 'crash' before the ACK leaves, load, retransmit: one bolus."""
    dev = Device(hold_until_saved=True)
    host = Host(dev)
    dev.read_output()
    host.program()
    dev.feed(P.encode("CLINICIAN_BOLUS", seq=700, **BOLUS))
    assert dev.nv_dirty and dev.read_output() == b""      # the ACK waits for the save
    gen = dev.nv_generation
    image = dev.save()
    dev.mark_saved(gen)
    del dev                                               # killed: the ACK never left

    again = Device.load(image, hold_until_saved=True)
    assert again.nv_dirty                                 # the reset entry is new
    gen = again.nv_generation
    again.mark_saved(gen)
    assert again.read_output() == b"\x00"                 # reset delimiter
    host2 = Host(again)
    reply = host2.request("CLINICIAN_BOLUS", seq=700, **BOLUS)
    assert reply.name == "ACK" and reply.flags & P.FLAG_REPLAYED
    assert kinds(again, EventKind.BOLUS_START) == 1
    assert kinds(again, EventKind.RESET) == 1
    assert [e.kind for e in again.events()][-1] == EventKind.RESET


@given(st.lists(st.sampled_from(["SUSPEND", "RESUME", "PATIENT_BOLUS", "CANCEL_BOLUS",
                                 "CLINICIAN_BOLUS"]), min_size=1, max_size=12),
       st.lists(st.integers(0, 7), max_size=12))
def test_any_request_sequence_retransmitted_has_the_effect_of_sending_it_once(
        names: list[str], retries: list[int]) -> None:
    """Invariant: retransmitting any subset of the last 8 requests (same seq, same bytes)
    leaves event log and status exactly as without the retransmissions."""
    def run(with_retries: bool) -> tuple:
        host = Host(Device())
        host.dev.read_output()
        host.program()
        sent: list[bytes] = []
        for i, name in enumerate(names):
            fields = BOLUS if name == "CLINICIAN_BOLUS" else {}
            wire = P.encode(name, seq=100 + i, **fields)
            sent.append(wire)
            host.exchange(wire)
            if with_retries:
                for r in retries:   # r requests back: still among the last 8
                    if r <= i:
                        host.exchange(sent[i - r])
        return host.dev.events(), host.dev.status().reservoir_nl, host.dev.status().bolus_kind

    plain, retried = run(False), run(True)
    assert plain == retried


def forge_crc_tail(head: bytes, target: int) -> bytes:
    """4 bytes that give ``head + tail`` the CRC-32 ``target``: CRC-32 is affine
    in the message bits, so 32 unknown bits solve a 32 x 32 system over GF(2)."""
    base = zlib.crc32(head + bytes(4))
    cols = [zlib.crc32(head + (1 << i).to_bytes(4, "little")) ^ base for i in range(32)]
    rows = [(sum(((cols[i] >> r) & 1) << i for i in range(32)), ((target ^ base) >> r) & 1)
            for r in range(32)]
    for i in range(32):                                   # Gauss-Jordan elimination
        p = next(r for r in range(i, 32) if rows[r][0] >> i & 1)
        rows[i], rows[p] = rows[p], rows[i]
        for r in range(32):
            if r != i and rows[r][0] >> i & 1:
                rows[r] = (rows[r][0] ^ rows[i][0], rows[r][1] ^ rows[i][1])
    return sum(rows[i][1] << i for i in range(32)).to_bytes(4, "little")


def test_a_payload_with_a_remembered_crc_is_executed_not_replayed(host: Host) -> None:
    """The attack of issue 11: a 5 mL bolus forged to the CRC-32 of a remembered
    60 uL bolus with the same seq is a new request: the device gives it."""
    host.program()
    small = dict(volume_nl=60_000, duration_ms=600_000)
    assert host.request("CLINICIAN_BOLUS", seq=700, **small).name == "ACK"
    host.request("ADVANCE", delta_ms=3_600_000)             # the small bolus ends
    target = zlib.crc32(P.encode_payload("CLINICIAN_BOLUS", **small))
    for k in range(100_000):                               # 5 mL + k nL, a valid duration
        head = struct.pack("<I", 5_000_000 + k)
        (duration,) = struct.unpack("<I", forge_crc_tail(head, target))
        if 300_000 <= duration <= 86_400_000:
            break
    big = dict(volume_nl=5_000_000 + k, duration_ms=duration)
    assert zlib.crc32(P.encode_payload("CLINICIAN_BOLUS", **big)) == target
    reply = host.request("CLINICIAN_BOLUS", seq=700, **big)
    assert reply.name == "ACK" and reply.flags == P.KIND_RESPONSE
    assert kinds(host.dev, EventKind.BOLUS_START) == 2
    assert host.dev.status().bolus_remaining_nl > 4_000_000


def test_a_long_request_is_matched_on_every_byte(host: Host) -> None:
    """PRESCRIBE longer than 32 bytes is kept as its SHA-256: one changed step
    value with the same seq is executed, the identical retry is replayed."""
    host.request("REFILL", volume_nl=20_000_000, drug=1, conc_ug_ml=1000)
    steps = [{"start_min": 60 * h, "value": 500_000} for h in range(6)]
    rx = prescription(drug=1, steps=steps)
    assert len(P.encode_payload("PRESCRIBE", **rx)) > 32
    assert host.request("PRESCRIBE", seq=50, **rx).flags == P.KIND_RESPONSE
    assert host.request("PRESCRIBE", seq=50, **rx).flags & P.FLAG_REPLAYED
    steps[5] = {"start_min": 300, "value": 500_001}
    changed = host.request("PRESCRIBE", seq=50, **prescription(drug=1, steps=steps))
    assert changed.name == "ACK" and changed.flags == P.KIND_RESPONSE
    assert kinds(host.dev, EventKind.PRESCRIBED) == 2
