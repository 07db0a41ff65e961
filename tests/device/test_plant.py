"""The physical plant over the wire (PLANT_FAULT, GET_TRUTH): what the firmware
believes beside the truth, and what its clinical checks catch (issue 13).

The C test firmware/tests/test_plant.c covers each fault in detail; these
check the wire, the Python codec and the image through the cffi device.
"""
from __future__ import annotations

import pytest

from device_host import Host, nak_reason
from pyemu import protocol as P
from pyemu.host.device import Device
from pyemu.pump.core import Alarm, EventKind, Fault

DAY = 86_400_000


def plant(host: Host, fault: Fault, clear: bool = False, value: int = 0, target: int = 0,
          duration_ms: int = 0, delay_ms: int = 0) -> P.Frame:
    return host.request("PLANT_FAULT", fault=int(fault), action=1 if clear else 0, value=value, target=target,
                        duration_ms=duration_ms, delay_ms=delay_ms)


def truth(host: Host) -> dict:
    frame = host.request("GET_TRUTH")
    assert frame.name == "TRUTH"
    return frame.fields


def test_without_a_fault_the_truth_is_the_firmwares_belief(host: Host) -> None:
    """Invariant: an error-free plant agrees with the core exactly."""
    host.program()
    host.request("ADVANCE", delta_ms=17 * DAY + 1234)
    t, st = truth(host), host.dev.status()
    assert (t["reservoir_nl"], t["intrathecal_pg"], t["moved_nl"]) == (st.reservoir_nl, st.delivered_pg,
                                                                       st.pumped_nl)
    assert t["catheter"] == 0 and t["faults"] == 0 and t["factor_ppm"] == 1_000_000


def test_over_infusion_is_silent_and_found_by_the_refill_reconciliation(host: Host) -> None:
    """+20 % for 30 days at 0.5 mL/day from 20 mL: firmware 5 mL, truth 2 mL, verdict over-infusion."""
    host.program()
    assert plant(host, Fault.FLOW_ERROR, value=1_200_000).name == "ACK"
    host.request("ADVANCE", delta_ms=30 * DAY)
    t, st = truth(host), host.dev.status()
    assert abs(st.reservoir_nl - 5_000_000) <= 250 and abs(t["reservoir_nl"] - 2_000_000) <= 300
    assert st.alarms == 0
    result = host.request("REFILL_RECONCILE", volume_nl=20_000_000, drug=1, conc_ug_ml=1000,
                          withdrawn_nl=t["reservoir_nl"])
    assert result.fields["verdict"] == P.ENUMS["refill_verdict"]["POSSIBLE_OVER_INFUSION"]


def test_mri_with_interrogation_recovery_waits_for_a_status_request(host: Host) -> None:
    host.program()
    assert plant(host, Fault.MRI, value=2, duration_ms=45 * 60_000).name == "ACK"
    host.request("ADVANCE", delta_ms=3 * DAY)
    assert host.dev.status().alarms & Alarm.MOTOR_STALL
    kinds = [e.kind for e in host.dev.events()]
    assert EventKind.MRI_ENDED in kinds and EventKind.MRI_RECOVERED not in kinds
    host.request("GET_STATUS")
    assert not host.dev.status().alarms & Alarm.MOTOR_STALL
    assert [e for e in host.dev.events() if e.kind == EventKind.MRI_RECOVERED][0].data0 == 2


def test_plant_events_read_as_sentences_in_the_log(host: Host) -> None:
    from pyemu.pump.records import Event
    host.program()
    plant(host, Fault.MRI, value=2, duration_ms=45 * 60_000)
    host.request("ADVANCE", delta_ms=DAY)
    host.request("GET_STATUS")
    texts = []
    frame = host.request("READ_EVENTS", from_seq=1, max_count=9)
    while frame.fields["events"]:
        texts += [Event(**e).describe() for e in frame.fields["events"]]
        frame = host.request("READ_EVENTS", from_seq=frame.fields["events"][-1]["seq"] + 1, max_count=9)
    assert "test bench: plant fault mri injected" in texts
    assert "test bench: MRI scan ended after 45 min; motor stalled until recovery (interrogation)" in texts
    assert any(t.startswith("test bench: motor runs again after the MRI (interrogation") for t in texts)


def test_plant_requests_are_refused_without_test_features() -> None:
    """The truth is never available on a pump without --test-features."""
    host = Host(Device())
    host.dev.read_output()
    assert nak_reason(host.request("GET_TRUTH")) == P.NakReason.UNSUPPORTED
    assert nak_reason(plant(host, Fault.OCCLUSION)) == P.NakReason.UNSUPPORTED


@pytest.mark.parametrize("fault,fields,reason", [
    (Fault.FLOW_ERROR, dict(value=2_000_001), "BAD_FIELD"),
    (Fault.FLOW_ERROR, dict(value=1_000_000), "BAD_FIELD"),              # no error: not a fault
    (Fault.LEAK, dict(value=0), "BAD_FIELD"),
    (Fault.MRI, dict(value=1, duration_ms=60_000), "BAD_FIELD"),         # delay rule without a delay
    (Fault.OCCLUSION, dict(value=10_001), "BAD_FIELD"),
    (Fault.MOTOR_STALL, {}, "E_FAULT_KIND"),                             # INJECT_FAULT's, not the plant's
])
def test_plant_fault_out_of_range_is_refused_with_a_reason(host: Host, fault: Fault, fields: dict,
                                                            reason: str) -> None:
    assert nak_reason(plant(host, fault, **fields)) == P.NakReason[reason]
    assert truth(host)["faults"] == 0


def test_clearing_an_absent_plant_fault_is_refused(host: Host) -> None:
    assert nak_reason(plant(host, Fault.LEAK, clear=True)) == P.NakReason.E_NO_FAULT


def test_the_plant_survives_a_restart(host: Host) -> None:
    host.program()
    plant(host, Fault.LEAK, value=250_000)
    host.request("ADVANCE", delta_ms=3 * DAY)
    before = truth(host)
    again = Host(Device.load(host.dev.save(), test_features=True))
    again.dev.read_output()
    after = truth(again)
    assert {k: v for k, v in after.items()} == before
