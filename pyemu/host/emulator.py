"""The serve loop: a :class:`pyemu.host.device.Device` on a transport, with a clock and a state file.

The device (C, via cffi) does everything a pump does with bytes and time; this
module only moves bytes between it and a transport, tells it the time, and
keeps its non-volatile memory on disk:

* **Clocks.** ``manual``: the host never moves time; only the ADVANCE command
  does (tests, conformance, the demo). ``realtime``: simulated time follows
  the wall clock, multiplied by ``speed`` (``--speed 3600`` = one simulated
  hour per second). After a restart, simulated time resumes where the state
  file left it: the pump's clock stood still while the emulator was down.
* **State file.** After every batch of received bytes, if the device's image
  changed, it is written (atomically, fsync'ed) *before* the device's reply
  leaves: a reply the client saw is always backed by the disk. Between
  commands the image is written every ``save_period`` wall seconds if the
  clock moved it. A restart from the file is logged by the device as a reset.
* **Stopping.** SIGINT and SIGTERM set a flag; the loop saves and returns.

The device follows the host contract of ``firmware/device/device.h``: with a
state file it holds its replies until the image of the state that produced
them is saved and :meth:`Device.mark_saved` is called.

Crash testing: the environment variable ``PYEMU_TEST_KILL=POINT:N`` makes
the emulator SIGKILL itself at the N-th occurrence of POINT: ``rx`` (bytes
received, not yet given to the device), ``saved`` (state saved, reply not
yet sent) or ``sent`` (reply sent). The kill tests use it to stop the
emulator inside the windows that matter, deterministically.
"""
from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, TextIO, Tuple

from pyemu.link.observe import split_unsolicited
from pyemu.host.statefile import StateFile
from pyemu.host.turn import HostTurn
from pyemu.link.transport import Transport, TransportClosed, TransportError

__all__ = ["Clock", "ManualClock", "RealtimeClock", "Emulator", "EmulatorStats",
           "ServeProcess"]


PUMP_TIME_MAX_MS = 2**48 - 1   # PUMP_TIME_MAX, firmware/core/pump_internal.h


class _Stopping(Exception):
    """Raised by the signal handler to end a wait for bytes early."""


class Clock:
    """Tells the serve loop which simulated time to give the device."""

    manual = False

    def start(self, sim_ms: int) -> None:
        """Resume at ``sim_ms`` (the device's time when loaded)."""

    def now_ms(self) -> Optional[int]:
        """Simulated time now, or None if the host must not move time."""
        return None

    def wait_hint(self) -> float:
        """Longest wall time the loop may block in a read, in seconds."""
        return 0.25


class ManualClock(Clock):
    """Time moves only when a client sends ADVANCE."""

    manual = True


class RealtimeClock(Clock):
    """Simulated time = time at start + wall time elapsed × ``speed``."""

    def __init__(self, speed: float = 1.0, tick_s: float = 0.05) -> None:
        if not speed > 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self.tick_s = tick_s
        self._base_sim = 0
        self._base_wall = time.monotonic()

    def start(self, sim_ms: int) -> None:
        self._base_sim = sim_ms
        self._base_wall = time.monotonic()

    def now_ms(self) -> int:
        now = self._base_sim + int((time.monotonic() - self._base_wall) * 1000.0 * self.speed)
        # The pump's clock ends at 2^48 - 1 ms (pump.h); at --speed 4294967295 that
        # is 65 s of wall time away. It stops there rather than end the serve loop.
        return min(now, PUMP_TIME_MAX_MS)

    def wait_hint(self) -> float:
        return self.tick_s


@dataclass
class EmulatorStats:
    """What the loop did, for logs and benchmarks."""

    rx_bytes: int = 0
    tx_bytes: int = 0
    tx_dropped: int = 0
    saves: int = 0
    started: float = field(default_factory=time.monotonic)


class Emulator:
    """Serves one device on one transport until :meth:`stop` or a signal."""

    def __init__(
        self,
        device: Any,
        transport: Transport,
        clock: Clock,
        state: Optional[StateFile] = None,
        save_period: float = 5.0,
        log: Optional[Callable[[str], None]] = None,
        c_turn: bool = True,
    ) -> None:
        self.device = device
        self.transport = transport
        self.clock = clock
        self.state = state
        self.save_period = save_period
        self.stats = EmulatorStats()
        self._stop = False
        self._log = log or (lambda message: None)
        self._saved_image: Optional[bytes] = None
        self._last_save = time.monotonic()
        #: A pyemu.host.recording.Recorder (``--record``): sees every byte, both ways.
        self.recorder: Optional[Any] = None
        self._waiting = False
        self._dropping = False
        self._kill_point, self._kill_count = _kill_point_from_env()
        self._counts: Dict[str, int] = {}
        #: The observer port (pyemu.link.observe.ObserverHub), if served.
        self.observers: Optional[Any] = None
        self._pending = b""
        self._rx_idle = True
        self._poller: Optional[Any] = None
        self._poll_key: Optional[Tuple[int, Tuple[int, ...]]] = None
        self._connections = getattr(transport, "connections", 0)
        #: The usual turn in C (firmware/ports/host/host_turn.h), when it can serve
        #: this line: a plain descriptor, the manual clock (it does not tick).
        self._turn: Optional[HostTurn] = None
        if c_turn and getattr(transport, "quick_fd", None) is not None and clock.manual \
                and hasattr(device, "_d"):
            self._turn = HostTurn(device, saves=state is not None)

    # -- state -------------------------------------------------------------------
    def save(self, force: bool = False, both_generations: bool = False) -> bool:
        """Make the device's state durable if it changed (or ``force``). True if written.

        ``both_generations``: the state file's previous generation gets this
        image too (after provisioning keys: see :mod:`pyemu.host.statefile`)."""
        self._last_save = time.monotonic()
        if self.state is None:
            return False
        generation = self.device.nv_generation
        image = self.device.save()
        if force or both_generations or image != self._saved_image:
            self.state.save(image, both_generations=both_generations)
            self._saved_image = image
            self.stats.saves += 1
        # Releases replies held for this generation (device.h host contract).
        self.device.mark_saved(generation)
        return True

    # -- loop --------------------------------------------------------------------
    def stop(self) -> None:
        """Ask the loop to finish within one wait (safe from another thread)."""
        self._stop = True

    def _on_signal(self, signum: int, frame: object) -> None:
        self._stop = True
        if self._waiting:
            # The loop (this thread) is waiting for bytes: nothing is half-done
            # there, so end the wait now instead of after its timeout.
            raise _Stopping()

    def install_signal_handlers(self) -> None:
        """SIGINT/SIGTERM stop the loop; call from the thread that runs :meth:`run`
        (the main thread: Python runs signal handlers there)."""
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)

    def _read(self, timeout: float) -> bytes:
        """Bytes from the controlling client; meanwhile serve the observer port."""
        hub = self.observers
        if hub is None:
            return self.transport.read(timeout)
        fds = self.transport.poll_fds()
        if not fds:   # a pyserial-only line: no descriptor to wait on with the hub's
            hub.poll_all()
            return self.transport.read(min(timeout, 0.05))
        key = (hub.version, tuple(fds))
        if key != self._poll_key:
            # Rebuilt only when a descriptor or what it waits for changed: the
            # usual turn costs one poll() call, as without observers.
            poller = select.poll()
            for fd in fds:
                poller.register(fd, select.POLLIN)
            writers = hub.write_fds()
            for fd in hub.fds():
                poller.register(fd, select.POLLIN | (select.POLLOUT if fd in writers else 0))
            self._poller, self._poll_key = poller, key
        poller = self._poller
        line = False
        for fd, events in poller.poll(max(0, int(timeout * 1000 + 0.999))):
            if fd in fds:
                line = True
            else:
                hub.handle(fd, readable=bool(events & ~select.POLLOUT),
                           writable=bool(events & select.POLLOUT))
        return self.transport.read_ready() if line else b""

    def step(self, timeout: float) -> None:
        """One turn: wait for bytes, tell the device the time, save, send its output.

        Backpressure (device.h OUTPUT QUEUE): bytes the device did not take
        wait in ``_pending`` and are fed first next turn; nothing more is
        read from the line until they are in, so a pipelining client is
        slowed by the line's buffers and every request gets its one reply.
        """
        fresh = not self._pending
        data = None
        if fresh and self._turn is not None and self.recorder is None and self._kill_point is None:
            hub = self.observers
            if hub is None or not hub.count:
                # No observer to copy frames to: the C turn serves the usual request.
                data = self._c_turn(timeout)
                if data is None:
                    return
        if data is not None:
            pass   # the C turn read these and left them to this turn
        elif fresh:
            self._waiting = True
            try:
                data = self._read(timeout)
            except _Stopping:
                return
            finally:
                self._waiting = False
        else:
            data, self._pending = self._pending, b""
        now = self.clock.now_ms()
        if now is not None:
            self.device.tick(now)
        connections = getattr(self.transport, "connections", 0)
        if connections != self._connections:
            # A new client on the line: the last one's unfinished frame is not its.
            self._connections = connections
            dropped = self.device.reset_rx()
            self._rx_idle = True
            if dropped:
                self._log(f"new client: {dropped} bytes of the last client's unfinished frame dropped")
        if data:
            if fresh:
                if self._kill_point is not None:   # a test's kill point (PYEMU_TEST_KILL)
                    self._reached("rx")
                self.stats.rx_bytes += len(data)
                if self._dropping:
                    self._log(f"a client is talking ({self.stats.tx_dropped} bytes were dropped before)")
                    self._dropping = False
                if self.recorder is not None:
                    self.recorder.rx(data, self.device.now_ms)
            # One frame per turn, its output sent before the next is fed: the
            # board's loop drains the queue between frames too, and whether a
            # STATUS telemetry frame fits the queue (and is charged to the
            # battery) must not depend on how the host drains (device.h OUTPUT
            # QUEUE). A pipelined burst used to fill the queue here and drop
            # telemetry the board sent: 1.8 C apart after 30 ADVANCEs.
            start = len(data) - len(data.lstrip(b"\x00"))   # leading delimiters end nothing
            end = data.find(b"\x00", start)
            cut = end + 1 if end >= 0 else len(data)
            used = self.device.feed(data[:cut])
            if used < len(data):
                self._pending = data[used:]
            if used:
                self._rx_idle = data[used - 1] == 0
        self._save_if_due()
        self._send(self.device.read_output(), data)
        hub = self.observers
        if hub is not None and hub.requests:
            self._serve_observers()

    def _c_turn(self, timeout: float) -> Optional[bytes]:
        """One turn through host_turn; None if it was served whole, else the
        bytes this Python turn goes on with (b"": none, after the turn did
        what an idle turn does)."""
        turn = self._turn
        assert turn is not None
        hub = self.observers
        self._waiting = True
        try:
            code = turn.run(self.transport.quick_fd, hub, max(0, int(timeout * 1000 + 0.999)))
        except _Stopping:
            return None   # a signal during the wait: the loop ends (run() saves)
        finally:
            self._waiting = False
        t = turn.t
        if t.rx_total:
            # What the turns before the last one (all served whole) and the last one did.
            self.stats.rx_bytes += t.rx_total
            self.stats.tx_bytes += t.tx_total
            self._rx_idle = bool(t.rx_idle)
            if self._dropping:
                self._log(f"a client is talking ({self.stats.tx_dropped} bytes were dropped before)")
                self._dropping = False
        if code == HostTurn.SERVED or code == HostTurn.SAVE or code == HostTurn.UNSENT:
            got, used = t.got, t.used
            if used < got:
                self._pending = turn.rx_bytes(used, got)
            if code == HostTurn.UNSENT:
                self._send(turn.out_bytes(t.sent, t.out_len))
            else:   # SAVE (durable before the reply leaves) or SERVED (a periodic save may be due)
                self._save_if_due()
                self._send(self.device.read_output())
            return None
        if code == HostTurn.IDLE:
            self._save_if_due()
            self._send(self.device.read_output())
            return None
        if code == HostTurn.OTHER:
            line = False
            for fd, events in turn.ready():
                if fd == turn.line_fd:
                    line = True
                elif hub is not None:
                    hub.handle(fd, readable=bool(events & ~select.POLLOUT),
                               writable=bool(events & select.POLLOUT))
            return self.transport.read_ready() if line else b""
        if code == HostTurn.READ_ERR:
            return self.transport.read_ready()   # reads again: the transport says what is wrong
        return self.device.raise_result(-code)

    def _save_if_due(self) -> None:
        if self.state is not None:
            if self.device.nv_dirty:
                # A command was accepted: durable before its reply leaves.
                self.save()
                self._reached("saved")
            elif time.monotonic() - self._last_save >= self.save_period:
                self.save()

    def _send(self, out: bytes, data: bytes = b"") -> None:
        """The device's output to the controlling client (and its unsolicited
        frames to every observer)."""
        if not out:
            return
        if self.recorder is not None:
            self.recorder.tx(out, self.device.now_ms)
        hub = self.observers
        if hub is not None and hub.count:
            hub.broadcast(split_unsolicited(out)[1])
        try:
            self.transport.write(out)
            self.stats.tx_bytes += len(out)
        except TransportClosed:
            raise
        except TransportError as exc:
            # Nobody listening: a serial line loses the bytes, so do we
            # (said once per silence, not once per frame).
            self.stats.tx_dropped += len(out)
            if not self._dropping:
                self._log(f"nobody is reading the port; output is dropped until a client talks ({exc})")
            self._dropping = True
        if data and self._kill_point is not None:
            self._reached("sent")

    def _serve_observers(self) -> None:
        """Observers' read-only requests, each between two frames of the
        controlling client; the reply goes to the observer that asked."""
        hub = self.observers
        assert hub is not None
        while hub.requests and not self._pending and self._rx_idle \
                and self.device.pending_output == 0:
            fd, wire = hub.requests.pop(0)
            if self.device.feed(wire) != len(wire):   # cannot happen: the queue is empty
                raise RuntimeError("the device did not take an observer's request")
            self._save_if_due()
            out = self.device.read_output()   # not recorded: a recording is the control line
            replies, unsolicited = split_unsolicited(out)
            hub.send(fd, replies)
            if unsolicited:
                hub.broadcast(unsolicited)
                try:
                    self.transport.write(unsolicited)
                except TransportClosed:
                    raise
                except TransportError:
                    self.stats.tx_dropped += len(unsolicited)

    def run(self) -> int:
        """Serve until stopped. Returns 0, or 1 if the line went away."""
        status = 0
        try:
            while not self._stop:
                self.step(self.clock.wait_hint())
        except TransportClosed as exc:
            self._log(f"line closed: {exc}")
            status = 1
        finally:
            if self.state is not None:
                self.save()
        return status

    def _reached(self, point: str) -> None:
        if self._kill_point != point:
            return
        count = self._counts.get(point, 0) + 1
        self._counts[point] = count
        if count == self._kill_count:
            os.kill(os.getpid(), signal.SIGKILL)


def _kill_point_from_env() -> Tuple[Optional[str], int]:
    spec = os.environ.get("PYEMU_TEST_KILL", "")
    if not spec:
        return None, 0
    point, _, count = spec.partition(":")
    if point not in ("rx", "saved", "sent") or not count.isdigit():
        raise ValueError(f"PYEMU_TEST_KILL={spec!r}: write rx:N, saved:N or sent:N")
    return point, int(count)


def print_line(stream: TextIO, text: str) -> None:
    """Write one line and flush it at once (readiness lines are read by other programs)."""
    stream.write(text + "\n")
    stream.flush()


class ServeProcess:
    """``pyemu serve ARGS`` in a child process; :meth:`start` returns the port it printed.

    Readiness is the first stdout line (``PORT <path>``), read with select:
    no sleeping, no polling. stderr goes to a temporary file (a pipe nobody
    reads would block the emulator once full).
    """

    def __init__(self, *args: str, env: Optional[Dict[str, str]] = None,
                 start_timeout: float = 60.0) -> None:
        self.argv = [sys.executable, "-m", "pyemu", "serve", *args]
        self.env = None if env is None else {**os.environ, **env}
        self.start_timeout = start_timeout  # a safety net for a broken build, not a wait
        self.proc: Optional[subprocess.Popen] = None
        self.port = ""
        self._stderr = tempfile.TemporaryFile()

    @classmethod
    def manual_pty(cls, *extra: str, state: Optional[str] = None, record: Optional[str] = None,
                   telemetry_period: str = "0s", test_features: bool = True,
                   env: Optional[Dict[str, str]] = None) -> "ServeProcess":
        """``pyemu serve --port pty --clock manual`` (the demo, ``pyemu run``, the pytest plugin).

        Unsolicited STATUS is off by default (``telemetry_period`` "0s"): a
        scripted session jumps months at a time and asks for status when it
        wants it. ``test_features`` accepts INJECT_FAULT (scenarios may inject
        faults; the demo does not need to).
        """
        args = ["--port", "pty", "--clock", "manual", "--quiet",
                "--telemetry-period", telemetry_period, *extra]
        if test_features:
            args.append("--test-features")
        if state:
            args += ["--state", state]
        if record:
            args += ["--record", record]
        return cls(*args, env=env)

    def start(self) -> str:
        self._stderr.seek(0)
        self._stderr.truncate()
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=self._stderr, env=self.env)
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        line = b""
        deadline = time.monotonic() + self.start_timeout
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            ready = select.select([fd], [], [], max(0.0, remaining))[0] if remaining > 0 else []
            chunk = os.read(fd, 1) if ready else b""
            if not chunk:
                code = self.proc.poll() if ready else self.kill()
                raise RuntimeError(
                    f"pyemu serve did not start (exit status {code}): {self.stderr().strip()[-1500:]}"
                )
            line += chunk
        text = line.decode().strip()
        if not text.startswith("PORT "):
            self.kill()
            raise RuntimeError(f"pyemu serve printed {text!r} instead of a PORT line")
        self.port = text[5:]
        return self.port

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def stop(self, timeout: float = 30.0) -> Optional[int]:
        """SIGTERM (saves and exits); SIGKILL only if it does not exit in ``timeout`` s."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self._finish()

    def kill(self) -> Optional[int]:
        """SIGKILL: the emulator gets no chance to save."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        return self._finish()

    def _finish(self) -> Optional[int]:
        assert self.proc is not None
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return self.proc.returncode

    def __enter__(self) -> "ServeProcess":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._stderr.close()
