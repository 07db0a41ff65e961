"""The one pump interface (pyemu.pump.interface): the in-process core and the wire
client implement it with the same arguments, and answer a command sequence alike.

The property test runs the same random sequence of interface calls on
:class:`pyemu.pump.core.Pump` and on a :class:`pyemu.pump.client.Client`
talking to an emulator (the C device in a thread of this process, over
loopback), and after every call compares the outcome (accepted, the record
returned, or the refusal's reason code) and the Status records field by
field. The device charges the battery for every byte it receives and sends
(the radio); the in-process core has no radio, so the test charges it the
same bytes (``count_telemetry``) before comparing: then even ``battery_nc``
must agree exactly.
"""
from __future__ import annotations

import dataclasses
import inspect

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pyemu.protocol.vocabulary import Drug
from pyemu.pump.client import Client
from pyemu.pump.core import Pump
from pyemu.pump.errors import Refusal
from pyemu.pump.interface import PumpInterface
from pyemu.pump.records import Prescription, RateStep, Status

HOUR = 3_600_000
DAY = 24 * HOUR

DRUGS = (Drug.BACLOFEN, Drug.MORPHINE, "baclofen", "saline")
CONCS = (500, 2000)


def _interface_methods() -> list[str]:
    return [name for name, member in vars(PumpInterface).items()
            if callable(member) and not name.startswith("_")]


def test_core_and_client_are_pump_interface_objects_with_its_parameters():
    """Both implementations have every method of the interface, and each accepts the
    interface's parameters under the same names, in the same order."""
    assert isinstance(Pump(), PumpInterface)
    assert issubclass(Client, PumpInterface)
    for name in _interface_methods():
        want = list(inspect.signature(getattr(PumpInterface, name)).parameters)[1:]
        for impl in (Pump, Client):
            have = list(inspect.signature(getattr(impl, name)).parameters)[1:]
            assert have[:len(want)] == want, f"{impl.__name__}.{name}{have} vs interface {want}"


# -- the same commands on both ------------------------------------------------------

drugs = st.sampled_from(DRUGS)
concs = st.sampled_from(CONCS)
volumes = st.sampled_from((0, 50_000, 2_500_000, 20_000_000, 25_000_000))


@st.composite
def prescriptions(draw) -> Prescription:
    n = draw(st.integers(1, 3))
    starts = sorted(draw(st.sets(st.integers(1, 1439), min_size=n - 1, max_size=n - 1)))
    rates = draw(st.lists(st.sampled_from((0, 100_000, 500_000, 2_000_000)), min_size=n, max_size=n))
    pb = draw(st.booleans())
    return Prescription(
        drug=draw(drugs), conc_ug_ml=draw(concs),
        steps=tuple(RateStep(s, r) for s, r in zip([0] + starts, rates)),
        max_dose_ug_24h=draw(st.sampled_from((500, 1500, 20_000))),
        low_reservoir_nl=draw(st.sampled_from((0, 2_000_000))),
        pb_enabled=pb, pb_volume_nl=50_000 if pb else 0, pb_duration_ms=600_000 if pb else 0,
        pb_lockout_ms=HOUR if pb else 0, pb_max_per_24h=4 if pb else 0)


commands = st.one_of(
    st.tuples(st.just("advance_by"), st.sampled_from((1, 60_000, HOUR, 7 * HOUR, DAY, 3 * DAY))),
    st.tuples(st.just("refill"), volumes, drugs, concs),
    st.tuples(st.just("refill_reconciled"), volumes, drugs, concs,
              st.sampled_from((0, 1_000_000, 19_000_000))),
    st.tuples(st.just("prescribe"), prescriptions()),
    st.tuples(st.just("clinician_bolus"), st.sampled_from((0, 100_000, 900_000)),
              st.sampled_from((0, 60_000, HOUR))),
    st.tuples(st.just("prime_bolus"), st.sampled_from((0, 300_000)), st.sampled_from((60_000, HOUR))),
    st.tuples(st.sampled_from(("patient_bolus", "cancel_bolus", "suspend", "resume"))),
    st.tuples(st.just("ack_alarm"), st.one_of(
        st.sampled_from((0, 1, 0xFFFF_FFFF)),
        st.lists(st.sampled_from(("low_reservoir", "reservoir_empty", "dose_limit", "motor_stall")),
                 min_size=1, max_size=2))),
    st.tuples(st.sampled_from(("inject_fault", "clear_fault")), st.sampled_from(("motor_stall", "memory"))),
    st.tuples(st.just("configure_implant"), st.sampled_from((0, 200_000, 500_000))),
    st.tuples(st.just("set_alarm_resound"), st.sampled_from((1000, HOUR, DAY))),
)


def _outcome(pump: PumpInterface, name: str, args: tuple):
    """What a call gave: ("ok", the record it returned) or ("refused", reason code)."""
    try:
        out = getattr(pump, name)(*args)
    except Refusal as exc:
        return ("refused", exc.reason_code)
    # advance_by returns the status: compared below with the status of each pump
    return ("ok", None if name == "advance_by" else out)


def _wire_fields(client_status: Status) -> list[str]:
    """The Status fields a pump on the wire reports (the core's detail stays None)."""
    return [f.name for f in dataclasses.fields(Status)
            if f.name not in ("seq", "unsolicited") and getattr(client_status, f.name) is not None]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=st.lists(commands, min_size=1, max_size=25))
def test_core_and_client_over_the_emulator_give_the_same_status_after_every_call(
        make_threaded_emulator, script):
    """Invariant: after every call of the same random sequence, the in-process core and
    the client over an emulator accepted or refused alike (same reason code, same
    record) and report equal Status records, field by field; their logs agree."""
    with make_threaded_emulator() as emu, Client.connect(emu.port, timeout=5.0) as client:
        core = Pump(emu.device.config)
        charged = 0

        def compare(context: str) -> None:
            nonlocal charged
            before = emu.device.stats()
            wire = client.status()
            after = emu.device.stats()
            # the device's STATUS counts every byte received so far (this GET_STATUS
            # included) and every byte sent before its own reply
            spent = after.rx_bytes + before.tx_bytes
            core.count_telemetry(spent - charged)
            charged = spent
            here = core.status()
            fields = _wire_fields(wire)
            assert len(fields) == 18
            diff = {f: (getattr(here, f), getattr(wire, f)) for f in fields
                    if getattr(here, f) != getattr(wire, f)}
            assert not diff, f"{context}: status differs (core, client): {diff}"

        compare("start")
        for step, (name, *args) in enumerate(script):
            on_core = _outcome(core, name, tuple(args))
            on_wire = _outcome(client, name, tuple(args))
            assert on_core == on_wire, f"step {step} {name}{tuple(args)}: core {on_core}, client {on_wire}"
            compare(f"after step {step} {name}{tuple(args)}")
        assert core.events() == client.events(), "the event logs differ"
