"""``pyemu ctl`` against an emulator on a pty: every command, the --json shapes, refusals,
no device, and usage errors. The CLI runs in-process (``pyemu.cli.main.main``)."""
import json

import pytest

from pyemu.cli.common import EXIT_LINK, EXIT_OK, EXIT_REFUSED, EXIT_USAGE
from pyemu.cli.main import main
from json_out import one_json
from pyemu.link.transport import open_transport

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
    (("fault", "motor_stall"), "fault"),
    (("advance", "1h"), "alarms"),
    (("alarms",), "alarms"),
    (("ack", "motor_stall"), "acked"),
    (("fault", "motor-stall", "--clear"), "fault"),   # the old spelling still works
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
    assert "refused by the pump: overfill" in err and "more than the reservoir holds" in err
    assert out == ""
    status, out, err = ctl("refill", "--volume", "30mL", "--drug", "baclofen",
                           "--concentration", "2mg/mL", json_out=True)
    assert status == EXIT_REFUSED
    obj = one_json(out)
    assert obj["ok"] is False and obj["reason"] == "overfill" and obj["code"] == 14


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
            "ctl ack", "ctl events", "ctl alarms", "ctl advance", "ctl fault", "ctl clock", "ctl truth", "web"]


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


# -- issue 11 item 7: every numeric serve option is checked at parse time ----------------

U32 = 2**32 - 1


@pytest.mark.parametrize("argv, says", [
    (["serve", "--speed", "99999999999999"], "1..4294967295"),
    (["serve", "--speed", "4294967296"], "1..4294967295"),
    (["serve", "--speed", "-3"], "1..4294967295"),
    (["serve", "--speed", "fast"], "1..4294967295"),
    (["serve", "--serial-number", "-1"], "0..4294967295"),
    (["serve", "--serial-number", str(2**32)], "0..4294967295"),
    (["serve", "--telemetry-period", "31d"], "30d"),
    (["serve", "--telemetry-period", "-1s"], "negative"),
    (["serve", "--save-period", "-5s"], "negative"),
    (["serve", "--baud", "0"], "at least 1"),
    (["serve", "--baud", "-9600"], "at least 1"),
])
def test_out_of_range_serve_options_are_usage_errors_naming_the_range(capsys, argv, says):
    """Refused while parsing (exit 2, one sentence with the allowed range), before a
    pump or a port exists: never an OverflowError or AssertionError traceback."""
    with pytest.raises(SystemExit) as info:
        main(argv + ["--port", "loop://", "--quiet"])
    out, err = capsys.readouterr()
    assert info.value.code == EXIT_USAGE
    assert says in err
    assert "Traceback" not in err and "PORT" not in out


def test_the_option_limits_are_the_c_limits():
    """pyemu.cli.common holds the C limits as numbers (so --help needs no C extension); they must
    be the limits of the fields the values are stored in."""
    from pyemu.cli import common as cli
    from pyemu._core import ffi, lib

    def top(struct, field):
        return 2 ** (8 * ffi.sizeof(dict(ffi.typeof(struct).fields)[field].type)) - 1

    assert cli.CLOCK_SPEED_MAX == top("device_options_t", "clock_speed")
    assert cli.SERIAL_MAX == top("pump_config_t", "serial")
    assert cli.TELEMETRY_PERIOD_MAX_MS == int(lib.DEVICE_TELEMETRY_PERIOD_MAX_MS)
    opt = ffi.new("device_options_t *")
    opt.clock_speed = cli.CLOCK_SPEED_MAX          # fits
    with pytest.raises(OverflowError):
        opt.clock_speed = cli.CLOCK_SPEED_MAX + 1


def test_the_largest_serve_options_are_accepted(monkeypatch):
    """The limits are the C limits, not tighter: the largest speed, serial number and
    telemetry period reach serve() as given."""
    import pyemu.cli.serve

    seen = {}
    monkeypatch.setattr(pyemu.cli.serve, "serve", lambda args: seen.update(vars(args)) or 0)
    assert main(["serve", "--speed", str(U32), "--serial-number", str(U32),
                 "--telemetry-period", "30d"]) == EXIT_OK
    assert seen["speed"] == U32 and seen["serial_number"] == U32
    assert seen["telemetry_period"] == 30 * 86_400_000
    assert main(["serve", "--serial-number", "0", "--telemetry-period", "0s"]) == EXIT_OK
    assert seen["serial_number"] == 0


# -- issue 11 item 8: negative values reach our parser; counts are checked -------------------

@pytest.mark.parametrize("argv", [
    ["bolus", "--volume", "-1mL", "--duration", "1h"],
    ["bolus", "--volume", "0.1mL", "--duration", "-1h"],
    ["refill", "--volume", "-20mL", "--drug", "baclofen", "--concentration", "2mg/mL"],
    ["refill", "--volume", "20mL", "--drug", "baclofen", "--concentration", "-2mg/mL"],
    ["prescribe", "--drug", "baclofen", "--concentration", "2mg/mL", "--rate", "-0.5mL/day",
     "--max-dose", "1mg"],
    ["prescribe", "--drug", "baclofen", "--concentration", "2mg/mL", "--dose", "-300ug/day",
     "--max-dose", "1mg"],
    ["prescribe", "--drug", "baclofen", "--concentration", "2mg/mL", "--rate", "0.5mL/day",
     "--max-dose", "-1mg"],
    ["prescribe", "--drug", "baclofen", "--concentration", "2mg/mL", "--step", "-08:00=0.5mL/day",
     "--max-dose", "1mg"],
    ["prescribe", "--drug", "baclofen", "--concentration", "2mg/mL", "--rate", "0.5mL/day",
     "--max-dose", "1mg", "--pb-volume", "-25uL"],
    ["prescribe", "--drug", "baclofen", "--concentration", "2mg/mL", "--rate", "0.5mL/day",
     "--max-dose", "1mg", "--pb-dose", "-5ug"],
    ["prescribe", "--drug", "baclofen", "--concentration", "2mg/mL", "--rate", "0.5mL/day",
     "--max-dose", "1mg", "--low-reservoir", "-2mL"],
    ["prescribe", "--drug", "baclofen", "--concentration", "2mg/mL", "--rate", "0.5mL/day",
     "--max-dose", "1mg", "--pb-lockout", "-4h"],
    ["prime", "--volume", "-.5mL"],
    ["advance", "-1d"],
    ["--timeout", "-1s", "status"],
])
def test_negative_quantities_are_refused_in_our_words(capsys, argv):
    """A value starting with '-' reaches the unit parser (not argparse's "expected one
    argument") and is refused with a sentence that says negatives are not accepted."""
    with pytest.raises(SystemExit) as info:
        main(["ctl", "--port", "x"] + argv)
    err = capsys.readouterr().err
    assert info.value.code == EXIT_USAGE
    assert "expected one argument" not in err
    assert "negative" in err, err


_NEGATIVE_SAMPLE = {"volume": "-1mL", "rate": "-1mL/day", "dose rate": "-1ug/day", "mass": "-1ug",
                    "dose": "-1ug", "24-hour dose limit": "-1ug", "concentration": "-1mg/mL",
                    "duration": "-1s", "telemetry period": "-1s"}


def _unit_options():
    """(command words, option) for every option in every subcommand whose type reads units."""
    import argparse

    from pyemu.cli.main import build_parser

    found = []

    def walk(parser, words):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, words + [name])
            elif action.option_strings and getattr(action.type, "__name__", "") in _NEGATIVE_SAMPLE:
                found.append((tuple(words), action.option_strings[-1], action.type.__name__))

    walk(build_parser(), [])
    return found


def test_every_unit_valued_option_refuses_a_negative_value_in_our_words(capsys):
    """Walks every parser, so an option added later is covered too."""
    options = _unit_options()
    assert len(options) >= 15
    for words, option, kind in options:
        prefix = ["ctl", "--port", "x"] + list(words[1:]) if words[0] == "ctl" else list(words)
        with pytest.raises(SystemExit) as info:
            main(prefix + [option, _NEGATIVE_SAMPLE[kind]])
        err = capsys.readouterr().err
        assert info.value.code == EXIT_USAGE, (words, option)
        assert "negative" in err and "expected one argument" not in err, (words, option, err)


@pytest.mark.parametrize("argv, says", [
    (["events", "--last", "-5"], "--last"),
    (["events", "--last", "0"], "--last"),
    (["events", "--from", "-1"], "--from"),
    (["prescribe", "--drug", "baclofen", "--concentration", "2mg/mL", "--rate", "0.5mL/day",
      "--max-dose", "1mg", "--pb-max", "-1"], "0..255"),
    (["prescribe", "--drug", "baclofen", "--concentration", "2mg/mL", "--rate", "0.5mL/day",
      "--max-dose", "1mg", "--pb-max", "256"], "0..255"),
    (["--retries", "-2", "status"], "--retries"),
    (["clock", "--unix-ms", "-1"], "--unix-ms"),
])
def test_out_of_range_counts_are_usage_errors(capsys, argv, says):
    """`events --last -5` used to return nothing, silently; counts are checked at parse time."""
    with pytest.raises(SystemExit) as info:
        main(["ctl", "--port", "x"] + argv)
    err = capsys.readouterr().err
    assert info.value.code == EXIT_USAGE
    assert says in err, err


# -- issue 11 item 8: the pump's time limit is named ----------------------------------------

def test_advance_past_the_time_limit_names_the_limit(capsys):
    """9,000,000 days is past 2^48 ms: refused before sending, with the limit in days and years."""
    with pytest.raises(SystemExit) as info:
        main(["ctl", "--port", "x", "advance", "9000000d"])
    err = capsys.readouterr().err
    assert info.value.code == EXIT_USAGE
    assert "backwards" not in err
    assert "3,257,812 days" in err and "8,919 years" in err


def test_advance_that_would_cross_the_limit_says_so_not_backwards(threaded_emulator, capsys):
    """Within the limit on its own but past it from the pump's present time: the pump
    refuses (E_TIME) and ctl explains it with the limit, not "time would move backwards"."""
    port = threaded_emulator.port
    assert main(["ctl", "--port", port, "--timeout", "5s", "advance", "3000000d"]) == EXIT_OK
    capsys.readouterr()
    status = main(["ctl", "--port", port, "--timeout", "5s", "--json", "advance", "300000d"])
    out, err = capsys.readouterr()
    assert status == EXIT_REFUSED
    assert "backwards" not in err
    assert "3,257,812 days" in err and "at most 257,812 days" in err
    assert one_json(out)["reason"] == "time"


# -- issue 11 item 8: every reason code has a text ---------------------------------------------

def _all_reason_codes():
    import pathlib

    table = json.loads((pathlib.Path(__file__).parents[2] / "protocol" / "vocabulary.json")
                       .read_text())["reason"]["values"]
    codes = {}
    for v in table:
        core = v["group"] == "core" and v["name"] != "OK"
        codes[("E_" if core else "") + v["name"]] = v["value"]
    assert len(codes) > 40          # the table was read, not an empty group
    return codes


def test_every_reason_code_in_messages_json_has_a_text():
    """No code the pump can send prints "reason unknown to this pyemu" (E_MEMORY and
    E_NO_FAULT did); a code added to messages.json without a text fails here."""
    from pyemu.pump.client import reason_text

    for name, code in _all_reason_codes().items():
        got_name, text = reason_text(code)
        assert got_name == name
        assert text and "unknown" not in text, name


def test_clearing_an_absent_fault_is_explained(ctl):
    status, _, err = ctl("fault", "memory", "--clear")
    assert status == EXIT_REFUSED
    assert "no_fault" in err and "not present" in err


def test_the_old_fault_spelling_works_with_a_deprecation_note(ctl):
    """`ctl fault motor-stall` (the spelling before the vocabulary) still works and says what to write."""
    status, out, err = ctl("fault", "motor-stall", json_out=True)
    assert status == EXIT_OK and one_json(out)["fault"] == "motor_stall"
    assert "deprecated" in err and "'motor_stall'" in err
    assert ctl("fault", "motor_stall", "--clear")[0] == EXIT_OK


# -- issue 11 item 8: a pump without keys says it is open ---------------------------------------

def _serve_stderr(emu):
    """Start and stop (SIGTERM) a serve process; what it wrote on stderr."""
    emu.start()
    assert emu.stop() == EXIT_OK
    return emu.stderr()


def test_serve_without_keys_warns_that_the_pump_is_open():
    from pyemu.host.emulator import ServeProcess

    err = _serve_stderr(ServeProcess("--port", "pty", "--clock", "manual", "--quiet"))
    assert "warning: this pump has no keys" in err
    assert len([line for line in err.splitlines() if "warning" in line]) == 1


def test_serve_without_keys_on_a_network_address_warns_loudly():
    from pyemu.host.emulator import ServeProcess

    err = _serve_stderr(ServeProcess("--port", "tcp-listen://0.0.0.0:0", "--clock", "manual",
                                     "--quiet"))
    assert "WARNING" in err and "0.0.0.0" in err
    assert "anyone who can reach" in err
    assert len(err.strip().splitlines()) >= 4


def test_serve_with_keys_does_not_warn(tmp_path):
    from pyemu.host.emulator import ServeProcess

    keyfile = tmp_path / "site.keys"
    assert main(["keys", "create", str(keyfile)]) == EXIT_OK
    err = _serve_stderr(ServeProcess("--port", "pty", "--clock", "manual", "--quiet",
                                     "--keys", str(keyfile)))
    assert "keys provisioned" not in err           # --quiet holds
    assert "no keys" not in err and "WARNING" not in err


def test_the_fastest_realtime_clock_stops_at_the_pumps_time_limit(monkeypatch):
    """--speed 4294967295 is accepted; 65 wall seconds later the pump's clock reaches
    2^48 - 1 ms. The clock stays there (the device accepts it) instead of giving the
    device a time it refuses, which ended the serve loop with a traceback."""
    from pyemu.host.device import Device
    from pyemu.host import emulator

    wall = [1000.0]
    monkeypatch.setattr(emulator.time, "monotonic", lambda: wall[0])
    clock = emulator.RealtimeClock(speed=float(U32))
    device = Device(clock="realtime", speed=U32)
    clock.start(device.now_ms)
    for seconds in (1.0, 60.0, 66.0, 3600.0):
        wall[0] = 1000.0 + seconds
        device.tick(clock.now_ms())          # raised PumpError TIME past 65.5 s
    assert device.now_ms == 2**48 - 1


# ---------------------------------------------------------------- issue 12: clinical commands
@pytest.fixture
def fresh_ctl(threaded_emulator, capsys):
    """ctl(*args) on a new pump of its own (these tests need a pump running since implant)."""
    def run(*args, json_out=False):
        argv = ["ctl", "--port", threaded_emulator.port, "--timeout", "5s"]
        argv += ["--json"] if json_out else []
        status = main(argv + list(args))
        out, err = capsys.readouterr()
        return status, out, err
    return run


def test_refill_without_withdrawn_warns_and_with_it_reports_the_reconciliation(fresh_ctl):
    """`refill --withdrawn` gives expected/withdrawn/discrepancy/tolerance/delivered and a
    verdict; a refill without it still works but warns on stderr."""
    ctl = fresh_ctl
    setup_pump(ctl)
    status, _, err = ctl("refill", "--volume", "20mL", "--drug", "baclofen", "--concentration", "2mg/mL")
    assert status == EXIT_OK and "--withdrawn" in err
    assert ctl("advance", "10d")[0] == EXIT_OK
    status, out, err = ctl("refill", "--volume", "20mL", "--drug", "baclofen", "--concentration", "2mg/mL",
                           "--withdrawn", "13.9mL", json_out=True)
    assert status == EXIT_OK and "warning" not in err
    obj = one_json(out)
    assert {k: obj[k] for k in ("expected_ul", "withdrawn_ul", "discrepancy_ul", "tolerance_ul",
                                "delivered_ul", "verdict")} == {
        "expected_ul": 15_000.0, "withdrawn_ul": 13_900.0, "discrepancy_ul": 1_100.0,
        "tolerance_ul": 725.0, "delivered_ul": 5_000.0, "verdict": "possible_over_infusion"}
    status, out, _ = ctl("refill", "--volume", "20mL", "--drug", "baclofen", "--concentration", "2mg/mL",
                         "--withdrawn", "20mL")
    assert status == EXIT_OK and "within tolerance" in out


def test_configure_the_catheter_and_read_it_in_status_json(fresh_ctl):
    """`configure --catheter-length 60cm --catheter-ul-per-cm 2.6 --tubing 100uL` programs
    256 uL (refused while therapy runs: suspend first); `--json status` reports it with the
    re-sound interval set by `alarms --resound` and the projection."""
    ctl = fresh_ctl
    setup_pump(ctl)
    status, _, err = ctl("configure", "--dead-volume", "200uL")
    assert status == EXIT_REFUSED and "therapy_active" in err
    assert ctl("suspend")[0] == EXIT_OK
    status, out, err = ctl("configure", "--catheter-length", "60cm", "--catheter-ul-per-cm", "2.6",
                           "--tubing", "100uL")
    assert status == EXIT_OK, err
    assert "256 uL" in out
    assert ctl("configure", "--dead-volume", "200uL", "--catheter-length", "60cm")[0] == EXIT_USAGE
    assert ctl("resume")[0] == EXIT_OK
    status, out, _ = ctl("alarms", "--resound", "12h")
    assert status == EXIT_OK and "12h" in out
    obj = one_json(ctl("status", json_out=True)[1])
    assert obj["dead_volume_ul"] == 256.0 and obj["resound_ms"] == 12 * 3_600_000
    assert isinstance(obj["days_to_low_reservoir"], int)
    assert isinstance(obj["days_to_low_reservoir_max_use"], int)
    assert obj["days_to_low_reservoir_max_use"] <= obj["days_to_low_reservoir"]
    assert obj["days_to_drug_expiry"] <= 90 and obj["refill_date"]
    assert "refill by" in ctl("status")[1]


def test_a_dose_limit_above_the_soft_limit_needs_confirm_soft_limit(ctl):
    """Morphine's soft limit is 10 mg/24 h: 12 mg is refused (soft_limit) until confirmed;
    16 mg is above the hard limit and refused even when confirmed."""
    assert ctl("refill", "--volume", "20mL", "--drug", "morphine", "--concentration", "1mg/mL")[0] == 0
    rx = ["prescribe", "--drug", "morphine", "--concentration", "1mg/mL", "--rate", "0.5mL/day"]
    status, _, err = ctl(*rx, "--max-dose", "12mg")
    assert status == EXIT_REFUSED and "soft_limit" in err and "--confirm-soft-limit" in err
    status, out, err = ctl(*rx, "--max-dose", "12mg", "--confirm-soft-limit")
    assert status == EXIT_OK and "confirmed" in out, err
    status, _, err = ctl(*rx, "--max-dose", "16mg", "--confirm-soft-limit")
    assert status == EXIT_REFUSED and "drug_limit" in err


def test_alarm_help_says_ack_silences_and_the_alarm_stays(capsys):
    for command in ("ack", "alarms"):
        with pytest.raises(SystemExit):
            main(["ctl", command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert "silences the tone" in text and "until its cause clears" in text and "24 h" in text
