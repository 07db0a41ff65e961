"""``pyemu ctl fault`` for the physical plant and ``pyemu ctl truth`` (issue 13), on an
emulator serving --test-features, and the refusal without test features."""
import json

import pytest

from pyemu.cli.common import EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from pyemu.cli.main import main
from pyemu.host.emulator import ServeProcess


def _runner(port, capsys):
    def run(*args, json_out=False):
        argv = ["ctl", "--port", port, "--timeout", "5s"] + (["--json"] if json_out else [])
        status = main(argv + list(args))
        out, err = capsys.readouterr()
        return status, out, err
    return run


@pytest.fixture
def ctl(shared_emulator, capsys):
    return _runner(shared_emulator.port, capsys)


def truth(ctl) -> dict:
    status, out, err = ctl("truth", json_out=True)
    assert status == EXIT_OK, err
    obj = json.loads(out)
    assert obj["ok"] is True and obj["command"] == "truth"
    return obj


def test_truth_json_has_the_documented_fields(ctl):
    obj = truth(ctl)
    for key, kind in [("reservoir_ul", (int, float)), ("intrathecal_ug", (int, float)),
                      ("tissue_ug", (int, float)), ("held_ug", (int, float)), ("catheter", str),
                      ("flow_error_pct", (int, float)), ("faults", list), ("mri", str),
                      ("reservoir_nl", int), ("intrathecal_pg", int), ("tissue_pg", int)]:
        assert isinstance(obj[key], kind), key
    assert obj["catheter"] in ("patent", "occluded", "leaking", "disconnected")


def test_each_plant_fault_is_injected_and_cleared_from_the_command_line(ctl):
    assert ctl("fault", "flow_error", "--percent", "+20")[0] == EXIT_OK
    assert truth(ctl)["flow_error_pct"] == 20
    assert ctl("fault", "flow_error", "--percent", "-5", "--drift-to", "+10", "--over", "30d")[0] == EXIT_OK
    assert truth(ctl)["flow_error_pct"] == -5
    assert ctl("fault", "leak", "--percent", "50")[0] == EXIT_OK
    obj = truth(ctl)
    assert obj["catheter"] == "leaking" and obj["leak_pct"] == 50
    assert ctl("fault", "occlusion", "--stall-after", "100")[0] == EXIT_OK
    assert truth(ctl)["catheter"] == "occluded"
    assert ctl("fault", "pocket_fill")[0] == EXIT_OK
    status, out, err = ctl("fault", "mri", "--duration", "45min", "--recovery", "delay", "--delay", "2h",
                           json_out=True)
    assert status == EXIT_OK, err
    assert json.loads(out)["duration_ms"] == 2_700_000 and json.loads(out)["delay_ms"] == 7_200_000
    assert truth(ctl)["mri"] == "scanning"
    for kind in ("mri", "occlusion", "pocket_fill", "flow_error"):
        assert ctl("fault", "clear", kind)[0] == EXIT_OK, kind
    obj = truth(ctl)
    assert obj["faults"] == [] and obj["catheter"] == "patent" and obj["mri"] == "none"


def test_clearing_an_absent_plant_fault_is_refused_with_the_reason(ctl):
    status, _, err = ctl("fault", "clear", "disconnect")
    assert status == EXIT_REFUSED and "no_fault" in err


@pytest.mark.parametrize("args,says", [
    (("fault", "flow_error"), "flow_error needs --percent"),
    (("fault", "mri", "--duration", "45min", "--percent", "3"), "--percent do(es) not apply to mri"),
    (("fault", "mri", "--duration", "45min", "--recovery", "delay"), "--recovery delay goes with --delay"),
    (("fault", "flow_error", "--percent", "20", "--drift-to", "30"), "needs both --drift-to"),
    (("fault", "clear"), "which fault?"),
    (("fault", "clear", "bogus"), "not a fault"),
    (("fault", "leak", "--percent", "50", "--clear", "--stall-after", "3"), "do(es) not apply to clearing"),
])
def test_plant_fault_usage_errors_say_what_to_write(ctl, args, says):
    status, _, err = ctl(*args)
    assert status == EXIT_USAGE and says in err, err


def test_a_parameter_out_of_range_is_the_pumps_refusal(ctl):
    status, _, err = ctl("fault", "mri", "--duration", "25h")
    assert status == EXIT_REFUSED and "bad_field" in err


def test_truth_and_plant_faults_are_refused_without_test_features(capsys):
    with ServeProcess("--port", "pty", "--clock", "manual", "--quiet") as emu:
        ctl = _runner(emu.port, capsys)
        status, out, err = ctl("truth", json_out=True)
        assert status == EXIT_REFUSED
        obj = json.loads(out)
        assert obj["ok"] is False and obj["reason"] == "unsupported" and "--test-features" in obj["text"]
        assert ctl("fault", "occlusion")[0] == EXIT_REFUSED


@pytest.mark.parametrize("args,says", [
    (("fault", "leak", "--percent", "-5"), "--percent: a leak of more than 0 and less than 100 %"),
    (("fault", "flow_error", "--percent", "-150"), "--percent: a flow error of -100 to +100 %"),
    (("fault", "flow_error", "--percent", "5", "--drift-to", "10", "--over", "50d"),
     "--over: 1 day to 49 days"),
])
def test_a_value_the_message_cannot_carry_is_a_usage_error_with_the_range(ctl, args, says):
    """A value that does not fit PLANT_FAULT's fields is refused before sending, in the
    option's words (not the codec's `does not fit u32`), exit 2."""
    status, _, err = ctl(*args)
    assert status == EXIT_USAGE and says in err, err
    assert "u32" not in err


@pytest.mark.parametrize("args,says", [
    (("fault", "mri", "--duration", "25h"), "--duration 1min to 24h"),
    (("fault", "mri", "--duration", "45min", "--recovery", "delay", "--delay", "0s"), "--delay 1min to 7d"),
    (("fault", "leak", "--percent", "150"), "--percent more than 0 and less than 100"),
    (("fault", "flow_error", "--percent", "0"), "0 % is no flow error"),
    (("fault", "flow_error", "--percent", "5", "--drift-to", "10", "--over", "12h"), "--over 1d to 49d"),
])
def test_a_refused_plant_fault_says_what_the_pump_accepts(ctl, args, says):
    """The pump's bad_field alone names no option: the refusal adds the fault's accepted values."""
    status, _, err = ctl(*args)
    assert status == EXIT_REFUSED and "bad_field" in err and says in err, err


def test_a_second_mri_while_one_is_under_way_says_to_clear_it(ctl):
    assert ctl("fault", "mri", "--duration", "45min")[0] == EXIT_OK
    try:
        status, _, err = ctl("fault", "mri", "--duration", "45min")
        assert status == EXIT_REFUSED and "fault clear mri" in err, err
    finally:
        assert ctl("fault", "clear", "mri")[0] == EXIT_OK


def test_the_plant_limits_named_to_users_are_the_firmwares():
    """Invariant: the limits the CLI names (pyemu.pump.records) equal plant.h's #defines."""
    import re
    from pathlib import Path

    from pyemu.pump import records
    header = (Path(__file__).resolve().parents[2] / "firmware" / "plant" / "plant.h").read_text()
    defines = {m[1]: int(m[2]) for m in re.finditer(r"#define\s+(PLANT_\w+)\s+(\d+)u", header)}
    for name in ("PLANT_FACTOR_MAX_PPM", "PLANT_STALL_AFTER_MAX", "PLANT_MRI_MIN_MS", "PLANT_MRI_MAX_MS",
                 "PLANT_MRI_DELAY_MAX_MS"):
        assert getattr(records, name) == defines[name], name
    assert records.PLANT_DRIFT_MIN_MS == defines["PLANT_DAY_MS"]


def _help(capsys, *argv) -> str:
    with pytest.raises(SystemExit):
        main(list(argv) + ["--help"])
    return capsys.readouterr().out


def test_serve_help_says_test_features_also_open_the_plant(capsys):
    """--test-features is what `fault flow_error` and `truth` need: its help must say so."""
    text = " ".join(_help(capsys, "serve").split())
    assert "physical plant" in text and "truth" in text


def test_fault_help_examples_parse(capsys):
    """`pyemu ctl fault --help` shows examples of the plant faults; each one parses as printed."""
    import shlex
    from pyemu.cli.main import build_parser

    text = _help(capsys, "ctl", "fault")
    examples = [line.split("#")[0].strip() for line in text.splitlines() if line.strip().startswith("pyemu ctl")]
    kinds = {shlex.split(e)[3] for e in examples}
    assert {"flow_error", "occlusion", "leak", "pocket_fill", "mri", "clear"} <= kinds, examples
    for example in examples:
        args = build_parser().parse_args(shlex.split(example)[1:])
        assert args.ctl_command == "fault", example


def test_the_readme_names_every_shipped_scenario():
    """The README's list of shipped scenarios is the package's (pyemu run --help lists them)."""
    from pathlib import Path
    from pyemu.therapy.scenario import shipped_scenarios

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Therapy scenarios", 1)[1].split("```", 1)[0]
    missing = [name for name in shipped_scenarios() if f"`{name}`" not in section]
    assert not missing, missing
