"""``pyemu serve``: run the emulated pump on a port until interrupted.

The options, then :func:`serve`, which builds the device, the state file,
the clock and the port, and runs :class:`pyemu.host.emulator.Emulator`.
"""
from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from typing import Any, Callable, List, Optional
from urllib.parse import urlsplit

from pyemu import units
from pyemu.host.emulator import Clock, Emulator, ManualClock, RealtimeClock, print_line
from pyemu.host.recording import Recorder
from pyemu.host.statefile import StateFile, StateFileError
from pyemu.link.auth import KeyFileError, fingerprint, load_pump_keys
from pyemu.link.observe import ObserverHub
from pyemu.link.transport import TransportError, open_transport
from pyemu.cli.common import (CLOCK_SPEED_MAX, DURATION, EXIT_LINK, EXIT_OK, EXIT_STATE, EXIT_USAGE,
                              PUMP_TIME_MAX_MS, SERIAL_MAX, TELEMETRY_PERIOD, U64_MAX, VOLUME,
                              add_line_options, error, line_options, whole_number)

# -- pyemu serve ---------------------------------------------------------------------

def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``pyemu serve``."""
    p = subparsers.add_parser(
        "serve",
        help="run the emulated pump on a port",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Run the emulated pump on a serial port until interrupted (Ctrl-C saves and exits).

The first line on stdout is machine-readable: 'PORT <what a client opens>',
e.g. 'PORT /dev/pts/5' or 'PORT socket://127.0.0.1:5555'. Progress and
errors go to stderr.""",
        epilog="""\
ports:
  pty                       a new pseudo-terminal; the client opens the printed path
  tcp-listen://HOST:PORT    a TCP server on this machine (PORT 0: any free port)
  /dev/ttyUSB0              a real serial device (see the serial line options)
  socket://HOST:PORT, rfc2217://HOST:PORT, loop://   any pyserial URL

clocks:
  --clock realtime          simulated time follows the wall clock (the default)
  --speed 3600              ... one simulated hour per second
  --clock manual            time moves only when a client sends ADVANCE
                            (the only clock that accepts ADVANCE)

examples:
  pyemu serve --port pty --clock manual --test-features --state pump.state
  pyemu serve --port tcp-listen://127.0.0.1:5555 --speed 3600 --telemetry-period 10min
""",
    )
    p.add_argument("--port", default="pty", metavar="URL",
                   help="where to serve (default: %(default)s; see 'ports' below)")
    p.add_argument("--link", metavar="PATH",
                   help="with --port pty: keep a symlink PATH -> the pty, stable across restarts")
    p.add_argument("--observe", default="auto", metavar="URL",
                   help="the observer port, for programs that watch beside the controlling "
                        "client (pyemu monitor): auto (a private Unix socket, printed as "
                        "OBSERVE URL; monitor finds it), unix:///PATH, tcp-listen://HOST:PORT "
                        "or none (default: %(default)s)")
    p.add_argument("--clock", choices=("realtime", "manual"), default=None,
                   help="realtime (default) or manual (only ADVANCE moves time)")
    p.add_argument("--speed", default=None, metavar="N",
                   type=whole_number("speed", 1, CLOCK_SPEED_MAX,
                                     " (3600 = one simulated hour per second)"),
                   help="realtime clock sped up N times, a whole number 1..4294967295 "
                        "(3600 = one simulated hour per second)")
    p.add_argument("--telemetry-period", type=TELEMETRY_PERIOD, default=units.duration_ms("60s"),
                   metavar="DURATION",
                   help="simulated time between unsolicited STATUS frames, e.g. 60s, 10min, "
                        "at most 30d; 0s turns them off (default: 60s)")
    p.add_argument("--state", metavar="FILE",
                   help="keep the pump's non-volatile memory in FILE (created if missing; "
                        "restarts where it left off)")
    p.add_argument("--save-period", type=DURATION, default=units.duration_ms("5s"),
                   metavar="DURATION",
                   help="with --state, also save this often (wall time) while the clock "
                        "runs (default: 5s); commands are always saved before their reply")
    p.add_argument("--test-features", action="store_true",
                   help="accept simulated faults (pyemu ctl fault: motor stall, memory error, and the "
                        "physical plant's flow error, occlusion, leak, pocket fill, MRI) and "
                        "`pyemu ctl truth` (the real reservoir, docs/plant.md): test benches only")
    p.add_argument("--serial-number", type=whole_number("serial number", 0, SERIAL_MAX),
                   default=None, metavar="N",
                   help="the pump's serial number for a new pump, 0..4294967295 "
                        "(default: the device's)")
    p.add_argument("--keys", metavar="KEYFILE",
                   help="provision the pump with this key file's role keys (made by "
                        "'pyemu keys create'): every command then needs a session")
    p.add_argument("--record", metavar="FILE",
                   help="write every byte on the line, both ways, with its time to FILE "
                        "(JSON Lines, docs/recording.md); `pyemu report` and `pyemu monitor` "
                        "read it back")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")
    add_line_options(p)
    p.set_defaults(func=_cmd_serve)


def _cmd_serve(args: argparse.Namespace) -> int:
    if args.speed is not None and args.clock == "manual":
        error("--speed needs the realtime clock; leave out --clock manual")
        return EXIT_USAGE
    if args.link and args.port != "pty":
        error("--link works with --port pty only")
        return EXIT_USAGE
    return serve(args)


# -- pyemu serve -------------------------------------------------------------------

def _provision(device: Any, path: str, log: Callable[[str], None]) -> Optional[str]:
    """``serve --keys``: store the key file's role keys in the pump (saved with its
    state). Returns what is wrong, or None. Prints fingerprints, never keys."""

    try:
        clinician, patient = load_pump_keys(path)
    except KeyFileError as exc:
        return str(exc)
    device.provision(clinician, patient)
    log(f"keys provisioned (clinician {fingerprint(clinician)}, patient {fingerprint(patient)}): "
        f"every command now needs a session")
    return None


def _open_pump_warning(port: str, peer: str) -> List[str]:
    """What ``serve`` says about a pump without keys: one line, or a block on a
    tcp-listen address other programs on the network can reach."""

    host = urlsplit(port).hostname if port.startswith("tcp-listen://") else None
    loopback = True
    if host is not None and host != "localhost":
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:          # a host name: it may resolve to anything
            loopback = False
    if loopback:
        return ["warning: this pump has no keys: every command is accepted without a session "
                "(pyemu keys create FILE, then serve --keys FILE)"]
    return [
        "WARNING: this pump has no keys and listens on a network address:",
        f"WARNING:   {peer}",
        "WARNING: anyone who can reach that address can program doses, give boluses,",
        "WARNING: change its clock and read its log, without authentication.",
        "WARNING: Give it keys (pyemu keys create FILE, then serve --keys FILE),",
        "WARNING: or listen on tcp-listen://127.0.0.1:PORT only.",
    ]


def serve(args: Any) -> int:
    """``pyemu serve`` (arguments parsed by :mod:`pyemu.cli.main`). Returns the exit status."""
    # deferred: the C extension loads when a pump is served, not on `pyemu serve --help`
    from pyemu.pump.core import Config, PumpError
    from pyemu.host.device import Device, DeviceError, ImageError

    quiet = args.quiet

    def log(message: str) -> None:
        if not quiet:
            print_line(sys.stderr, f"pyemu serve: {message}")

    def fail(message: str, status: int) -> int:
        print_line(sys.stderr, f"pyemu serve: {message}")
        return status

    manual = args.clock == "manual"
    speed = 0 if manual else (args.speed or 1)
    if args.state is not None and not args.state:
        return fail("--state needs a file name (a missing file starts a new pump)", EXIT_USAGE)
    link = getattr(args, "link", None)
    if link and os.path.lexists(link) and not os.path.islink(link):
        # The link is replaced on every start: only ever replace a link.
        return fail(f"--link {link}: that name exists and is not a symlink; pyemu replaces only "
                    f"a symlink (remove it or choose another name)", EXIT_USAGE)
    state: Optional[StateFile] = None
    image: Optional[bytes] = None
    if args.state:
        state = StateFile(args.state)
        try:
            state.lock()
            image = state.load()
        except StateFileError as exc:
            state.close()
            return fail(str(exc), EXIT_STATE)
        except OSError as exc:
            state.close()
            return fail(f"state file {state.path}: cannot read it ({exc.strerror or exc})",
                        EXIT_STATE)
    options = dict(
        clock="manual" if manual else "realtime",
        speed=speed or 1,
        telemetry_period_ms=args.telemetry_period,
        test_features=args.test_features,
        hold_until_saved=state is not None,
    )
    if args.serial_number is not None:
        options["config"] = Config(serial=args.serial_number)
    try:
        if image is None:
            device = Device(**options)
        else:
            device = Device.load(image, **options)
    except (ImageError, PumpError) as exc:
        assert state is not None
        state.close()
        return fail(
            f"state file {state.path}: the pump refused its memory image ({exc}). "
            f"The file has not been changed. To start a new pump instead, move it aside "
            f"(mv {state.path} {state.path}.bad) and start again.",
            EXIT_STATE,
        )
    except (DeviceError, ValueError) as exc:
        if state is not None:
            state.close()
        return fail(f"cannot start the pump: {exc}", EXIT_USAGE)
    provisioned = False
    if getattr(args, "keys", None):
        problem = _provision(device, args.keys, log)
        if problem:
            if state is not None:
                state.close()
            return fail(problem, EXIT_USAGE)
        provisioned = True
    try:
        transport = open_transport(args.port, link=args.link, **line_options(args))
    except (TransportError, ValueError) as exc:
        if state is not None:
            state.close()
        return fail(str(exc), EXIT_LINK)

    observers = None
    observe = getattr(args, "observe", "auto") or "auto"
    if observe != "none":
        try:
            observers = ObserverHub(observe, transport.peer, log=log)
        except TransportError as exc:
            if observe != "auto":
                transport.close()
                if state is not None:
                    state.close()
                return fail(str(exc), EXIT_LINK)
            log(f"no observer port: {exc}")
        else:
            if hasattr(transport, "refusal_hint"):
                transport.refusal_hint = f"to watch it: pyemu monitor --port {observers.url}"

    clock: Clock = ManualClock() if manual else RealtimeClock(speed=float(speed))
    clock.start(device.now_ms)
    emulator = Emulator(device, transport, clock, state,
                        save_period=args.save_period / 1000, log=log)
    emulator.observers = observers
    if getattr(args, "record", None):
        try:
            # A recording that fails later stops with a warning; the pump goes on.
            emulator.recorder = Recorder(
                args.record, on_error=lambda text: print_line(sys.stderr, f"pyemu serve: warning: {text}"),
                port=transport.peer, clock="manual" if manual else "realtime", speed=speed)
        except OSError as exc:
            transport.close()
            if state is not None:
                state.close()
            return fail(f"cannot write the recording: {exc}", EXIT_USAGE)
    if state is not None:
        # A new pump's file exists from the start; new keys go into both
        # generations (the keys rule, pyemu/host/statefile.py). This save is also the
        # check that the folder is writable and the disk has room.
        try:
            emulator.save(force=image is None, both_generations=provisioned)
        except (StateFileError, OSError) as exc:
            transport.close()
            state.close()
            if emulator.recorder is not None:
                emulator.recorder.close()
            reason = str(exc) if isinstance(exc, StateFileError) else exc.strerror or str(exc)
            return fail(f"state file {state.path}: cannot write it ({reason}); the pump was not "
                        f"started and the file has not been changed. The pump's memory is saved "
                        f"there after every command: use a folder you can write, on a disk "
                        f"with free space.", EXIT_STATE)
    emulator.install_signal_handlers()
    if not device.provisioned:
        for line in _open_pump_warning(args.port, transport.peer):
            print_line(sys.stderr, f"pyemu serve: {line}")   # also with --quiet: not progress
    clock_text = "manual clock" if manual else ("real time" if speed == 1 else f"{speed}x real time")
    memory = f"state {state.path} ({'restored' if image else 'new pump'})" if state else "no state file"
    log(f"pump on {transport.peer} ({clock_text}, {memory}); Ctrl-C stops")
    print_line(sys.stdout, f"PORT {transport.peer}")
    if observers is not None:
        print_line(sys.stdout, f"OBSERVE {observers.url}")
    try:
        status = emulator.run()
    except StateFileError as exc:
        return fail(str(exc), EXIT_STATE)
    except OSError as exc:
        return fail(f"cannot write the state file: {exc}", EXIT_STATE)
    finally:
        transport.close()
        if observers is not None:
            observers.close()
        if state is not None:
            state.close()
        if emulator.recorder is not None:
            emulator.recorder.close()
    log(f"stopped; {emulator.stats.rx_bytes} bytes in, {emulator.stats.tx_bytes} out"
        + (f", {emulator.stats.saves} saves" if state else ""))
    return EXIT_OK if status == 0 else EXIT_LINK


# -- a child process, for tests and the demo -----------------------------------------
