"""``pyemu ctl`` against an emulator on a pty: every command, the --json shapes, refusals,
no device, and usage errors. The CLI runs in-process (``pyemu.cli.main``)."""
import json

import pytest

from pyemu.cli import EXIT_LINK, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, main
from pyemu.transport import open_transport

ALARMS = {"low_reservoir", "reservoir_empty", "eri", "eos", "motor_stall", "dose_limit", "memory_error"}


@pytest.fixture
def ctl(shared_emulator, capsys):
    """ctl(*args) -> (exit status, stdout, stderr) for a command on the shared emulator."""
    def run(*args, json_out=False):
        argv = ["ctl", "--port", shared_emulator.port, "--timeout", "5s"]
        argv += ["--json"] if json_out else []
        status = main(argv + list(args))
        out, err = capsys.readouterr()
        return status, out, err
    return run


def one_json(out):
    """stdout must hold exactly one JSON object."""
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out
    obj = json.loads(lines[0])
    assert isinstance(obj, dict)
    return obj


def setup_pump(ctl):
    assert ctl("refill", "--volume", "20mL", "--drug", "baclofen", "--concentration", "2mg/mL")[0] == 0
    status, out, err = ctl("prescribe", "--drug", "baclofen", "--concentration", "2000ug/mL",
                           "--rate", "0.5mL/day", "--max-dose", "2mg", "--pb-volume", "25uL",
                           "--pb-lockout", "4h", "--pb-max", "4", "--pb-duration", "10min")
    assert status == EXIT_OK, err


def test_status_json_has_the_documented_fields(ctl):
    setup_pump(ctl)
    status, out, _ = ctl("status", json_out=True)
    assert status == EXIT_OK
    obj = one_json(out)
    assert obj["ok"] is True and obj["command"] == "status"
    for key, kind in [("sim_time_s", (int, float)), ("state", str), ("rate_ul_per_h", (int, float)),
                      ("reservoir_ul", (int, float)), ("pumped_ul", (int, float)),
                      ("delivered_ug", (int, float)), ("battery_pct", (int, float)),
                      ("days_to_eri", int), ("alarms", list)]:
        assert isinstance(obj[key], kind), key
    assert obj["state"] in ("running", "suspended", "stopped")
    assert set(obj["alarms"]) <= ALARMS
    assert obj["rate_ul_per_h"] == pytest.approx(500 / 24)
    assert obj["reservoir_ul"] == obj["reservoir_nl"] / 1000


def test_status_for_people(ctl):
    setup_pump(ctl)
    status, out, _ = ctl("status")
    assert status == EXIT_OK
    assert "reservoir" in out and "battery" in out and "0.5 mL/day" in out


SESSION = [
    (("hello",), "model"),
    (("advance", "2h"), "sim_time_s"),
    (("prime", "--volume", "50uL", "--duration", "30min"), "volume_nl"),
    (("cancel-bolus",), None),
    (("bolus", "--dose", "50ug", "--duration", "30min"), "volume_nl"),
    (("cancel-bolus",), None),
    (("suspend",), None),
    (("resume",), None),
    (("patient-bolus",), None),
    (("fault", "motor-stall"), "fault"),
    (("advance", "1h"), "alarms"),
    (("alarms",), "alarms"),
    (("ack", "motor_stall"), "acked"),
    (("fault", "motor-stall", "--clear"), "fault"),
    (("ack",), "acked"),
    (("clock", "--unix-ms", "1700000000000"), None),
    (("events", "--last", "12"), "events"),
]


def test_every_command_succeeds_and_prints_one_json_object(ctl):
    """A session using every ctl command once on one pump; each succeeds with one JSON object."""
    setup_pump(ctl)
    for args, key in SESSION:
        status, out, err = ctl(*args, json_out=True)
        assert status == EXIT_OK, (args, err)
        obj = one_json(out)
        assert obj["ok"] is True and obj["command"] == args[0]
        if key:
            assert key in obj, args
    status, out, _ = ctl("events", "--last", "30", json_out=True)
    kinds = {e["kind"] for e in one_json(out)["events"]}
    assert {"bolus_start", "bolus_cancelled", "suspended", "resumed", "patient_granted",
            "fault_injected", "alarm_acked", "fault_cleared", "clock_set"} <= kinds


def test_bolus_by_dose_is_converted_with_the_reservoir_concentration(ctl):
    setup_pump(ctl)
    status, out, _ = ctl("bolus", "--dose", "50ug", "--duration", "1h", json_out=True)
    assert status == EXIT_OK
    assert one_json(out)["volume_nl"] == 25_000  # 50 ug at 2000 ug/mL
    assert ctl("cancel-bolus")[0] == EXIT_OK


def test_prescribe_a_daily_schedule_and_by_dose(ctl):
    status, out, err = ctl("refill", "--volume", "20mL", "--drug", "morphine", "--concentration", "10mg/mL")
    assert status == EXIT_OK, err
    status, _, err = ctl("prescribe", "--drug", "morphine", "--concentration", "10mg/mL",
                         "--step", "00:00=0.2mL/day", "--step", "08:00=0.4mL/day",
                         "--step", "20:00=0.3mL/day", "--max-dose", "10mg")
    assert status == EXIT_OK, err
    status, _, err = ctl("prescribe", "--drug", "morphine", "--concentration", "10mg/mL",
                         "--dose", "3mg/day", "--max-dose", "5mg/day")
    assert status == EXIT_OK, err
    status, out, _ = ctl("status", json_out=True)
    assert one_json(out)["basal_nl_per_day"] == 300_000  # 3 mg/day at 10 mg/mL


def test_events_read_the_log_for_people(ctl):
    setup_pump(ctl)
    status, out, _ = ctl("events", "--last", "3")
    assert status == EXIT_OK
    assert "prescription programmed" in out
    assert len(out.strip().splitlines()) == 3


def test_a_refused_command_exits_1_and_prints_the_reason(ctl):
    setup_pump(ctl)
    status, out, err = ctl("refill", "--volume", "30mL", "--drug", "baclofen", "--concentration", "2mg/mL")
    assert status == EXIT_REFUSED
    assert "E_OVERFILL" in err and "more than the reservoir holds" in err
    assert out == ""
    status, out, err = ctl("refill", "--volume", "30mL", "--drug", "baclofen",
                           "--concentration", "2mg/mL", json_out=True)
    assert status == EXIT_REFUSED
    obj = one_json(out)
    assert obj["ok"] is False and obj["reason"] == "E_OVERFILL" and obj["code"] == 14


def test_no_device_answering_is_a_clear_message_not_a_traceback(capsys):
    silent = open_transport("pty")  # a line nobody serves
    try:
        status = main(["ctl", "--port", silent.peer, "--timeout", "50ms", "--retries", "1", "status"])
    finally:
        silent.close()
    out, err = capsys.readouterr()
    assert status == EXIT_LINK
    assert "no reply from" in err and "pyemu serve" in err
    assert "Traceback" not in err + out


def test_a_missing_port_is_a_clear_message(capsys, tmp_path):
    status = main(["ctl", "--port", str(tmp_path / "nothing"), "--json", "status"])
    out, err = capsys.readouterr()
    assert status == EXIT_LINK
    assert "does not exist" in err and one_json(out)["ok"] is False


@pytest.mark.parametrize("argv, says", [
    (["ctl", "--port", "x", "prescribe", "--drug", "baclofen", "--concentration", "2mg",
      "--rate", "0.5mL/day", "--max-dose", "1mg"], "2mg/mL"),
    (["ctl", "--port", "x", "advance", "30"], "30d"),
    (["ctl", "--port", "x", "bolus", "--volume", "0.1mg", "--duration", "1h"], "1.5mL"),
    (["ctl", "--port", "x", "prescribe", "--drug", "baclofen", "--concentration", "2mg/mL",
      "--step", "25:00=0.5mL/day", "--max-dose", "1mg"], "HH:MM"),
    (["ctl", "--port", "x", "refill", "--volume", "1,5mL", "--drug", "baclofen",
      "--concentration", "2mg/mL"], "decimal point"),
    (["serve", "--speed", "0"], "--speed"),
])
def test_wrong_units_are_usage_errors_with_an_example(capsys, argv, says):
    with pytest.raises(SystemExit) as info:
        code = main(argv)
        raise SystemExit(code)
    out, err = capsys.readouterr()
    assert info.value.code == EXIT_USAGE
    assert says in err


COMMANDS = ["serve", "ctl", "demo", "ctl hello", "ctl status", "ctl prescribe", "ctl bolus", "ctl prime",
            "ctl patient-bolus", "ctl cancel-bolus", "ctl suspend", "ctl resume", "ctl refill",
            "ctl ack", "ctl events", "ctl alarms", "ctl advance", "ctl fault", "ctl clock"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(capsys, command):
    with pytest.raises(SystemExit) as info:
        main(command.split() + ["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: pyemu " + command)


def test_the_installed_command_reports_no_device_without_a_traceback():
    """`python -m pyemu` end to end (the console script calls the same main)."""
    import subprocess
    import sys

    silent = open_transport("pty")
    try:
        done = subprocess.run([sys.executable, "-m", "pyemu", "ctl", "--port", silent.peer, "--timeout",
                               "50ms", "--retries", "0", "--json", "status"],
                              capture_output=True, text=True, timeout=60)
    finally:
        silent.close()
    assert done.returncode == EXIT_LINK
    assert "no reply from" in done.stderr and "Traceback" not in done.stderr
    assert one_json(done.stdout)["error"] == "no_reply"
