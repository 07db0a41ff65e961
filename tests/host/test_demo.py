"""``pyemu demo`` (the README's ``make run``): the therapy it plays really happens on the pump."""
import pytest

from pyemu.cli import main
from pyemu.demo import PLAN, run_demo


@pytest.fixture(scope="module")
def demo():
    return run_demo()


def test_the_late_refill_runs_low_then_empty_and_the_refill_clears_it(demo):
    assert demo.alarms_seen[:2] == ["low_reservoir", "reservoir_empty"]
    texts = [text for _, text, _ in sorted(demo.timeline)]
    empty_at = next(t for t, text, _ in demo.timeline if text.startswith("ALARM reservoir empty"))
    late_refill_day = PLAN.refills[-1][0]
    assert empty_at < late_refill_day * 86_400_000
    assert "alarm cleared: reservoir empty" in texts
    assert demo.final.alarm_names == []
    assert demo.final.state_name == "running"


def test_patient_boluses_are_given_daily_and_some_refused_for_lockout(demo):
    granted = sum(m.granted for m in demo.months)
    lockout = sum(m.denied.get("lockout", 0) for m in demo.months)
    assert len(demo.months) == 6
    assert granted > 300
    assert lockout >= 10


def test_volumes_balance_exactly_and_refills_happened(demo):
    f = demo.final
    assert demo.filled_nl == PLAN.fill_nl * (1 + len(PLAN.refills))
    assert demo.filled_nl - demo.discarded_nl - f.pumped_nl - f.reservoir_nl == 0
    assert f.now_ms == PLAN.days * 86_400_000
    assert 0 < f.days_to_eri and f.battery_permille < 1000


def test_demo_command_prints_what_a_clinician_reads(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    for heading in ("Timeline", "Month by month", "Volumes", "Battery", "ALARM reservoir empty",
                    "patient bolus refused (lockout)", "difference 0 nL"):
        assert heading in out, heading
