"""The ``pyemu`` command: the parser; each subcommand is a module of this package.

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
import os
import sys
from typing import List, Optional, Sequence

from pyemu import __version__
from pyemu.cli.common import EXIT_OK, EXIT_USAGE, Parser

__all__ = ["main", "build_parser"]

# Modules that add subcommands, in the order --help lists them.
SUBCOMMAND_MODULES: List[str] = ["pyemu.cli.serve", "pyemu.cli.ctl", "pyemu.cli.demo", "pyemu.cli.run",
                                 "pyemu.cli.report", "pyemu.cli.monitor", "pyemu.cli.decode", "pyemu.cli.hil", "pyemu.cli.fleet",
                                 "pyemu.cli.keys", "pyemu.cli.state"]

_EPILOG = """\
exit status: 0 done, 1 the device refused (reason printed), 2 usage error,
3 no device answered / line failed, 4 state file unusable.

Start here:  pyemu demo
             pyemu serve --port pty --clock manual --test-features
             pyemu ctl --port /dev/pts/5 status
"""


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
        module = importlib.import_module(name)
        module.register(subparsers)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``pyemu`` command; returns the exit status."""
    from pyemu.cli import common

    words = list(sys.argv[1:] if argv is None else argv)
    command = next((w for w in words if not w.startswith("-")), "")
    # --json promises one object on stdout, usage errors included (fleet's --json is a file)
    common.JSON_USAGE_ERRORS = "--json" in words[:words.index("--")] if "--" in words else "--json" in words
    common.JSON_USAGE_ERRORS = common.JSON_USAGE_ERRORS and command != "fleet"
    common.COMMAND = command if command in {m.rsplit(".", 1)[1] for m in SUBCOMMAND_MODULES} else ""
    parser = build_parser()
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
