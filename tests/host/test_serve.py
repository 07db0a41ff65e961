"""``pyemu serve``: the state file (restore, refusals, lock), stopping by signal,
the TCP server mode and the realtime clock."""
import os
import signal
import subprocess
import sys

import pytest

from faulty_os import FaultyOs

from pyemu import protocol as P
from pyemu.host import statefile
from pyemu.cli.common import EXIT_STATE
from pyemu.cli.main import main
from pyemu.pump.client import Client, DeviceRefused
from pyemu.host.emulator import ServeProcess

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
    from pyemu.host.device import Device
    from pyemu.host.emulator import Emulator
    from pyemu.link.transport import PtyTransport

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


# -- damaged state harness (issue 11, item 3): refused, never overwritten, recovered on request --

def _history_with_prev(path):
    """A pump with therapy history over two saved generations (FILE and FILE.prev)."""
    emu = serve_state(path)
    emu.start()
    with Client.connect(emu.port, timeout=5) as c:
        c.refill(15_000_000, "morphine", 10_000)
        c.advance(86_400_000)
    assert emu.stop() == 0, emu.stderr()
    assert (path.parent / (path.name + ".prev")).exists()


def _run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_damaged_state_harness_serve_refuses_provision_refuses_recover_says_what_is_lost(
        tmp_path, capsys):
    path = tmp_path / "pump.state"
    prev = tmp_path / "pump.state.prev"
    _history_with_prev(path)
    damaged = path.read_bytes()[:-64]
    path.write_bytes(damaged)
    prev_bytes = prev.read_bytes()

    status, err = _serve_refused("--state", str(path))
    assert status == EXIT_STATE
    assert "truncated" in err and f"pyemu state recover {path}" in err
    assert path.read_bytes() == damaged and prev.read_bytes() == prev_bytes, "never overwritten"

    keyfile = tmp_path / "pump.keys"
    assert main(["keys", "create", str(keyfile)]) == 0
    status, out, err = _run(capsys, "keys", "provision", "--state", str(path), "--keys", str(keyfile))
    assert status == EXIT_STATE and "provisioned" not in out
    assert f"pyemu state recover {path}" in err
    assert path.read_bytes() == damaged and prev.read_bytes() == prev_bytes

    status, out, err = _run(capsys, "state", "show", str(path))
    assert status == EXIT_STATE and "DAMAGED" in out and "whole" in out

    status, out, err = _run(capsys, "state", "recover", str(path))
    assert status == 0, err
    assert "restarted from its previous generation" in out and "Lost:" in out
    assert "events logged" in out and "NO keys" in out, out
    assert "has NO keys" in err, "an open pump is said loudly"
    assert (tmp_path / "pump.state.damaged").read_bytes() == damaged
    assert path.read_bytes() == prev_bytes

    status, out, err = _run(capsys, "state", "recover", str(path))
    assert status == EXIT_STATE and "nothing to recover" in err


def test_recover_from_prev_right_after_keys_provision_keeps_the_keys(tmp_path, capsys):
    """The keys rule: provisioning writes the keys into both generations, so a
    damaged file recovered from .prev is never an open pump."""
    from pyemu.host.device import Device

    path = tmp_path / "pump.state"
    _history_with_prev(path)               # an open pump with history
    keyfile = tmp_path / "pump.keys"
    assert main(["keys", "create", str(keyfile)]) == 0
    status, _, err = _run(capsys, "keys", "provision", "--state", str(path), "--keys", str(keyfile))
    assert status == 0, err
    path.write_bytes(path.read_bytes()[:40])
    status, out, err = _run(capsys, "state", "recover", str(path))
    assert status == 0, err
    assert "keys provisioned" in out and "NO keys" not in err
    assert Device.load(statefile.decode(path.read_bytes())).provisioned


def test_serve_keys_writes_the_keys_into_both_generations(tmp_path):
    from pyemu.host.device import Device

    path = tmp_path / "pump.state"
    _history_with_prev(path)
    keyfile = tmp_path / "pump.keys"
    assert main(["keys", "create", str(keyfile)]) == 0
    with serve_state(path, "--keys", str(keyfile)):
        pass
    for name in ("pump.state", "pump.state.prev"):
        image = statefile.decode((tmp_path / name).read_bytes())
        assert Device.load(image).provisioned, name


# -- startup errors are sentences with exit 2 or 4, never tracebacks (issue 11, item 7) ----------

@pytest.mark.parametrize("fault, lock_file, existing, says", [
    ("read-only", False, False, "cannot create its lock file"),
    ("read-only", True, False, "Permission denied"),
    ("read-only", True, True, "Permission denied"),
    ("disk-full", False, False, "No space left on device"),
    ("disk-full", True, True, "No space left on device"),
])
def test_an_unwritable_folder_or_full_disk_at_start_is_refused_with_a_sentence(
        tmp_path, capsys, monkeypatch, fault, lock_file, existing, says):
    path = tmp_path / "pump.state"
    if existing:
        with serve_state(path):
            pass
    if lock_file:
        (tmp_path / "pump.state.lock").touch()
    def files():  # the (empty) lock file may be made: flock needs it, the disk no data
        return sorted(set(os.listdir(tmp_path)) - {"pump.state.lock"})

    before = files()
    kept = path.read_bytes() if existing else None
    monkeypatch.setattr(statefile, "os", FaultyOs(fault))
    status, err = _start_refused(path, capsys)
    assert status == EXIT_STATE
    assert says in err and "Traceback" not in err
    assert files() == before, "no file made, none removed"
    assert (path.read_bytes() if existing else None) == kept


def test_a_read_only_state_file_is_refused_not_replaced(tmp_path):
    path = tmp_path / "pump.state"
    with serve_state(path):
        pass
    kept = path.read_bytes()
    path.chmod(0o444)
    status, err = _serve_refused("--state", str(path))
    assert status == EXIT_STATE
    assert "read-only (mode 0444)" in err and f"chmod 600 {path}" in err
    assert path.stat().st_mode & 0o777 == 0o444 and path.read_bytes() == kept


def _serve_refused(*args):
    """``pyemu serve ARGS`` in a child that must exit at once: (status, stderr).
    A child (not main()) so that a serve that starts instead fails the test by its
    timeout rather than serving in the test process."""
    proc = subprocess.run([sys.executable, "-m", "pyemu", "serve", "--port", "pty", *MANUAL, *args],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stderr


def test_link_refuses_to_replace_a_regular_file(tmp_path):
    precious = tmp_path / "notes.txt"
    precious.write_text("not a link\n")
    status, err = _serve_refused("--link", str(precious))
    assert status == 2 and "is not a symlink" in err
    assert precious.read_text() == "not a link\n"


def test_an_empty_state_name_is_a_usage_error_not_a_pump_without_memory():
    status, err = _serve_refused("--state", "")
    assert status == 2 and "--state needs a file name" in err


def test_a_missing_state_file_starts_a_new_pump(tmp_path):
    path = tmp_path / "new.state"
    with ServeProcess("--port", "pty", "--state", str(path), "--clock", "manual") as emu:
        with Client.connect(emu.port, timeout=5) as c:
            assert c.status().now_ms == 0
        said = emu.stderr()
    assert "new pump" in said and "damaged" not in said
    assert statefile.decode(path.read_bytes())
