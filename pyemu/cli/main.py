"""The ``pyemu`` command: the parser; each subcommand is a module of this package.

Each subcommand lives in a module with ``register(subparsers)``, which adds
its parser and sets ``func`` (``args -> exit status``). ``main`` imports only
the module of the command given (``SUBCOMMANDS`` lists each with its one-line
help for ``pyemu --help``), so ``pyemu --help`` loads no subcommand module:
not the C extension, the emulator, the scenario player or the QEMU support.

Exit status, for every subcommand: 0 done; 1 the device refused (its reason
is printed); 2 usage error; 3 no device answered or the line failed;
4 the state file cannot be used.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import AbstractSet, List, Optional, Sequence, Tuple

from pyemu import __version__
from pyemu.cli.common import EXIT_OK, EXIT_USAGE, Parser

__all__ = ["main", "build_parser"]

#: The subcommands in the order --help lists them: (name, module, one-line help).
#: The help is the module's own (tests/host/test_cli_imports.py checks they agree).
SUBCOMMANDS: List[Tuple[str, str, str]] = [
    ("serve", "pyemu.cli.serve", "run the emulated pump on a port"),
    ("ctl", "pyemu.cli.ctl", "send one command to a pump (emulator or board)"),
    ("demo", "pyemu.cli.demo", "watch a 6-month therapy on an emulated pump (what `make run` shows)"),
    ("run", "pyemu.cli.run", "play a therapy scenario file and report pass/fail per expectation"),
    ("report", "pyemu.cli.report", "plot a therapy timeline or the trumpet curve (PNG and SVG)"),
    ("monitor", "pyemu.cli.monitor", "live dashboard of a pump's telemetry, alarms and events"),
    ("decode", "pyemu.cli.decode", "print the frames of a recording, of hex on stdin, or of a live pump"),
    ("hil", "pyemu.cli.hil",
     "run the board firmware in QEMU, or check a real board, for the client to talk to"),
    ("fleet", "pyemu.cli.fleet", "simulate a population of virtual patients and report risk figures"),
    ("keys", "pyemu.cli.keys", "create session keys and provision a pump with them"),
    ("state", "pyemu.cli.state",
     "inspect a state file, or restart a damaged one from its previous generation"),
    ("web", "pyemu.cli.web", "the clinician programmer in a browser (http://127.0.0.1:8080)"),
]
SUBCOMMAND_MODULES: List[str] = [module for _, module, _ in SUBCOMMANDS]

_EPILOG = """\
exit status: 0 done, 1 the device refused (reason printed), 2 usage error,
3 no device answered / line failed, 4 state file unusable.

Start here:  pyemu demo
             pyemu serve --port pty --clock manual --test-features
             pyemu ctl --port /dev/pts/5 status
"""


# -- main ----------------------------------------------------------------------------

def build_parser(commands: Optional[AbstractSet[str]] = None) -> argparse.ArgumentParser:
    """The ``pyemu`` parser; with ``commands``, only those subcommands' modules are
    imported and get their full parsers, the others are listed by name and help."""
    parser = Parser(
        prog="pyemu",
        description="Emulator of an implantable intrathecal drug pump: serve it on a "
                    "serial port, talk to it, watch a therapy.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"pyemu {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module, help_text in SUBCOMMANDS:
        if commands is None or name in commands:
            importlib.import_module(module).register(subparsers)
        else:
            subparsers.add_parser(name, help=help_text)
    return parser


def _command(argv: Sequence[str]) -> AbstractSet[str]:
    """The subcommand named on the command line, if any: the first word that is not
    an option (the top-level options, --help and --version, take no value)."""
    for word in argv:
        if not word.startswith("-"):
            return {word}
    return set()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``pyemu`` command; returns the exit status."""
    from pyemu.cli import common

    words = list(sys.argv[1:] if argv is None else argv)
    named = _command(words)
    command = next(iter(named), "")
    # --json promises one object on stdout, usage errors included (fleet's --json is a file)
    options = words[:words.index("--")] if "--" in words else words
    common.JSON_USAGE_ERRORS = "--json" in options and command != "fleet"
    common.COMMAND = command if command in {name for name, _, _ in SUBCOMMANDS} else ""
    parser = build_parser(named)
    args = parser.parse_args(words)
    common.COMMAND = str(getattr(args, "command", "") or "")
    if getattr(args, "func", None) is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `pyemu ctl events | head`: the reader left; not an error of ours. Point
        # stdout at /dev/null so the interpreter's final flush does not complain.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_OK
