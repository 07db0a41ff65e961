"""Several programs on one pump, new clients on a line, pipelined requests (issue 11,
items 2, 5 and 6): the serve loop and its transports.

Every emulator here runs a manual clock; waits are select() with a deadline
that only catches a broken build, never a sleep.
"""
import os
import select
import socket
import subprocess
import sys
import termios
import threading
import time
import tty

import pytest

from pyemu import protocol as P
from pyemu.pump.client import Client, LinkError, NoReply
from pyemu.host.emulator import ServeProcess
from pyemu.link.observe import observer_for
from soak import scaled

SERVE = ("--clock", "manual", "--test-features", "--telemetry-period", "0s", "--quiet")
DEADLINE_S = 120.0   # a safety net for a broken build, not a wait


def _open_raw(path: str) -> int:
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    tty.setraw(fd, termios.TCSANOW)
    termios.tcflush(fd, termios.TCIOFLUSH)
    return fd


def test_pipelined_get_status_over_a_pty_each_get_one_reply_in_order():
    """Spec section 3: every request gets exactly one reply. 3,000 GET_STATUS (30,000 in `make soak`)
    written back to back (a reader drains replies as they come, but the writer
    never waits for one) get 3,000 STATUS replies with their seqs, in order:
    no BUSY, none lost (device_rx backpressure, the serve loop's pending bytes)."""
    count = scaled(3000, 30000)
    stream = b"".join(P.encode("GET_STATUS", seq=s % 65536) for s in range(count))
    with ServeProcess("--port", "pty", *SERVE) as emu:
        fd = _open_raw(emu.port)
        try:
            decoder = P.FrameDecoder()
            frames = []
            sent = 0
            deadline = time.monotonic() + DEADLINE_S
            while len(frames) < count:
                assert time.monotonic() < deadline, f"{len(frames)} replies of {count}"
                want_write = [fd] if sent < len(stream) else []
                r, w, _ = select.select([fd], want_write, [], 5.0)
                if w:
                    try:
                        sent += os.write(fd, stream[sent:sent + 4096])
                    except BlockingIOError:
                        pass
                if r:
                    try:
                        frames += decoder.feed(os.read(fd, 65536))
                    except BlockingIOError:
                        pass
                if not r and not w:
                    break   # 5 s without a byte: the rest will not come
        finally:
            os.close(fd)
    assert [(f.name, f.seq) for f in frames] == [("STATUS", s) for s in range(count)]
    assert decoder.stats.total_dropped_chunks == 0


def test_a_tcp_clients_unfinished_frame_is_not_completed_by_the_next_client():
    """The splice attack: client 1 sends an ADVANCE of one hour without its final
    delimiter and hangs up; client 2's first byte (a frame's leading 0x00) would
    complete it. The serve loop resets the device's decoder for every new
    connection, so the ADVANCE never runs."""
    with ServeProcess("--port", "tcp-listen://127.0.0.1:0", *SERVE[:-1]) as emu:   # not --quiet
        with Client.connect(emu.port, timeout=5.0) as first:
            assert first.status().now_ms == 0      # served: the loop reads this socket
            wire = P.encode("ADVANCE", seq=4242, delta_ms=3_600_000)
            first.transport.write(wire[:-1])       # everything but the final delimiter
        with Client.connect(emu.port, timeout=5.0) as second:
            st = second.status()
        assert st.now_ms == 0, "the first client's unfinished ADVANCE was executed"
        assert "unfinished frame dropped" in _stderr_after_stop(emu)


def _stderr_after_stop(emu: ServeProcess) -> str:
    emu.stop()
    return emu.stderr()


def test_a_second_tcp_client_is_refused_at_once_with_the_cause():
    """tcp-listen serves one client; a second one is refused with a line naming
    the cause (and the observer port), and the first keeps working."""
    with ServeProcess("--port", "tcp-listen://127.0.0.1:0", *SERVE) as emu:
        with Client.connect(emu.port, timeout=5.0) as first:
            first.status()
            with Client.connect(emu.port, timeout=5.0, retries=0) as second:
                with pytest.raises(LinkError, match="already has a client.*pyemu monitor --port unix://"):
                    second.status()
            assert first.status().now_ms == 0


def test_a_second_program_on_the_controlling_pty_is_refused_and_told_of_the_observer():
    """Two readers of one pty take each other's replies: pyemu's programs lock the
    port, so the second is refused at once, with the observer port to use."""
    with ServeProcess("--port", "pty", *SERVE) as emu:
        with Client.connect(emu.port, timeout=5.0) as first:
            first.status()
            with pytest.raises(LinkError, match="in use by another program.*pyemu monitor --port unix://"):
                Client.connect(emu.port, timeout=5.0)
            assert first.status().now_ms == 0
        with Client.connect(emu.port, timeout=5.0) as again:   # the lock went with its holder
            again.status()


def test_the_observer_port_gets_telemetry_and_its_own_replies_but_cannot_command():
    """Observers may read (HELLO, GET_STATUS, READ_EVENTS), get their own replies
    only, get every unsolicited frame, and any other request is not executed."""
    with ServeProcess("--port", "pty", *SERVE) as emu:
        url = observer_for(emu.port)
        assert url and url.startswith("unix://")
        with Client.connect(emu.port, timeout=5.0) as ctl, Client.connect(url, timeout=5.0) as obs:
            assert obs.hello().serial == ctl.hello().serial
            before = obs.status().now_ms
            with pytest.raises(NoReply):           # not executed, not answered
                Client(obs.transport, timeout=0.3, retries=0).request("ADVANCE", delta_ms=60_000)
            assert ctl.status().now_ms == before            # the observer's ADVANCE did not run
            ctl.request("INJECT_FAULT", fault=2, action=0)   # memory error: an unsolicited ALARM
            ctl.status()                                     # the ALARM came before this reply
            assert [type(x).__name__ for x in ctl.drain_unsolicited()] == ["Alarm"]
            obs.status()                                     # sent after the ALARM: comes after it
            assert [type(x).__name__ for x in obs.drain_unsolicited()] == ["Alarm"]


def test_monitor_beside_ctl_every_ctl_run_succeeds():
    """The attack of issue 11 item 2: a monitor and `pyemu ctl` on one pump.
    A monitor polling through the observer port (as `pyemu monitor --port PTY`
    does by default) while 20 `pyemu ctl` runs (clock, status) use the pty:
    every run exits 0, and the monitor saw the pump throughout."""
    from pyemu.cli.monitor import client_updates

    with ServeProcess("--port", "pty", *SERVE) as emu:
        url = observer_for(emu.port)
        assert url is not None
        seen = []
        errors = []
        connected = threading.Event()
        stop = threading.Event()

        def watch():
            try:
                for kind, _ in client_updates(url, poll_s=0.02, timeout=5.0):
                    seen.append(kind)
                    if kind == "status":
                        connected.set()
                    if stop.is_set():
                        return
            except Exception as exc:   # reported below: the monitor must not fail
                errors.append(exc)
                connected.set()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        assert connected.wait(DEADLINE_S)
        failures = []
        for i in range(scaled(20, 200)):
            cmd = ["clock"] if i % 2 == 0 else ["--json", "status"]
            run = subprocess.run([sys.executable, "-m", "pyemu", "ctl", "--port", emu.port, *cmd],
                                 capture_output=True, text=True, timeout=DEADLINE_S)
            if run.returncode != 0:
                failures.append((cmd, run.returncode, run.stdout + run.stderr))
        # The CLI monitor, too, goes through the observer while a client holds the pty.
        with Client.connect(emu.port, timeout=5.0):
            once = subprocess.run([sys.executable, "-m", "pyemu", "monitor", "--port", emu.port, "--once"],
                                  capture_output=True, text=True, timeout=DEADLINE_S)
        stop.set()
        watcher.join(DEADLINE_S)
    assert failures == []
    assert errors == []
    assert seen.count("status") > 20
    assert once.returncode == 0, once.stdout + once.stderr
