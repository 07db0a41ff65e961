"""Scenario files: shipped ones parse; every error names the line and field."""
import pytest

from pyemu.therapy.scenario import (ScenarioError, format_time, load_scenario, parse_scenario,
                            shipped_scenarios)

GOOD = '''\
[scenario]
name = "t"

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
max_dose_24h = "10mg"
dose = "5mg/day"
[step.patient_bolus]
volume = "20uL"
duration = "5min"
lockout = "4h"
max_per_24h = 4

[[step]]
at = "1d"
every = "2h"
times = 3
do = "patient_bolus"
expect_refused = "lockout"

[[step]]
at = "2d"
do = "check"
alarms = ["low_reservoir"]
reservoir = { min = "1mL", max = "3mL" }
'''


def replace(old, new):
    assert old in GOOD
    return GOOD.replace(old, new, 1)


def error_of(text):
    with pytest.raises(ScenarioError) as ei:
        parse_scenario(text, "x.toml")
    return ei.value


def test_good_file_expands_repetitions_in_time_order():
    sc = parse_scenario(GOOD, "x.toml")
    assert [(s.index, s.action, s.at_ms) for s in sc.steps] == [
        (1, "refill", 0), (2, "prescribe", 3_600_000),
        (3, "patient_bolus", 86_400_000), (3, "patient_bolus", 93_600_000),
        (3, "patient_bolus", 100_800_000), (4, "check", 172_800_000)]
    rx = sc.steps[1].args
    assert rx["steps"] == [(0, 500_000)]       # 5 mg/day at 10 mg/mL = 0.5 mL/day
    assert rx["pb_enabled"] and rx["pb_volume_nl"] == 20_000
    assert rx["pb_lockout_ms"] == 4 * 3_600_000 and rx["pb_max_per_24h"] == 4
    assert sc.steps[2].expect_refused == "lockout"
    assert sc.steps[-1].args["reservoir"] == (1_000_000, 3_000_000)


@pytest.mark.parametrize("old,new,line,field", [
    ('volume = "20mL"', 'volume = "20 litres"', 7, "volume"),
    ('volume = "20mL"', 'volume = 20', 7, "volume"),
    ('dose = "5mg/day"', 'dose = "5mg"', 17, "dose"),
    ('lockout = "4h"', 'lockout = "4 apples"', 21, "patient_bolus.lockout"),
    ('lockout = "4h"', 'lockot = "4h"', 21, "patient_bolus.lockot"),
    ('max_per_24h = 4', 'max_per_24h = 0', 22, "patient_bolus.max_per_24h"),
    ('expect_refused = "lockout"', 'expect_refused = "lockedout"', 29, "expect_refused"),
    ('times = 3', 'times = -1', 27, "times"),
    ('do = "check"', 'do = "chek"', 33, "do"),
    ('alarms = ["low_reservoir"]', 'alarms = []', 34, "alarms"),
    ('alarms = ["low_reservoir"]', 'alarms = ["low_resevoir"]', 34, "alarms"),
    ('max = "3mL"', 'max = "3"', 35, "reservoir.max"),
    ('max = "3mL"', 'max = "0.5mL"', 35, "reservoir"),
    ('drug = "morphine"\nconcentration = "10mg/mL"\nmax_dose',
     'drug = "morfine"\nconcentration = "10mg/mL"\nmax_dose', 14, "drug"),
    ('at = "2d"', 'at = "2d"\ncolour = "red"', 33, "colour"),
])
def test_error_names_line_and_field(old, new, line, field):
    err = error_of(replace(old, new))
    assert err.line == line, str(err)
    assert f"field {field!r}" in str(err)
    assert str(err).startswith(f"x.toml:{line}: step ")


def test_missing_required_field_names_the_step_line():
    err = error_of(replace('volume = "20mL"\n', ''))
    assert err.line == 4 and "needs field 'volume'" in str(err)


def test_schedule_entry_error_points_at_the_entry_line():
    text = replace('dose = "5mg/day"', 'schedule = [\n  { start = "00:00", rate = "1mL/day" },\n'
                   '  { start = "25:00", rate = "1mL/day" },\n]')
    err = error_of(text)
    assert err.line == 19 and "entry 2" in str(err) and "'schedule'" in str(err)


def test_two_ways_to_give_a_rate_is_an_error():
    err = error_of(replace('dose = "5mg/day"', 'dose = "5mg/day"\nrate = "1mL/day"'))
    assert "exactly one of" in str(err)


def test_toml_syntax_error_keeps_its_line():
    err = error_of(replace('times = 3', 'times = = 3'))
    assert err.line == 27 and "not valid TOML" in str(err)


def test_no_steps():
    assert "no steps" in str(error_of('[scenario]\nname = "x"\n'))


def test_every_shipped_scenario_parses():
    names = shipped_scenarios()
    assert {"demo", "baclofen_flex", "morphine_pca", "concentration_change",
            "battery_eos"} <= set(names)
    for name in names:
        sc = load_scenario(name)
        assert sc.steps and any(s.action == "check" or s.expect_refused for s in sc.steps), name


def test_unknown_shipped_name_lists_the_shipped_ones():
    with pytest.raises(ScenarioError, match="baclofen_flex"):
        load_scenario("nonesuch")


def test_format_time_compound():
    assert format_time(35 * 86_400_000 + 3_600_000) == "35d 1h"
    assert format_time(0) == "0s" and format_time(90_000) == "1min 30s"
    assert format_time(1_500) == "1s 500ms"
