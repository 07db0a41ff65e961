"""The live monitor, drawn to a string console (no TTY needed)."""
from pyemu.cli.monitor import MonitorState, render_text, watch_port


def status(t, alarms=(), reservoir=12_000.0):
    return {"sim_time_s": t, "state": "running", "rate_ul_per_h": 20.0,
            "reservoir_ul": reservoir, "pumped_ul": 8000.0, "delivered_ug": 4321.5,
            "battery_pct": 97.3, "days_to_eri": 2400, "alarms": list(alarms)}


def test_dashboard_shows_status_alarms_and_events():
    s = MonitorState("/dev/pts/9")
    s.set_link("connected")
    s.device = "SIM-IT20 serial 1234 fw 1.0.0"
    s.on_status(status(86400 + 3600))
    s.on_status(status(86400 + 7200, ["low_reservoir", "reservoir_empty"], reservoir=0.0))
    out = render_text(s, width=110, height=32)
    for text in ("/dev/pts/9", "connected", "SIM-IT20", "day 1 02:00:00", "running",
                 "0.480 mL/day", "4,321.5 µg", "97.3 %", "2400 days to ERI",
                 "!! reservoir_empty", "!  low_reservoir", "ALARM reservoir_empty (critical)"):
        assert text in out, text


def test_alarm_clearing_is_logged():
    s = MonitorState("x")
    s.on_status(status(10, ["low_reservoir"]))
    s.on_alarms([], 20)
    assert [m for _, m in s.events] == ["ALARM low_reservoir", "alarm cleared: low_reservoir"]
    assert "no active alarm" in render_text(s)


def test_reconnect_loop_survives_device_going_away_and_coming_back():
    """First attempt fails to open, second delivers then drops, third works."""
    s = MonitorState("socket://127.0.0.1:1")
    attempts = []
    slept = []

    def connect():
        attempts.append(len(attempts))
        n = len(attempts)
        if n == 1:
            raise OSError("could not open port")
        yield ("status", status(100 * n))
        if n == 2:
            raise OSError("device disconnected")
        yield ("alarms", (["eri"], 301.0))

    screens = []
    watch_port(s, connect, sleep=slept.append, max_attempts=3,
               on_change=lambda: screens.append(render_text(s)))
    assert len(attempts) == 3
    assert s.reconnects == 2
    assert s.status["sim_time_s"] == 300 and s.alarms == ("eri",)
    assert slept == [0.5, 0.5, 0.5]   # back-off resets once the device answers
    log = [m for _, m in s.events]
    assert any("lost: OSError: could not open port" in m for m in log)
    assert any("lost: OSError: device disconnected" in m for m in log)
    assert any("link lost" in sc and "device disconnected" in sc for sc in screens)


def test_backoff_grows_while_device_stays_away():
    s = MonitorState("x")
    slept = []

    def connect():
        raise OSError("no such device")
        yield  # pragma: no cover

    watch_port(s, connect, sleep=slept.append, max_attempts=6)
    assert slept == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    assert s.link == "lost" and s.reconnects == 0


def test_live_monitor_follows_an_emulator_through_a_restart(tmp_path):
    """Watch a real emulator on a pty; kill it; start it again on the same
    link from its state file: the monitor reconnects and goes on.

    The restarts happen inside the monitor's back-off sleeps, so the order of
    events is fixed: no timing is involved.
    """
    from pyemu.host.emulator import ServeProcess
    from pyemu.cli.monitor import client_updates

    link, state = str(tmp_path / "pump.tty"), str(tmp_path / "pump.state")
    args = ("--port", "pty", "--link", link, "--clock", "manual", "--test-features",
            "--telemetry-period", "0s", "--state", state, "--quiet")
    first = ServeProcess(*args)
    first.start()
    from pyemu.pump.client import Client
    with Client.connect(link) as c:          # give the pump a history to show
        c.refill(20_000_000, "baclofen", 2000)
        c.advance(3 * 86_400_000)
    second = ServeProcess(*args)
    s = MonitorState(link)
    plan = iter([first.kill, second.start])

    def sleep(_):
        step = next(plan, None)
        if step:
            step()

    try:
        watch_port(s, lambda: client_updates(link, poll_s=0.01, max_polls=2, timeout=0.5,
                                             retries=1),
                   sleep=sleep, max_attempts=3)
    finally:
        first.kill()
        second.stop()
    log = [m for _, m in s.events]
    # attempt 1 watched the first emulator; attempt 2 found the port gone;
    # attempt 3 found the restarted pump, with its history
    assert s.reconnects == 1
    assert any(m.startswith("link lost: ") and "does not exist" in m for m in log), log
    assert s.status["sim_time_s"] == 3 * 86400          # restored from the state file
    assert s.status["reservoir_ul"] == 20_000   # filled, never prescribed
    assert "serial" in s.device and "firmware" in s.device
    assert any(m.startswith("refilled with 20 mL") for m in log), log
    assert any(m == "restarted from saved state" for m in log), log


def test_monitor_once_command_on_a_port_and_when_nothing_answers(tmp_path):
    import subprocess
    import sys

    from pyemu.host.emulator import ServeProcess

    with ServeProcess("--port", "pty", "--clock", "manual", "--quiet") as emu:
        r = subprocess.run([sys.executable, "-m", "pyemu", "monitor", "--port", emu.port,
                            "--once"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "link: connected" in r.stdout and "pump initialised" in r.stdout
    assert "no active alarm" in r.stdout
    r = subprocess.run([sys.executable, "-m", "pyemu", "monitor", "--port",
                        str(tmp_path / "nothing"), "--once"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 3 and "link: lost" in r.stdout


def test_an_acknowledged_alarm_stays_on_the_dashboard_while_its_cause_lasts():
    """The alarm rule: ack silences the tone, the alarm stays active until its cause
    clears; the monitor shows it, marked acknowledged, not as cleared."""
    s = MonitorState("x")
    s.on_status(dict(status(10, ["low_reservoir"]), unacked_alarms=["low_reservoir"]))
    assert "acknowledged" not in render_text(s, width=110, height=32)
    s.on_status(dict(status(20, ["low_reservoir"]), unacked_alarms=[]))
    out = render_text(s, width=110, height=32)
    assert "low_reservoir  (acknowledged)" in out
    assert "alarm cleared" not in out
