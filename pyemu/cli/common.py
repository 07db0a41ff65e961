"""What every subcommand shares: exit codes, option types (clinician units,
bounded integers), serial line options and the one-line error printer.

Exit status, for every subcommand: 0 done; 1 the device refused (its reason
is printed); 2 usage error; 3 no device answered or the line failed;
4 the state file cannot be used.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Callable, List, NoReturn, Optional, Sequence

from pyemu import units

__all__ = ["Parser", "whole_number", "bounded_duration", "EXIT_OK", "EXIT_REFUSED", "EXIT_USAGE", "EXIT_LINK", "EXIT_STATE"]

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_LINK = 3
EXIT_STATE = 4

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

    def error(self, message: str) -> "NoReturn":  # type: ignore[override]
        """A usage error: argparse's text, or under ``--json`` one JSON object on stdout.

        ``--json`` promises one object on stdout whatever happens, so a script
        never has to parse usage text: ``{"ok": false, "command", "error": "usage",
        "message", "usage"}``; the usual lines still go to stderr. Exit status 2."""
        if JSON_USAGE_ERRORS:
            # the parser's prog is "pyemu ctl advance": the command is what follows "pyemu"
            # (an unknown option is reported by the top parser: then the word typed)
            command = self.prog.split(" ", 1)[1] if " " in self.prog else COMMAND
            print(json.dumps({"ok": False, "command": command, "error": "usage",
                              "message": message, "usage": self.format_usage().strip()}))
        super().error(message)


# Set by pyemu.cli.main.main when the command line asks for --json output
# (fleet's --json names a file and is not such a request).
JSON_USAGE_ERRORS = False
# The subcommand being run ("ctl", "serve" ...), for error(): set by main().
COMMAND = ""


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
    """One line on stderr, no traceback, prefixed with the subcommand (``pyemu serve: ...``)."""
    print(f"pyemu {COMMAND}: {message}" if COMMAND else f"pyemu: {message}", file=sys.stderr)
