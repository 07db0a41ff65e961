"""One face for the CLI: --json keeps its promise on usage errors, error lines name
the subcommand, pipes closed early are quiet, bad targets are usage errors, the
demo on a given pump says so and refuses a pump that is not new."""
import os
import subprocess
import sys

import pytest

from pyemu.cli.common import EXIT_LINK, EXIT_OK, EXIT_USAGE
from pyemu.cli.main import main
from json_out import one_json
from pyemu.host.emulator import ServeProcess


def run_main(argv, capsys):
    try:
        status = main(argv)
    except SystemExit as exc:       # argparse's way out
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.parametrize("argv, command", [
    (["ctl", "--port", "/dev/null", "--json", "advance", "lots"], "ctl advance"),
    (["ctl", "--json", "--port", "/dev/null", "no-such-command"], "ctl"),
    (["hil", "--json", "--speed", "fast"], "hil"),
    (["run", "demo", "--json", "--no-such-option"], "run"),
])
def test_usage_errors_under_json_print_one_json_object(capsys, argv, command):
    """With --json a usage error is still one object on stdout: ok=false, error, usage."""
    status, out, err = run_main(argv, capsys)
    assert status == EXIT_USAGE
    obj = one_json(out)
    assert obj["ok"] is False
    assert obj["command"] == command
    assert obj["error"] and "usage:" in obj["usage"]


def test_usage_errors_without_json_stay_text(capsys):
    status, out, err = run_main(["ctl", "--port", "/dev/null", "advance", "lots"], capsys)
    assert status == EXIT_USAGE and out == "" and "pyemu ctl advance: error:" in err


@pytest.mark.parametrize("argv, prefix", [
    (["serve", "--port", "pty", "--clock", "manual", "--speed", "2"], "pyemu serve: "),
    (["keys", "show", "/nonexistent/pump.keys"], "pyemu keys: "),
])
def test_error_lines_name_the_subcommand(capsys, argv, prefix):
    status, out, err = run_main(argv, capsys)
    assert status != EXIT_OK
    assert err.startswith(prefix), err


def test_hil_json_has_ok_and_command(capsys):
    with ServeProcess.manual_pty() as emu:
        status, out, err = run_main(["hil", "--port", emu.port, "--json"], capsys)
    assert status == EXIT_OK, err
    obj = one_json(out)
    assert obj["ok"] is True and obj["command"] == "hil" and obj["port"] == emu.port
    assert obj["model"]


def test_hil_json_failure_is_one_object_with_ok_false(capsys, tmp_path):
    status, out, err = run_main(["hil", "--port", str(tmp_path / "no-such-tty"), "--json",
                                 "--timeout", "0.1"], capsys)
    assert status == EXIT_LINK
    obj = one_json(out)
    assert obj["ok"] is False and obj["command"] == "hil" and obj["error"] == "link"


@pytest.mark.parametrize("target", ["nonsense", "emulater", "qemu2"])
def test_a_bad_target_is_a_usage_error(capsys, target):
    status, out, err = run_main(["run", "demo", "--target", target], capsys)
    assert status == EXIT_USAGE
    assert "emulator, qemu, core" in err


def test_run_into_a_pipe_closed_early_exits_quietly():
    """`pyemu run demo | head -1`: the reader leaves; no traceback, no error line, status 0."""
    proc = subprocess.Popen([sys.executable, "-m", "pyemu", "run", "demo", "--target", "core", "-v"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()          # as `head -1` does after its line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert err == ""


def test_scenario_errors_list_fields_in_a_stable_order(tmp_path):
    """The same mistake gives the same message under any hash seed (fields sorted)."""
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\n[[step]]\nat = "1d"\ndo = "check"\n')
    code = ("from pyemu.therapy.scenario import load_scenario, ScenarioError\n"
            f"try:\n    load_scenario({str(bad)!r})\nexcept ScenarioError as e:\n    print(e)\n")
    messages = set()
    for seed in ("1", "2", "3", "4"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        messages.add(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                    text=True, check=True).stdout)
    assert len(messages) == 1, messages
    listed = messages.pop().split("at least one of: ")[1].strip().split(", ")
    assert listed == sorted(listed)


def test_keys_help_has_no_raw_markup(capsys):
    status, out, err = run_main(["keys", "--help"], capsys)
    assert status == 0
    assert "``" not in out and "::" not in out
    assert "pyemu keys create pump.keys" in out


def _new_pump_url(emu):
    return emu.port


def test_demo_on_a_pump_that_is_not_new_is_refused(capsys):
    with ServeProcess.manual_pty() as emu:
        assert main(["ctl", "--port", emu.port, "refill", "--volume", "5mL", "--drug", "baclofen",
                     "--concentration", "2mg/mL"]) == EXIT_OK
        capsys.readouterr()
        status, out, err = run_main(["demo", "--port", emu.port], capsys)
    assert status == EXIT_USAGE
    assert err.startswith("pyemu demo: ") and "not new" in err
    assert "FAIL" not in out and "UNEXPECTED" not in out


def test_demo_on_a_given_pump_says_where_it_plays(capsys):
    with ServeProcess.manual_pty() as emu:
        status, out, err = run_main(["demo", "--port", emu.port], capsys)
    assert status == EXIT_OK, err
    assert f"on the pump at {emu.port}" in out
    assert "child process" not in out
