"""One set of scenario scripts, every target: emulator, QEMU, and a real board if given.

* The emulator plays every scenario and each step's outcome must be the one
  the script expects (ACK, or the NAK reason the semantics call for).
* Every other target plays the same scenario on a fresh pump and, after each
  step, its outcome, reply, STATUS, new event-log entries and unsolicited
  frames must equal the emulator's exactly: same C, same integer arithmetic,
  time moved only by ADVANCE.
"""
from __future__ import annotations

import pytest

from conformance_runner import first_difference
from conformance_scenarios import SCENARIOS, Scenario


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_emulator_gives_the_outcomes_the_script_expects(scenario: Scenario, emulator_records):
    records = emulator_records(scenario)
    assert len(records) == len(scenario.steps)
    wrong = [
        f"step {i + 1} ({rec.step}): expected {step.expect}, got {rec.outcome}"
        for i, (step, rec) in enumerate(zip(scenario.steps, records))
        if step.expect is not None and rec.outcome != step.expect
    ]
    assert not wrong, "\n".join(wrong)
    # Every step left the log readable and time never ran backwards.
    times = [rec.status["now_ms"] for rec in records]
    assert times == sorted(times)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_target_matches_the_emulator_after_every_step(scenario: Scenario, target, emulator_records):
    reference = emulator_records(scenario)
    records = target(scenario)
    difference = first_difference(reference, records)
    assert difference is None, difference
