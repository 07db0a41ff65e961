"""Every request gets its documented reply; refusals carry the core's or the protocol's reason."""
from __future__ import annotations

import pytest

from pyemu import protocol as P
from pyemu.pump.core import Alarm, Config, EventKind, Fault, Pump, PumpError, Reason, dose_to_rate
from pyemu.host.device import ClockMode, Device

from device_host import Host, nak_reason, prescription

# request -> (fields, expected reply) on a programmed pump with test features.
REQUESTS = [
    ("HELLO", {}, "HELLO_INFO"),
    ("GET_STATUS", {}, "STATUS"),
    ("PRESCRIBE", prescription(), "ACK"),
    ("CLINICIAN_BOLUS", {"volume_nl": 100_000, "duration_ms": 3_600_000}, "ACK"),
    ("PRIME_BOLUS", {"volume_nl": 0, "duration_ms": 600_000}, "ACK"),
    ("PATIENT_BOLUS", {}, "ACK"),
    ("CANCEL_BOLUS", {}, "NAK"),          # nothing running on a fresh programmed pump
    ("SUSPEND", {}, "ACK"),
    ("RESUME", {}, "NAK"),                # not suspended
    ("REFILL", {"volume_nl": 10_000_000, "drug": 1, "conc_ug_ml": 1000}, "ACK"),
    ("ACK_ALARM", {"alarm_bits": int(Alarm.LOW_RESERVOIR)}, "NAK"),   # not active
    ("READ_EVENTS", {"from_seq": 1, "max_count": 9}, "EVENTS"),
    ("SET_CLOCK", {"unix_ms": 1_700_000_000_000}, "ACK"),
    ("ADVANCE", {"delta_ms": 60_000}, "STATUS"),
    ("INJECT_FAULT", {"fault": int(Fault.MOTOR_STALL), "action": 0}, "ACK"),
    # no keys provisioned: a version-1 device (sessions: tests/security/test_session.py)
    ("AUTH_BEGIN", {"role": 1, "host_nonce_lo": 1, "host_nonce_hi": 2}, "NAK"),
    ("AUTH_PROVE", {"proof_lo": 1, "proof_hi": 2}, "NAK"),
    ("AUTH_END", {}, "NAK"),
    # issue 12
    ("CONFIGURE_IMPLANT", {"dead_volume_nl": 200_000, "catheter_length_mm": 0, "catheter_nl_per_cm": 0,
                           "tubing_nl": 0}, "NAK"),          # therapy active: suspend first
    ("SET_ALARM_RESOUND", {"interval_ms": 3_600_000}, "ACK"),
    ("REFILL_RECONCILE", {"volume_nl": 20_000_000, "drug": 1, "conc_ug_ml": 1000,
                          "withdrawn_nl": 20_000_000}, "REFILL_RESULT"),
    ("GET_STATUS_EXT", {}, "STATUS_EXT"),
    ("PRESCRIBE_CONFIRM", dict(prescription(), confirm_soft_limit=1), "ACK"),
    ("GET_DRUG_STATUS", {}, "DRUG_STATUS"),
    # issue 13: the physical plant
    ("PLANT_FAULT", {"fault": int(Fault.OCCLUSION), "action": 0, "value": 0, "target": 0, "duration_ms": 0,
                     "delay_ms": 0}, "ACK"),
    ("GET_TRUTH", {}, "TRUTH"),
]


def test_the_table_covers_every_request_type() -> None:
    """Every request message of messages.json is exercised below, with a reply it lists."""
    requests = {name for name, m in P.MESSAGES.items() if P.KIND_REQUEST in m.kinds}
    assert requests == {name for name, _, _ in REQUESTS}
    for name, _, reply in REQUESTS:
        assert reply in P.MESSAGES[name].replies


@pytest.mark.parametrize("name,fields,reply", REQUESTS, ids=[r[0] for r in REQUESTS])
def test_every_request_gets_its_reply_with_its_seq(host: Host, name: str, fields: dict,
                                                   reply: str) -> None:
    host.program()
    frame = host.request(name, seq=4321, **fields)
    assert frame.name == reply
    assert frame.seq == 4321 and frame.flags == P.KIND_RESPONSE
    if reply in ("ACK", "NAK"):
        assert frame.fields["req_type"] == P.MsgType[name]


def test_hello_describes_the_device() -> None:
    dev = Device(Config(serial=777), clock="realtime", speed=3600, test_features=True)
    info = Host(dev).request("HELLO").fields
    assert info["serial"] == 777 and info["model"] == "PYEMU-IT20"
    assert info["schema_crc"] == P.SCHEMA_CRC and info["protocol_version"] == P.PROTOCOL_VERSION
    assert info["clock_mode"] == ClockMode.ACCELERATED and info["clock_speed"] == 3600
    assert info["capabilities"] == P.ENUMS["capability_bits"]["FAULT_INJECTION"]
    assert info["max_payload"] == P.MAX_PAYLOAD


def test_status_reply_is_the_cores_status(host: Host) -> None:
    host.program()
    host.request("ADVANCE", delta_ms=86_400_000)
    host.dev.feed(P.encode("GET_STATUS", seq=99))
    out = host.dev.read_output()
    (frame,) = P.FrameDecoder().feed(out)
    st = host.dev.status()
    # The reply's own bytes were charged to the battery after it was built.
    assert frame.fields["battery_nc"] == st.battery_nc + len(out) * host.dev.config.telemetry_byte_nc
    for name in frame.fields:
        if name != "battery_nc":
            assert frame.fields[name] == int(getattr(st, name)), name


@pytest.mark.parametrize("name,fields,reason", [
    ("PATIENT_BOLUS", {}, Reason.PB_DISABLED),
    ("CLINICIAN_BOLUS", {"volume_nl": 100_000, "duration_ms": 3_600_000}, Reason.NO_PRESCRIPTION),
    ("CANCEL_BOLUS", {}, Reason.NO_BOLUS),
    ("SUSPEND", {}, Reason.NO_PRESCRIPTION),
    ("REFILL", {"volume_nl": 30_000_000, "drug": 1, "conc_ug_ml": 1000}, Reason.OVERFILL),
    ("PRESCRIBE", prescription(rate_nl_day=25_000_000), Reason.DRUG),
    ("ACK_ALARM", {"alarm_bits": 1}, Reason.ALARM),
    ("INJECT_FAULT", {"fault": 9, "action": 0}, Reason.FAULT_KIND),
    ("INJECT_FAULT", {"fault": 1, "action": 1}, Reason.NO_FAULT),
])
def test_refusal_is_a_nak_with_the_cores_reason(host: Host, name: str, fields: dict,
                                                reason: Reason) -> None:
    """The NAK reason is exactly what the core returns for the same call on a fresh pump."""
    assert nak_reason(host.request(name, **fields)) == reason
    oracle = Pump()
    call = {
        "PATIENT_BOLUS": lambda: oracle.patient_bolus(),
        "CLINICIAN_BOLUS": lambda: oracle.clinician_bolus(100_000, 3_600_000),
        "CANCEL_BOLUS": lambda: oracle.cancel_bolus(),
        "SUSPEND": lambda: oracle.suspend(),
        "REFILL": lambda: oracle.refill(30_000_000, 1, 1000),
        "ACK_ALARM": lambda: oracle.ack_alarm(1),
        "INJECT_FAULT": lambda: (oracle.inject_fault(9) if fields["action"] == 0
                                 else oracle.clear_fault(1)),
    }.get(name)
    if call is not None:
        with pytest.raises(PumpError) as err:
            call()
        assert err.value.reason_code == reason


def test_refused_bolus_is_logged_once_with_its_reason(host: Host) -> None:
    host.program(max_dose_ug_24h=600)
    frame = host.request("CLINICIAN_BOLUS", volume_nl=200_000, duration_ms=3_600_000)
    assert nak_reason(frame) == Reason.DOSE_LIMIT
    refused = [e for e in host.dev.events() if e.kind == EventKind.BOLUS_REFUSED]
    assert len(refused) == 1 and refused[0].data1 == Reason.DOSE_LIMIT


def test_prescription_by_dose_uses_the_cores_conversion(host: Host) -> None:
    host.request("REFILL", volume_nl=20_000_000, drug=1, conc_ug_ml=2000)
    rx = prescription(conc_ug_ml=2000, step_unit=1,
                      steps=[{"start_min": 0, "value": 1000}, {"start_min": 720, "value": 333}])
    assert host.request("PRESCRIBE", **rx).name == "ACK"
    steps = host.dev.prescription().steps
    assert [s.rate_nl_day for s in steps] == [dose_to_rate(1000, 2000), dose_to_rate(333, 2000)]


def test_dose_that_does_not_convert_is_refused_and_logged(host: Host) -> None:
    host.request("REFILL", volume_nl=20_000_000, drug=1, conc_ug_ml=1000)
    rx = prescription(step_unit=1, steps=[{"start_min": 0, "value": 30_000}])  # 30 mL/day
    assert nak_reason(host.request("PRESCRIBE", **rx)) == Reason.RATE_RANGE
    assert [e.kind for e in host.dev.events()][-1] == EventKind.PRESCRIBE_REFUSED


def test_advance_is_refused_outside_the_manual_clock() -> None:
    for clock, speed in (("realtime", 1), ("realtime", 60)):
        host = Host(Device(clock=clock, speed=speed, test_features=True))
        host.dev.read_output()
        frame = host.request("ADVANCE", delta_ms=1000)
        assert nak_reason(frame) == P.NakReason.CLOCK_MODE
        assert host.dev.now_ms == 0


def test_inject_fault_is_refused_without_test_features() -> None:
    host = Host(Device())
    host.dev.read_output()
    for _ in range(2):   # not cached: the same answer every time, nothing logged
        frame = host.request("INJECT_FAULT", seq=9, fault=int(Fault.MEMORY), action=0)
        assert nak_reason(frame) == P.NakReason.UNSUPPORTED
        assert frame.flags == P.KIND_RESPONSE
    assert not [e for e in host.dev.events() if e.kind == EventKind.FAULT_INJECTED]
    assert host.request("HELLO").fields["capabilities"] & 1 == 0


def test_set_clock_logs_the_wall_clock_without_moving_time(host: Host) -> None:
    unix_ms = 1_700_000_000_123
    assert host.request("SET_CLOCK", unix_ms=unix_ms).name == "ACK"
    ev = host.dev.events()[-1]
    assert ev.kind == EventKind.CLOCK_SET and ev.data0 | (ev.data1 << 32) == unix_ms
    assert host.dev.now_ms == 0


def test_read_events_pages_the_log(host: Host) -> None:
    host.program()
    for _ in range(5):
        host.request("SUSPEND")
        host.request("RESUME")
    log = host.dev.events()
    got, start = [], 1
    while True:
        page = host.request("READ_EVENTS", from_seq=start, max_count=4).fields
        assert page["newest_seq"] == log[-1].seq and page["first_available"] == 1
        if not page["events"]:
            break
        got += page["events"]
        start = page["events"][-1]["seq"] + 1
    assert [(e["seq"], e["kind"], e["data0"], e["data1"]) for e in got] == \
           [(e.seq, int(e.kind), e.data0, e.data1) for e in log]


def test_ticks_move_time_only_outside_manual_mode() -> None:
    rt = Device(clock="realtime")
    rt.tick(5000)
    assert rt.now_ms == 5000
    with pytest.raises(PumpError) as err:
        rt.tick(4000)
    assert err.value.reason_code == Reason.TIME and rt.now_ms == 5000
    manual = Device()
    manual.tick(5000)
    assert manual.now_ms == 0


def test_options_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError):
        Device(clock="realtime", speed=0.5)
    with pytest.raises(ValueError):
        Device(telemetry_period_ms=-1)
    with pytest.raises(KeyError):
        Device(clock="sideways")


# ---------------------------------------------------------------- issue 12 on the wire
def test_configure_implant_is_refused_while_therapy_runs_and_used_by_the_prime_bolus(host: Host) -> None:
    """CONFIGURE_IMPLANT: E_THERAPY_ACTIVE with a running prescription, BAD_FIELD when both the
    dead volume and a catheter are given; after SUSPEND the catheter calculation programs
    256 uL, which STATUS_EXT reports and a prime bolus of volume 0 delivers."""
    host.program()
    catheter = dict(dead_volume_nl=0, catheter_length_mm=600, catheter_nl_per_cm=2600, tubing_nl=100_000)
    assert nak_reason(host.request("CONFIGURE_IMPLANT", **catheter)) == Reason.THERAPY_ACTIVE
    assert host.request("SUSPEND").name == "ACK"
    assert nak_reason(host.request("CONFIGURE_IMPLANT", **dict(catheter, dead_volume_nl=1))) == \
        P.NakReason.BAD_FIELD
    assert host.request("CONFIGURE_IMPLANT", **dict(catheter, catheter_length_mm=600)).name == "ACK"
    ext = host.request("GET_STATUS_EXT").fields
    assert ext["dead_volume_nl"] == 256_000 and ext["resound_ms"] == 86_400_000
    assert host.request("RESUME").name == "ACK"
    assert host.request("PRIME_BOLUS", volume_nl=0, duration_ms=600_000).name == "ACK"
    assert host.request("GET_STATUS").fields["bolus_remaining_nl"] == 256_000


def test_refill_reconcile_replies_with_the_verdict(host: Host) -> None:
    """REFILL_RECONCILE replies REFILL_RESULT: 10 days at 0.5 mL/day leave 15 mL expected;
    13.9 mL withdrawn is 1.1 mL short, beyond min(14.5 % of 5 mL, 1 mL): possible
    over-infusion. A withdrawn volume of 2^32 - 1 is refused as an overfill."""
    host.program()
    host.request("ADVANCE", delta_ms=10 * 86_400_000)
    r = host.request("REFILL_RECONCILE", volume_nl=20_000_000, drug=1, conc_ug_ml=1000,
                     withdrawn_nl=13_900_000).fields
    assert (r["expected_nl"], r["withdrawn_nl"], r["discrepancy_nl"], r["delivered_nl"],
            r["tolerance_nl"], r["verdict"]) == (15_000_000, 13_900_000, 1_100_000, 5_000_000,
                                                 725_000, 1)
    assert nak_reason(host.request("REFILL_RECONCILE", volume_nl=20_000_000, drug=1, conc_ug_ml=1000,
                                   withdrawn_nl=2**32 - 1)) == Reason.OVERFILL


def test_acked_alarm_stays_in_status_and_resounds_over_the_wire(host: Host) -> None:
    """The alarm rule on the wire: ACK_ALARM of LOW_RESERVOIR keeps it in STATUS.alarms while
    the reservoir stays low, and after SET_ALARM_RESOUND's interval it is unacked again."""
    assert host.request("REFILL", volume_nl=2_100_000, drug=1, conc_ug_ml=1000).name == "ACK"
    assert host.request("PRESCRIBE", **prescription()).name == "ACK"
    assert host.request("SET_ALARM_RESOUND", interval_ms=3_600_000).name == "ACK"
    st = host.request("ADVANCE", delta_ms=86_400_000).fields
    assert st["alarms"] & Alarm.LOW_RESERVOIR
    assert host.request("ACK_ALARM", alarm_bits=int(Alarm.LOW_RESERVOIR)).name == "ACK"
    st = host.request("GET_STATUS").fields
    assert st["alarms"] & Alarm.LOW_RESERVOIR and not st["unacked_alarms"] & Alarm.LOW_RESERVOIR
    st = host.request("ADVANCE", delta_ms=3_600_000).fields
    assert st["alarms"] & Alarm.LOW_RESERVOIR and st["unacked_alarms"] & Alarm.LOW_RESERVOIR


# ---------------------------------------------------------------- drug library on the wire
def test_soft_limit_needs_prescribe_confirm_and_hard_limit_is_refused_either_way(host: Host) -> None:
    """Morphine 1 mg/mL: PRESCRIBE above the soft limit (10 mg/24 h) is NAK E_SOFT_LIMIT;
    PRESCRIBE_CONFIRM with confirm_soft_limit=1 is taken and logged SOFT_LIMIT_CONFIRMED;
    above the hard limit (15 mg/24 h) both are NAK E_DRUG_LIMIT. A refill above the drug's
    maximum concentration is NAK E_DRUG_LIMIT."""
    assert nak_reason(host.request("REFILL", volume_nl=20_000_000, drug=1, conc_ug_ml=25_000)) == \
        Reason.DRUG_LIMIT
    assert host.request("REFILL", volume_nl=20_000_000, drug=1, conc_ug_ml=1000).name == "ACK"
    soft = prescription(max_dose_ug_24h=12_000)
    assert nak_reason(host.request("PRESCRIBE", **soft)) == Reason.SOFT_LIMIT
    assert nak_reason(host.request("PRESCRIBE_CONFIRM", confirm_soft_limit=0, **soft)) == Reason.SOFT_LIMIT
    assert host.request("PRESCRIBE_CONFIRM", confirm_soft_limit=1, **soft).name == "ACK"
    kinds = [e.kind for e in host.dev.events()]
    assert kinds[-2:] == [EventKind.SOFT_LIMIT_CONFIRMED, EventKind.PRESCRIBED]
    hard = prescription(max_dose_ug_24h=15_001)
    assert nak_reason(host.request("PRESCRIBE", **hard)) == Reason.DRUG_LIMIT
    assert nak_reason(host.request("PRESCRIBE_CONFIRM", confirm_soft_limit=1, **hard)) == Reason.DRUG_LIMIT


def test_drug_status_counts_down_to_drug_expired(host: Host) -> None:
    """DRUG_STATUS: morphine refilled now is stable 90 days; after 90 days DRUG_EXPIRED is
    in STATUS.alarms and days_to_drug_expiry is 0."""
    host.program()
    d = host.request("GET_DRUG_STATUS").fields
    assert (d["drug"], d["stability_days"], d["days_to_drug_expiry"]) == (1, 90, 90)
    host.request("ADVANCE", delta_ms=90 * 86_400_000)
    d = host.request("GET_DRUG_STATUS").fields
    assert d["days_to_drug_expiry"] == 0
    assert host.request("GET_STATUS").fields["alarms"] & Alarm.DRUG_EXPIRED
