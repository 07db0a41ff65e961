"""The shipped failure scenarios of the physical plant (issue 13).

Each one reproduces a field failure on the emulator, and its expectations
must fail when the failure is not reproduced: the same file with its plant
fault steps removed is played too and must fail.
"""
from __future__ import annotations

import dataclasses

import pytest

from pyemu.therapy.player import play
from pyemu.therapy.scenario import load_scenario, parse_scenario
from pyemu.therapy.targets import ClientTarget

PLANT_SCENARIOS = ["plant_overinfusion", "plant_run_dry", "plant_occlusion", "plant_pocket_fill", "plant_mri"]


@pytest.mark.parametrize("name", PLANT_SCENARIOS)
def test_failure_scenario_reproduces_its_failure(pyemu_scenario, name: str) -> None:
    res = pyemu_scenario(name)
    assert load_scenario(name).needs_plant
    assert res.outcomes and res.passed, [f"{o.step.label()}: {o.what} -- {o.detail}" for o in res.failures]


@pytest.mark.parametrize("name", PLANT_SCENARIOS)
def test_failure_scenario_fails_without_its_fault(pyemu_client, name: str) -> None:
    """Invariant: a failure scenario cannot pass when its fault is not injected."""
    sc = load_scenario(name)
    healthy = dataclasses.replace(sc, steps=tuple(s for s in sc.steps if s.action != "fault"))
    assert len(healthy.steps) < len(sc.steps)
    res = play(healthy, ClientTarget(pyemu_client))
    assert not res.passed and res.failures


def test_plant_steps_need_a_device() -> None:
    """On the bare core a plant fault or truth check fails with a reason, never a traceback."""
    from pyemu.therapy.targets import CoreTarget
    sc = parse_scenario('''
[[step]]
at = "0s"
do = "fault"
kind = "leak"
percent = "50%"

[[step]]
at = "1h"
do = "truth"
catheter = "leaking"
''')
    res = play(sc, CoreTarget())
    assert [o.passed for o in res.outcomes] == [False, False]
    assert "unsupported" in res.outcomes[0].detail


@pytest.mark.parametrize("step,message", [
    ('do = "fault"\nkind = "flow_error"', "flow_error needs percent"),
    ('do = "fault"\nkind = "motor_stall"\npercent = "5%"', "does not apply to motor_stall"),
    ('do = "fault"\nkind = "mri"\nduration = "45min"\nrecovery = "later"', "'later' is not one of"),
    ('do = "fault"\nkind = "leak"\npercent = "fifty"', "is not a percentage"),
    ('do = "truth"', "a truth check needs at least one of"),
    ('do = "truth"\ncatheter = "blocked"', "'blocked' is not one of: patent, occluded"),
    ('do = "refill"\nvolume = "20mL"\ndrug = "morphine"\nconcentration = "1mg/mL"\n'
     'expect_verdict = "possible_over_infusion"', "a verdict needs the volume withdrawn"),
    ('do = "fault"\nkind = "leak"\npercent = "-5%"', "a leak of more than 0 and less than 100 %"),
    ('do = "fault"\nkind = "flow_error"\npercent = "+5%"\ndrift_to = "+10%"\nover = "60d"',
     "1 day to 49 days"),
])
def test_plant_fields_errors_name_the_field(step: str, message: str) -> None:
    from pyemu.therapy.scenario import ScenarioError
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(f'[[step]]\nat = "0s"\n{step}\n', "x.toml")


def test_a_plant_fault_the_pump_refuses_says_what_it_accepts(pyemu_client) -> None:
    """The pump's bad_field names no field: the failed step adds the fault's accepted values."""
    sc = parse_scenario('[[step]]\nat = "0s"\ndo = "fault"\nkind = "mri"\nduration = "25h"\n')
    res = play(sc, ClientTarget(pyemu_client))
    assert not res.passed
    detail = res.failures[0].detail
    assert "bad_field" in detail and "duration 1min to 24h" in detail, detail
