"""``pyemu demo`` (the README's ``make run``): the shipped scenario file really happens on the pump."""
import pytest

from pyemu.cli.main import main
from pyemu.cli.demo import SCENARIO, run_demo
from pyemu.therapy.scenario import load_scenario

DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def demo():
    return run_demo()


def test_demo_plays_the_shipped_scenario_and_meets_every_expectation(demo):
    sc = load_scenario(SCENARIO)
    assert demo.scenario == sc
    assert demo.run is not None and len(demo.run.outcomes) > 300
    assert demo.run.passed, [f"{o.step.label()}: {o.what} -- {o.detail}" for o in demo.run.failures]
    assert demo.final.now_ms == sc.duration_ms == 182 * DAY_MS


def test_the_late_refill_runs_low_then_empty_and_the_refill_clears_it(demo):
    assert demo.alarms_seen[:2] == ["low_reservoir", "reservoir_empty"]
    texts = [text for _, text, _ in sorted(demo.timeline)]
    empty_at = next(t for t, text, _ in demo.timeline if text.startswith("ALARM reservoir empty"))
    low_at = next(t for t, text, _ in demo.timeline if text.startswith("ALARM low reservoir"))
    late_refill = [s for s in demo.scenario.steps if s.action == "refill"][-1]
    assert low_at < empty_at < late_refill.at_ms
    cleared_at = next(t for t, text, _ in demo.timeline if text == "alarm cleared: reservoir empty")
    assert cleared_at == late_refill.at_ms
    assert "late refill, due on day 168" in texts     # the step's note marks the visit
    assert demo.final.alarm_names == []
    assert demo.final.state_name == "running"


def test_patient_boluses_are_given_daily_and_some_refused_for_lockout(demo):
    granted = sum(m.granted for m in demo.months)
    lockout = sum(m.denied.get("lockout", 0) for m in demo.months)
    empty = sum(m.denied.get("reservoir empty", 0) for m in demo.months)
    assert len(demo.months) == 6
    assert granted > 300
    assert lockout >= 10
    assert empty == 3 and demo.months[-1].denied["reservoir empty"] == 3


def test_volumes_balance_exactly_and_refills_happened(demo):
    f = demo.final
    refills = [s for s in demo.scenario.steps if s.action == "refill"]
    assert len(refills) == 4
    assert demo.filled_nl == sum(s.args["volume_nl"] for s in refills)
    assert demo.filled_nl - demo.discarded_nl - f.pumped_nl - f.reservoir_nl == 0
    assert 0 < f.days_to_eri and f.battery_permille < 1000


def test_the_month_table_adds_up_to_the_pump_totals(demo):
    """Each month's figures are STATUS differences taken at the month's end."""
    f = demo.final
    assert sum(m.pumped_nl for m in demo.months) == f.pumped_nl
    assert sum(m.delivered_pg for m in demo.months) == f.delivered_pg
    assert demo.months[-1].reservoir_end_nl == f.reservoir_nl
    assert [m.battery_permille for m in demo.months] == sorted(
        (m.battery_permille for m in demo.months), reverse=True)


def test_demo_command_prints_what_a_clinician_reads(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for heading in ("Timeline", "Month by month", "Volumes", "Battery", "ALARM reservoir empty",
                    "patient bolus refused (lockout)", "difference 0 nL", "planned refill"):
        assert heading in out, heading
    assert "expectations of the scenario met" in out and "failed" not in out


def test_an_unmet_expectation_is_shown_not_hidden(tmp_path):
    """The demo player reports a scenario expectation the pump does not meet."""
    path = tmp_path / "short.toml"
    path.write_text('''
[[step]]
at = "1h"
do = "refill"
volume = "20mL"
drug = "baclofen"
concentration = "1mg/mL"

[[step]]
at = "2h"
do = "patient_bolus"
expect_refused = "lockout"

[[step]]
at = "1d"
do = "check"
alarms = ["low_reservoir"]
''')
    result = run_demo(scenario=str(path))
    assert not result.run.passed
    assert [(o.step.index, o.what) for o in result.run.failures] == [
        (2, "refused with lockout"), (3, "alarm low_reservoir active")]
    unexpected = [text for _, text, _ in result.timeline if text.startswith("UNEXPECTED")]
    assert unexpected == ["UNEXPECTED: refused with lockout -- refused with pb_disabled",
                          "UNEXPECTED: alarm low_reservoir active -- active: none"]
    assert len(result.months) == 1 and result.months[0].pumped_nl == result.final.pumped_nl
