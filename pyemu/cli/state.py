"""``pyemu state``: look at a state file's two generations, and restart a damaged one from the older.

'pyemu serve --state FILE' keeps the pump's memory in FILE and the generation
before it in FILE.prev. A damaged FILE is refused, never replaced behind your
back; restarting from FILE.prev is your choice:

    pyemu state show pump.state      # both generations: written when, simulated time, events, keys
    pyemu state recover pump.state   # restart from pump.state.prev; says what is lost

'recover' copies the damaged bytes to FILE.damaged first and refuses a file
that is whole. The emulator must be stopped (the file's lock is taken).
Exit status 4 when the file is damaged (show) or cannot be recovered.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from pyemu.cli.common import EXIT_OK, EXIT_STATE, EXIT_USAGE, error
from pyemu.host.statefile import StateFile, StateFileError, decode, describe_image

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add ``pyemu state`` and its commands."""
    state = subparsers.add_parser(
        "state", help="inspect a state file, or restart a damaged one from its previous generation",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=__doc__.split("\n\n", 1)[1].strip(),
    )
    sub = state.add_subparsers(dest="state_command", metavar="COMMAND", required=True)
    p = sub.add_parser("show", help="both generations of a state file: whole or damaged, and what they hold")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=_show)
    p = sub.add_parser("recover", help="restart a damaged state file from FILE.prev (says what is lost)")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=_recover)


def _generation(path: str) -> str:

    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return f"{path}: does not exist"
    except OSError as exc:
        return f"{path}: cannot read it ({exc.strerror})"
    written = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(os.stat(path).st_mtime))
    try:
        payload = decode(data, path)
    except StateFileError as exc:
        return f"{path}: written {written}, {len(data)} bytes, DAMAGED: {exc.reason or exc}"
    return f"{path}: written {written}, whole: {describe_image(payload)}"


def _show(args: argparse.Namespace) -> int:

    path = os.path.abspath(args.file)
    if os.path.isdir(path):
        error(f"{args.file} is a folder; give a state file")
        return EXIT_USAGE
    print(_generation(path))
    print(_generation(path + ".prev"))
    try:
        with open(path, "rb") as f:
            decode(f.read(), path)
    except FileNotFoundError:
        return EXIT_OK
    except (OSError, StateFileError):
        print(f"to restart from the previous generation: pyemu state recover {args.file}",
              file=sys.stderr)
        return EXIT_STATE
    return EXIT_OK


def _recover(args: argparse.Namespace) -> int:

    try:
        with StateFile(args.file) as state:
            result = state.recover()
    except StateFileError as exc:
        error(str(exc))
        return EXIT_STATE
    except OSError as exc:
        error(f"state file {args.file}: cannot recover it ({exc.strerror or exc}); "
              f"it has not been changed")
        return EXIT_STATE
    print(result.report)
    # deferred: the C extension loads only to recover a state file, not to show one
    from pyemu.host.device import Device

    if not Device.load(result.payload).provisioned:
        print(f"pyemu state: warning: the recovered pump has NO keys: it obeys every client without a "
              f"session. Keys are saved in both generations when provisioned, so the damaged one "
              f"had none either (if written by this pyemu). To require sessions: "
              f"pyemu keys provision --state {args.file} --keys KEYFILE", file=sys.stderr)
    return EXIT_OK
