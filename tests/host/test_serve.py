"""``pyemu serve``: the state file (restore, refusals, lock), stopping by signal,
the TCP server mode and the realtime clock."""
import os
import signal

import pytest

from pyemu import protocol as P
from pyemu import statefile
from pyemu.cli import EXIT_STATE, main
from pyemu.client import Client, DeviceRefused
from pyemu.emulator import ServeProcess

MANUAL = ("--clock", "manual", "--test-features", "--quiet")


def serve_state(path, *extra):
    return ServeProcess("--port", "pty", "--state", str(path), *MANUAL, *extra)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_emulator_restarts_where_it_was_and_logs_the_reset(tmp_path, stop):
    path = tmp_path / "pump.state"
    emu = serve_state(path)
    emu.start()
    assert path.exists(), "a new pump's state file exists from the start"
    with Client.connect(emu.port, timeout=5) as c:
        c.refill(15_000_000, "morphine", 10_000)
        c.prescribe(drug="morphine", conc_ug_ml=10_000, rate_nl_day=400_000, max_dose_ug_24h=10_000)
        before = c.advance(3 * 86_400_000)
    emu.proc.send_signal(stop)
    assert emu.proc.wait(timeout=30) == 0, emu.stderr()
    emu._finish()

    with serve_state(path) as again:
        with Client.connect(again.port, timeout=5) as c:
            after = c.status()
            events = list(c.read_events())
    for field in ("now_ms", "reservoir_nl", "pumped_nl", "delivered_pg", "rate_nl_day"):
        assert getattr(after, field) == getattr(before, field), field
    assert events[-1].kind_name == "RESET" or "RESET" in [e.kind_name for e in events[-3:]]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))


def _start_refused(path, capsys):
    status = main(["serve", "--port", "pty", "--state", str(path), *MANUAL])
    return status, capsys.readouterr().err


@pytest.mark.parametrize("damage, says", [
    (lambda data: data[: len(data) // 2], "truncated"),
    (lambda data: data[:100] + bytes([data[100] ^ 0x10]) + data[101:], "corrupt"),
    (lambda data: b"", "empty"),
    (lambda data: b"<?xml version='1.0'?><pump/>", "not a pyemu state file"),
])
def test_a_damaged_state_file_is_refused_and_left_as_it_was(tmp_path, capsys, damage, says):
    path = tmp_path / "pump.state"
    with serve_state(path):
        pass
    path.write_bytes(damage(path.read_bytes()))
    kept = path.read_bytes()
    status, err = _start_refused(path, capsys)
    assert status == EXIT_STATE
    assert says in err and f"mv {path} {path}.bad" in err
    assert path.read_bytes() == kept, "never overwritten"


def test_a_state_file_whose_device_image_is_foreign_is_refused(tmp_path, capsys):
    """A well-formed state file around something that is not a device image."""
    path = tmp_path / "pump.state"
    path.write_bytes(statefile.encode(b"PYDV" + bytes(300)))
    status, err = _start_refused(path, capsys)
    assert status == EXIT_STATE
    assert "refused its memory image" in err and "has not been changed" in err


def test_two_emulators_cannot_share_one_state_file(tmp_path, capsys):
    path = tmp_path / "pump.state"
    with serve_state(path):
        status, err = _start_refused(path, capsys)
    assert status == EXIT_STATE
    assert "in use by another running emulator" in err


def test_tcp_listen_prints_the_socket_url_a_client_opens():
    with ServeProcess("--port", "tcp-listen://127.0.0.1:0", *MANUAL) as emu:
        assert emu.port.startswith("socket://127.0.0.1:")
        with Client.connect(emu.port, timeout=5) as c:
            assert c.hello().clock_name == "manual"
        with Client.connect(emu.port, timeout=5) as c:  # the next client after the first left
            assert c.status().state_name == "stopped"


def test_realtime_clock_moves_time_sends_telemetry_and_refuses_advance():
    # 3,600,000x: a simulated hour per wall millisecond, so time visibly moves between
    # any two requests; telemetry every simulated minute.
    with ServeProcess("--port", "pty", "--speed", "3600000", "--telemetry-period", "1min",
                      "--quiet") as emu:
        with Client.connect(emu.port, timeout=5) as c:
            info = c.hello()
            assert info.clock_name == "accelerated" and info.clock_speed == 3_600_000
            first = c.status().now_ms
            telemetry = next(c.unsolicited(timeout=10))
            assert telemetry.unsolicited
            assert c.status().now_ms > first
            with pytest.raises(DeviceRefused) as refusal:
                c.advance(1000)
            assert refusal.value.reason_name == "CLOCK_MODE"


def test_serve_refuses_a_port_it_cannot_open(capsys):
    status = main(["serve", "--port", "/dev/does-not-exist-pyemu", "--quiet"])
    assert status == 3
    assert "does not exist" in capsys.readouterr().err


def test_pty_link_points_at_the_port(tmp_path):
    link = tmp_path / "pump0"
    with ServeProcess("--port", "pty", "--link", str(link), *MANUAL) as emu:
        assert emu.port == str(link)
        assert os.readlink(link).startswith("/dev/pts/")
        with Client.connect(str(link), timeout=5) as c:
            assert c.status().now_ms == 0
    assert not link.exists()


class SteppedClock:
    """A realtime-style clock the test moves by hand: one telemetry period per step."""

    manual = False

    def __init__(self, step_ms):
        self.t, self.step_ms = 0, step_ms

    def start(self, sim_ms):
        self.t = sim_ms

    def now_ms(self):
        self.t += self.step_ms
        return self.t

    def wait_hint(self):
        return 0.0


def test_telemetry_nobody_reads_is_dropped_and_the_next_client_is_served():
    """A pump sending telemetry into a pty nobody has open neither blocks nor fails;
    a client that opens the port later gets its answers."""
    from pyemu.device import Device
    from pyemu.emulator import Emulator
    from pyemu.transport import PtyTransport

    logs = []
    device = Device(clock="realtime", speed=1, telemetry_period_ms=60_000)
    port = PtyTransport(write_timeout=0.0)
    emulator = Emulator(device, port, SteppedClock(60_000), log=logs.append)
    for _ in range(1000):  # 1000 STATUS frames of 89 bytes: far more than the tty holds
        emulator.step(0.0)
    assert emulator.stats.tx_dropped > 0
    assert len(logs) == 1 and "nobody is reading" in logs[0]
    with Client.connect(port.peer, timeout=5) as c:
        c.transport.write(P.encode("GET_STATUS", seq=9))
        reply = None
        while reply is None:
            emulator.step(0.05)
            frames = P.FrameDecoder().feed(c.transport.read(0.05))
            reply = next((f for f in frames if f.kind == P.KIND_RESPONSE and f.seq == 9), None)
    assert reply.msg_type == P.MsgType.STATUS
    assert "a client is talking" in logs[-1]
    port.close()
