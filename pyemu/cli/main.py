"""The ``pyemu`` command: ``serve``, ``ctl``, ``demo`` and the subcommands other modules add.

Each subcommand lives in a module with ``register(subparsers)``, which adds
its parser and sets ``func`` (``args -> exit status``). Modules import their
heavy dependencies (the C extension, matplotlib) inside the handler, so
``pyemu --help`` and ``pyemu ctl`` stay quick.

Exit status, for every subcommand: 0 done; 1 the device refused (its reason
is printed); 2 usage error; 3 no device answered or the line failed;
4 the state file cannot be used.
"""
from __future__ import annotations

import argparse
import importlib
import re
import sys
from typing import Callable, List, Optional, Sequence

from pyemu import __version__, units

__all__ = ["main", "build_parser", "Parser", "whole_number", "bounded_duration", "EXIT_OK", "EXIT_REFUSED", "EXIT_USAGE", "EXIT_LINK", "EXIT_STATE"]

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_LINK = 3
EXIT_STATE = 4

# Modules that add subcommands, in the order --help lists them.
SUBCOMMAND_MODULES: List[str] = ["pyemu.cli.main", "pyemu.cli.ctl", "pyemu.cli.demo", "pyemu.therapy.scenario",
                                 "pyemu.therapy.report", "pyemu.cli.monitor", "pyemu.host.hil", "pyemu.therapy.fleet",
                                 "pyemu.cli.keys", "pyemu.cli.state"]

_EPILOG = """\
exit status: 0 done, 1 the device refused (reason printed), 2 usage error,
3 no device answered / line failed, 4 state file unusable.

Start here:  pyemu demo
             pyemu serve --port pty --clock manual --test-features
             pyemu ctl --port /dev/pts/5 status
"""


# Limits of the C structures the serve options end up in (firmware/device/device.h,
# firmware/core/pump.h); tests/host/test_cli.py checks them against the C build.
CLOCK_SPEED_MAX = 2**32 - 1                 # device_options_t.clock_speed: uint32_t
SERIAL_MAX = 2**32 - 1                      # pump_config_t.serial: uint32_t
TELEMETRY_PERIOD_MAX_MS = 2_592_000_000     # DEVICE_TELEMETRY_PERIOD_MAX_MS: 30 days
PUMP_TIME_MAX_MS = 2**48 - 1                # PUMP_TIME_MAX: the core's clock ends here
U64_MAX = 2**64 - 1


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that gives values starting with '-' to the option before them.

    argparse takes ``-1mL`` for an unknown option ("expected one argument"), so a
    negative volume never reached the unit parser that refuses it in a sentence.
    No pyemu option is spelled '-' followed by a digit or a point, so such a word
    is always a (negative) value. Subparsers inherit the class.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        # argparse's own test (a private attribute, present in every Python 3):
        # what it matches is read as a value when no option looks like a number.
        self._negative_number_matcher = re.compile(r"^-\.?[0-9]")


# -- argument types shared by subcommands -----------------------------------------

def whole_number(what: str, low: int, high: Optional[int] = None, hint: str = "") -> Callable[[str], int]:
    """An argparse ``type=`` for an integer in ``low..high`` (``high`` None: no top).

    The message gives the range, so the user need not guess the limit."""
    allowed = f"{low}..{high}" if high is not None else f"at least {low}"

    def parse(text: str) -> int:
        try:
            value = int(text.strip(), 10)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a {what}: give a whole number {allowed}{hint}")
        return value

    parse.__name__ = what
    return parse


def bounded_duration(what: str, max_ms: int, limit_text: str) -> Callable[[str], int]:
    """A duration ``type=`` refusing values above ``max_ms`` with ``limit_text``."""

    def parse(text: str) -> int:
        try:
            value = units.duration_ms(text)
        except units.UnitError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        if value > max_ms:
            raise argparse.ArgumentTypeError(f"{text!r} is {value} ms: {limit_text}")
        return value

    parse.__name__ = what
    return parse


def unit_type(func: Callable[[str], int], what: str) -> Callable[[str], int]:
    """An argparse ``type=`` that reads clinician units and reports errors argparse's way."""

    def parse(text: str) -> int:
        try:
            return func(text)
        except units.UnitError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = what
    return parse


VOLUME = unit_type(units.volume_nl, "volume")
RATE = unit_type(units.rate_nl_per_day, "rate")
DOSE_RATE = unit_type(units.dose_ug_per_day, "dose rate")
MASS = unit_type(units.mass_ug, "mass")
CONCENTRATION = unit_type(units.concentration_ug_per_ml, "concentration")
DURATION = unit_type(units.duration_ms, "duration")
TELEMETRY_PERIOD = bounded_duration(
    "telemetry period", TELEMETRY_PERIOD_MAX_MS,
    "a telemetry period is 0s (off) or at most 30d (2592000000 ms)")


def add_line_options(parser: argparse.ArgumentParser) -> None:
    """Serial framing options, for ports that are real serial devices."""
    group = parser.add_argument_group("serial line (device paths and pyserial URLs)")
    group.add_argument("--baud", type=whole_number("baud rate", 1, hint=", e.g. 115200"),
                       default=115200, metavar="N",
                       help="baud rate (default: %(default)s)")
    group.add_argument("--bytesize", type=int, choices=(5, 6, 7, 8), default=8,
                       help="data bits (default: %(default)s)")
    group.add_argument("--parity", choices=("N", "E", "O", "M", "S"), default="N",
                       help="parity (default: %(default)s)")
    group.add_argument("--stopbits", type=float, choices=(1, 1.5, 2), default=1,
                       help="stop bits (default: %(default)s)")
    group.add_argument("--rtscts", action="store_true", help="RTS/CTS hardware flow control")
    group.add_argument("--xonxoff", action="store_true", help="XON/XOFF software flow control")


def line_options(args: argparse.Namespace) -> dict:
    """pyserial keyword arguments from :func:`add_line_options`."""
    stopbits = args.stopbits
    return {
        "baudrate": args.baud,
        "bytesize": args.bytesize,
        "parity": args.parity,
        "stopbits": int(stopbits) if stopbits in (1, 2) else stopbits,
        "rtscts": args.rtscts,
        "xonxoff": args.xonxoff,
    }


def error(message: str) -> None:
    """One line on stderr, no traceback."""
    print(f"pyemu: {message}", file=sys.stderr)


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
                   help="accept INJECT_FAULT (simulated motor stall, memory error): test benches only")
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
    from pyemu.host.emulator import serve  # the C extension loads here, not on --help

    if args.speed is not None and args.clock == "manual":
        error("--speed needs the realtime clock; leave out --clock manual")
        return EXIT_USAGE
    if args.link and args.port != "pty":
        error("--link works with --port pty only")
        return EXIT_USAGE
    return serve(args)


# -- main ----------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="pyemu",
        description="Emulator of an implantable intrathecal drug pump: serve it on a "
                    "serial port, talk to it, watch a therapy.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"pyemu {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        module = sys.modules[__name__] if name == __name__ else importlib.import_module(name)
        module.register(subparsers)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``pyemu`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `pyemu ctl events | head`: the reader left; not an error of ours.
        return EXIT_OK
