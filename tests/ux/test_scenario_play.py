"""Playing scenarios: on the C core, through the emulator, and `pyemu run`."""
import re
import subprocess
import sys

import pytest

from pyemu.therapy.scenario import REASONS, load_scenario, parse_scenario, shipped_scenarios
from pyemu.therapy.player import play
from pyemu.therapy.targets import CoreTarget

HEAD = '''
[[step]]
at = "0s"
do = "refill"
volume = "20mL"
drug = "morphine"
concentration = "10mg/mL"

[[step]]
at = "1h"
do = "prescribe"
drug = "morphine"
concentration = "10mg/mL"
rate = "0.5mL/day"
max_dose_24h = "8mg"
'''


FAULT = HEAD + '''
[[step]]
at = "2d"
do = "fault"
kind = "motor_stall"

[[step]]
at = "2d 2h"
do = "check"
raised = ["motor_stall"]
alarms = ["motor_stall"]
pumped = { max = "1mL" }

[[step]]
at = "2d 3h"
do = "bolus"
volume = "50uL"
duration = "10min"
expect_refused = "stalled"

[[step]]
at = "2d 4h"
do = "clear_fault"
kind = "motor_stall"

[[step]]
at = "2d 4h"
do = "ack"

[[step]]
at = "3d"
do = "check"
state = "running"
no_alarms = ["motor_stall"]
'''


def test_reason_names_follow_the_core():
    from pyemu.pump import core
    assert list(REASONS) == [core.REASONS[c][0].lower() for c in range(len(core.REASONS))]


@pytest.mark.parametrize("name", [n for n in shipped_scenarios() if not load_scenario(n).needs_plant])
def test_shipped_scenario_passes_on_the_core(name):
    res = play(load_scenario(name), CoreTarget())
    assert res.outcomes and res.passed, [f"{o.step.label()}: {o.what} -- {o.detail}"
                                         for o in res.failures]


def test_wrong_expectations_fail_with_what_happened():
    """Each kind of expectation can fail, and says what was found instead."""
    text = HEAD + '''
[[step]]
at = "2h"
do = "patient_bolus"
expect_refused = "lockout"

[[step]]
at = "3h"
do = "bolus"
volume = "10uL"
duration = "10min"
expect_refused = "dose_limit"

[[step]]
at = "4h"
do = "resume"

[[step]]
at = "10d"
do = "check"
state = "suspended"
alarms = ["low_reservoir"]
raised = ["eri"]
reservoir = { max = "1mL" }
delivered = { min = "100mg" }
battery = { max = 50 }
'''
    res = play(parse_scenario(text, "bad.toml"), CoreTarget())
    fails = {(o.step.index, o.what): o.detail for o in res.failures}
    assert set(fails) == {
        (3, "refused with lockout"), (4, "refused with dose_limit"), (5, "accepted"),
        (6, "state suspended"), (6, "alarm low_reservoir active"),
        (6, "alarm eri raised since the previous check"), (6, "reservoir at most 1mL"),
        (6, "delivered at least 100mg"), (6, "battery at most 50 %")}
    assert fails[(3, "refused with lockout")] == "refused with pb_disabled"
    assert fails[(4, "refused with dose_limit")] == "accepted"
    assert fails[(5, "accepted")] == "refused: not_suspended"
    assert fails[(6, "state suspended")] == "state running"
    assert fails[(6, "alarm low_reservoir active")] == "active: none"
    assert fails[(6, "alarm eri raised since the previous check")] == "raised: none"
    assert fails[(6, "reservoir at most 1mL")].startswith("reservoir is 15,0")
    assert fails[(6, "battery at most 50 %")].startswith("battery 9")
    assert len(res.outcomes) == 2 + 3 + 6   # 2 setup commands, 3 commands, 6 checks
    assert not res.passed


def pyemu(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "pyemu", *args], capture_output=True,
                          text=True, timeout=timeout)


def test_run_through_the_emulator_records_and_reports(tmp_path):
    """`pyemu run demo` on an emulated pump over a pty, recorded; report and
    monitor read the recording back."""
    rec = tmp_path / "demo.jsonl"
    r = pyemu("run", "demo", "--record", str(rec))
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"^PASS: (\d+) of (\d+) expectations met$", r.stdout, re.M)
    assert m and m.group(1) == m.group(2) and int(m.group(1)) > 300, r.stdout

    r = pyemu("report", str(rec), "--out", str(tmp_path / "img"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "img" / "timeline.png").read_bytes()[:4] == b"\x89PNG"

    from pyemu.cli.monitor import MonitorState, render_text, replay_recording
    from pyemu.therapy.timeline import timeline_from_recording
    tl = timeline_from_recording(rec)
    # alarm onsets come from the event log the session read: the same instants
    # as on the in-process core
    from pyemu.therapy.timeline import timeline_of
    assert tl.alarm_marks == timeline_of(load_scenario("demo")).alarm_marks
    assert [n for _, n in tl.alarm_marks] == ["low_reservoir", "reservoir_empty"]
    s = MonitorState(str(rec))
    replay_recording(s, str(rec), sleep=lambda _: None)
    screen = render_text(s, width=100, height=34)
    log = [m for _, m in s.events]
    raised = [m for m in log if "alarm" in m.lower() and "clear" not in m and "ack" not in m]
    assert len(raised) == 2 and "low reservoir" in raised[0] and "empty" in raised[1], raised
    assert sum(m.startswith("refilled with 20 mL") for m in log) == 4   # each entry once
    assert "end of recording" in screen and "day 182 00:00:00" in screen


def test_run_exit_status_on_failure_and_on_a_bad_file(tmp_path):
    bad_expect = tmp_path / "fails.toml"
    bad_expect.write_text(HEAD + '\n[[step]]\nat = "1d"\ndo = "check"\nstate = "stopped"\n')
    r = pyemu("run", str(bad_expect), "--target", "core")
    assert r.returncode == 1
    assert "FAIL  step 3 (check at 1d): state stopped -- state running" in r.stdout

    broken = tmp_path / "broken.toml"
    broken.write_text(HEAD.replace('rate = "0.5mL/day"', 'rate = "0.5mL"'))
    r = pyemu("run", str(broken), "--target", "core")
    assert r.returncode == 2
    assert f"{broken}:14: step 2 field 'rate'" in r.stderr

    r = pyemu("run", "demo", "--target", "socket://127.0.0.1:1")
    assert r.returncode == 3 and "pyemu run:" in r.stderr


def test_run_on_the_board_firmware_in_qemu():
    """The same scenario file against the board build of the same C, in QEMU.

    Needs arm-none-eabi-gcc and qemu-system-arm: fails in CI (which installs
    them) and is skipped elsewhere when they are missing.
    """
    from pyemu.host import hil
    from tool_check import need_tool

    need_tool(hil.CROSS_CC)
    need_tool(hil.QEMU)
    r = pyemu("run", "morphine_pca", "--target", "qemu")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS: 34 of 34 expectations met" in r.stdout


@pytest.mark.parametrize("name", [n for n in shipped_scenarios() if n != "demo"])
def test_shipped_scenario_passes_through_the_emulator(pyemu_scenario, name):
    """Every action of the shipped files, as frames over a pty (the plugin's fixture)."""
    res = pyemu_scenario(name)
    assert res.outcomes and res.passed, [f"{o.step.label()}: {o.what} -- {o.detail}"
                                         for o in res.failures]


def test_motor_stall_fault_on_core_and_emulator(pyemu_scenario, tmp_path):
    """Inject, see the alarm and the refusal, clear, acknowledge: same on both targets."""
    path = tmp_path / "fault.toml"
    path.write_text(FAULT)
    on_core = play(load_scenario(str(path)), CoreTarget())
    on_emulator = pyemu_scenario(str(path))
    for res in (on_core, on_emulator):
        assert res.passed, [f"{o.step.label()}: {o.what} -- {o.detail}" for o in res.failures]
        assert [n for _, n in res.alarms_raised] == ["motor_stall"]
    assert [(o.step.index, o.what) for o in on_core.outcomes] == \
        [(o.step.index, o.what) for o in on_emulator.outcomes]


EXACT = '''
[[step]]
at = "0s"
do = "refill"
volume = "1mL"
drug = "baclofen"
concentration = "1mg/mL"

[[step]]
at = "1h"
do = "prescribe"
drug = "baclofen"
concentration = "1mg/mL"
dose = "260ug/day"
max_dose_24h = "600ug"
low_reservoir = "0.5mL"

[[step]]
at = "1h"
do = "check"
state = "running"
rate = { min = "0.26mL/day", max = "0.26mL/day" }
reservoir = { min = "1mL", max = "1mL" }

[[step]]
at = "10d"
do = "check"
state = "halted"
alarms = ["reservoir_empty"]
rate = { max = "0mL/day" }
'''


def test_checks_compare_exact_integers_and_agree_on_both_targets(pyemu_scenario, tmp_path):
    """A bound equal to the pump's exact value passes (0.26 mL/day is 10.8333... uL/h,
    which a rounded readable unit would miss), and a halted pump reads "halted"
    through the emulator as on the core."""
    path = tmp_path / "exact.toml"
    path.write_text(EXACT)
    for res in (play(load_scenario(str(path)), CoreTarget()), pyemu_scenario(str(path))):
        assert res.passed, [f"{o.step.label()}: {o.what} -- {o.detail}" for o in res.failures]
        assert len(res.outcomes) == 2 + 3 + 3


# ---------------------------------------------------------------- issue 12: clinical steps
def _shipped_text(name: str) -> str:
    from pathlib import Path
    import pyemu.scenarios
    return (Path(pyemu.scenarios.__file__).parent / f"{name}.toml").read_text()


def test_a_wrong_reconciliation_verdict_fails_and_says_what_the_pump_found():
    """The shipped late-refill scenario's verdicts are expectations: swap one and the
    step fails with the pump's figures."""
    text = _shipped_text("late_refill_reconciliation").replace(
        'expect_verdict = "possible_over_infusion"', 'expect_verdict = "within_tolerance"')
    res = play(parse_scenario(text), CoreTarget())
    (bad,) = res.failures
    assert bad.what == "reconciliation verdict within_tolerance"
    assert "possible_over_infusion" in bad.detail and "expected 4000 uL" in bad.detail
    assert [r.verdict_name for _, r in res.reconciliations] == [
        "within_tolerance", "possible_over_infusion", "possible_under_infusion"]


def test_expired_drug_and_soft_limit_scenarios_fail_without_the_behaviour():
    """Without DRUG_EXPIRED (a drug with no stability time) the expired-drug checks fail;
    a soft-limit prescription confirmed twice still fails where a refusal is expected."""
    no_expiry = _shipped_text("drug_expired").replace('"morphine"', '"other"')
    res = play(parse_scenario(no_expiry), CoreTarget())
    assert any("drug_expired" in o.what for o in res.failures)
    unconfirmed = _shipped_text("soft_limit_confirm").replace(
        'max_dose_24h = "12mg"\nconfirm_soft_limit = true', 'max_dose_24h = "12mg"')
    res = play(parse_scenario(unconfirmed), CoreTarget())
    assert any(o.detail == "refused: soft_limit" for o in res.failures)


def test_configure_and_resound_steps_reach_the_pump():
    text = '''[scenario]
name = "implant"
[[step]]
at = "0s"
do = "configure"
catheter_length = "60cm"
catheter_ul_per_cm = 2.6
tubing = "100uL"

[[step]]
at = "1s"
do = "resound"
interval = "1min"
expect_refused = "limit_range"
note = "1 min is allowed: this must fail"
'''
    target = CoreTarget()
    res = play(parse_scenario(text), target)
    assert target.pump.status().dead_volume_nl == 256_000
    assert target.pump.status().resound_ms == 60_000
    assert [o.passed for o in res.outcomes] == [True, False]
