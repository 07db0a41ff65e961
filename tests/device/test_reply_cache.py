"""A retransmitted request takes effect once: the reply cache, in memory and across save/load."""
from __future__ import annotations

from hypothesis import given, strategies as st

from device_host import Host, nak_reason
from pyemu import protocol as P
from pyemu.core import EventKind, Reason
from pyemu.device import Device

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
