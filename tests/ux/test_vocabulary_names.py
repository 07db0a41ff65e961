"""Every name a user sees (CLI choices, scenario names, JSON, reports) is the vocabulary's spelling.

The vocabulary is protocol/vocabulary.json (generated into pyemu.protocol.vocabulary);
the user spelling of a value is its name in lower case, nothing else.
"""
from __future__ import annotations

import argparse

from pyemu.pump import client

from pyemu.therapy import fleet_plan, fleet_report, report, scenario

from pyemu.cli import monitor
from pyemu.cli.main import build_parser
from pyemu.protocol import vocabulary as V


def _ctl_choices(command: str, dest: str) -> tuple[str, ...]:
    """The argparse choices of `pyemu ctl COMMAND`'s argument `dest`."""
    def sub(p: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
        for a in p._actions:
            if isinstance(a, argparse._SubParsersAction) and name in a.choices:
                return a.choices[name]
        raise KeyError(name)
    p = sub(sub(build_parser(), "ctl"), command)
    return tuple(next(a for a in p._actions if a.dest == dest).choices)


def _spellings(table: type) -> set[str]:
    return {V.user_name(m) for m in table}


def test_cli_choices_are_vocabulary_spellings() -> None:
    """`ctl prescribe/refill --drug` and `ctl fault KIND` offer exactly the vocabulary's spellings."""
    assert _ctl_choices("prescribe", "drug") == V.choices(V.Drug)
    assert _ctl_choices("refill", "drug") == V.choices(V.Drug)
    # the faults, then the word of `fault clear KIND`
    assert _ctl_choices("fault", "kind") == V.choices(V.Fault) + ("clear",)
    assert V.choices(V.Fault) == ("motor_stall", "memory", "flow_error", "occlusion", "leak", "disconnect",
                                  "pocket_fill", "mri")


def test_scenario_names_are_vocabulary_spellings() -> None:
    """Scenario files name reasons, alarms, drugs, faults and states as the vocabulary spells them."""
    core = [r for r in V.Reason if V.REASON_GROUP[int(r)] == "core"]
    assert scenario.REASONS == tuple(V.user_name(r) for r in core)
    assert all(scenario.REASONS[int(r)] == V.reason_name(int(r)) for r in core)
    assert set(scenario.ALARMS) == _spellings(V.Alarm) - {"none"}
    assert set(scenario.DRUGS) == _spellings(V.Drug)
    assert set(scenario.FAULTS) == _spellings(V.Fault) - {"none"}
    assert set(scenario.STATES) == _spellings(V.State) == {"stopped", "running", "suspended", "halted"}


def test_json_and_reports_use_vocabulary_spellings() -> None:
    """Status/event JSON, the alarm lists of reports, monitor and fleet, and fleet drug names."""
    assert set(client.ALARM_NAMES.values()) == _spellings(V.Alarm) - {"none"}
    crit = {V.user_name(a) for a in V.Alarm if a and a & V.CRITICAL_ALARMS}
    assert monitor.CRITICAL == report.CRITICAL_ALARMS == crit
    assert fleet_report.ALARM_KINDS == V.choices(V.Alarm)
    assert {d.name for d in fleet_plan.DRUGS} <= _spellings(V.Drug)
    assert all(V.Drug(d.code).name.lower() == d.name for d in fleet_plan.DRUGS)
    st = client.Status.from_fields(dict(
        now_ms=0, state=int(V.State.HALTED), rate_nl_day=0, basal_nl_day=0, reservoir_nl=0, pumped_nl=0,
        delivered_pg=0, battery_nc=0, battery_permille=0, days_to_eri=0, alarms=int(V.Alarm.MOTOR_STALL),
        unacked_alarms=0, bolus_kind=0, bolus_remaining_nl=0, drug=int(V.Drug.BACLOFEN), conc_ug_ml=1,
        dose_24h_ug=0, last_event_seq=0)).to_json()
    assert (st["state"], st["alarms"], st["drug"]) == ("halted", ["motor_stall"], "baclofen")
    ev = client.Event(1, 0, int(V.EventKind.FAULT_INJECTED), int(V.Fault.MOTOR_STALL), 0)
    assert ev.to_json()["kind"] == "fault_injected" and "motor_stall" in ev.describe()


def test_a_refusal_is_named_by_its_user_spelling() -> None:
    """DeviceRefused says `lockout`, not E_LOCKOUT; the wire name stays available as reason_name."""
    exc = client.DeviceRefused("PATIENT_BOLUS", int(V.Reason.LOCKOUT))
    assert exc.reason == "lockout" and exc.reason_name == "E_LOCKOUT"
    assert "refused: lockout (inside the lockout time" in str(exc)
