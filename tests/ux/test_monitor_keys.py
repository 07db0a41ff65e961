"""The monitor acts and fits: keys (bolus, acknowledge, advance, pause/scroll) driven
through a real pty at 80x24, status first on the screen, PYEMU_PORT, wall-time link lines."""
import fcntl
import os
import select
import struct
import subprocess
import sys
import termios
import time

import pytest

from pyemu.cli.main import main
from pyemu.cli.monitor import MonitorState, render_text
from pyemu.host.emulator import ServeProcess
from pyemu.link.observe import observer_for
from pyemu.protocol import vocabulary as V
from pyemu.pump.client import Client


def status(t, reservoir=12_000.0):
    return {"sim_time_s": t, "state": "running", "rate_ul_per_h": 20.0,
            "reservoir_ul": reservoir, "pumped_ul": 8000.0, "delivered_ug": 4321.5,
            "battery_pct": 97.3, "days_to_eri": 2400, "alarms": []}


def test_status_comes_first_and_everything_fits_80x24():
    s = MonitorState("/dev/pts/9")
    s.set_link("connected")
    s.device = "PYEMU-IT20 serial 1, firmware 1.0.0, clock manual"
    s.on_status(status(86400 + 3600))
    for i in range(40):
        s.note(86400 + i, f"event {i}")
    lines = render_text(s, width=80, height=24).rstrip("\n").split("\n")
    assert len(lines) <= 24
    where = {k: next(i for i, line in enumerate(lines) if k in line)
             for k in ("time", "reservoir", "battery", "event log", "event 39", "q quit")}
    assert where["time"] < where["reservoir"] < where["battery"] < where["event log"]
    assert where["time"] <= 4                          # status first, under a two-line title
    assert where["event 39"] < where["q quit"] == len(lines) - 1   # newest event shown, keys last
    assert "2400 days to ERI" in "\n".join(lines)


def test_link_lines_carry_the_wall_time_not_the_pumps():
    s = MonitorState("/dev/pts/9", wall=lambda: time.mktime((2026, 12, 6, 21, 5, 9, 0, 0, -1)))
    s.set_link("lost", "OSError: device disconnected")
    out = render_text(s, width=100, height=24)
    assert "at 21:05:09  link lost: OSError: device disconnected" in out
    assert "day 0 00:00:00" not in out


def test_pause_and_scroll_the_event_log():
    s = MonitorState("x")
    for i in range(30):
        s.note(i, f"event {i}")
    s.key("p")
    s.note(31, "event 31")
    out = render_text(s, width=80, height=24)
    assert "event 29" in out and "event 31" not in out and "paused: 1 new" in out
    s.key("p")
    assert "event 31" in render_text(s, width=80, height=24)
    for _ in range(5):
        s.key("up")
    out = render_text(s, width=80, height=24)
    assert "event 25" in out and "event 26" not in out and "5 back" in out   # 31 entries
    s.key("down")
    assert "event 26" in render_text(s, width=80, height=24)
    assert s.key("q") is False


def test_acting_keys_while_observing_say_how_to_act():
    s = MonitorState("x")
    s.key("b")
    assert s.actions.empty()
    assert "start it with --control to act" in s.events[-1][1]


def test_monitor_honours_pyemu_port(monkeypatch, capsys):
    with ServeProcess.manual_pty() as emu:
        monkeypatch.setenv("PYEMU_PORT", emu.port)
        assert main(["monitor", "--once"]) == 0
    out = capsys.readouterr().out
    assert "link: connected" in out and emu.port in out


def test_monitor_without_a_port_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.delenv("PYEMU_PORT", raising=False)
    assert main(["monitor", "--once"]) == 2
    assert "PYEMU_PORT" in capsys.readouterr().err


def _observer_status(url):
    with Client.connect(url, timeout=5.0) as obs:
        return obs.status(), list(obs.read_events(1))


def _wait_for(check, what, deadline_s=60.0):
    """Poll the pump (read-only) until check() holds; the deadline only bounds a failure."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def test_keys_act_on_the_pump_through_a_pty_at_80x24():
    with ServeProcess.manual_pty() as emu:
        # a therapy with patient boluses; its low-reservoir alarm rises within the first 2 h
        for argv in (["refill", "--volume", "20mL", "--drug", "baclofen", "--concentration", "2mg/mL"],
                     ["prescribe", "--drug", "baclofen", "--concentration", "2mg/mL", "--rate",
                      "0.5mL/day", "--max-dose", "2mg", "--pb-volume", "25uL", "--pb-lockout", "4h",
                      "--low-reservoir", "19.99mL"]):
            assert main(["ctl", "--port", emu.port] + argv) == 0
        url = observer_for(emu.port)
        before, _ = _observer_status(url)
        assert not before.alarms

        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLUMNS="80", LINES="24")
        mon = subprocess.Popen([sys.executable, "-m", "pyemu", "monitor", "--port", emu.port,
                                "--control", "--step", "2h"],
                               stdin=slave, stdout=slave, stderr=slave, env=env,
                               start_new_session=True)
        os.close(slave)
        screen = bytearray()

        def read_screen():
            while select.select([master], [], [], 0)[0]:
                try:
                    screen.extend(os.read(master, 65536))
                except OSError:
                    return

        def seen(text):
            read_screen()
            return text.encode() in screen
        try:
            _wait_for(lambda: seen("link: ") and seen("connected"), "the monitor to connect")
            os.write(master, b"+")
            _wait_for(lambda: _observer_status(url)[0].now_ms == before.now_ms + 7_200_000,
                      "+ to advance the clock 2h")
            assert _observer_status(url)[0].unacked_alarms          # low reservoir, not yet acked
            os.write(master, b"b")
            _wait_for(lambda: any(e.kind == V.EventKind.PATIENT_GRANTED
                                  for e in _observer_status(url)[1]), "b to get a patient bolus")
            os.write(master, b"a")
            _wait_for(lambda: not _observer_status(url)[0].unacked_alarms, "a to acknowledge")
            _wait_for(lambda: seen("key a: acknowledged"), "the monitor to say it acknowledged")
            assert seen("key +: clock advanced 2h") and seen("key b: patient bolus granted")
            os.write(master, b"q")
            assert mon.wait(timeout=60) == 0
        finally:
            if mon.poll() is None:
                mon.kill()
                mon.wait()
            read_screen()
            os.close(master)
