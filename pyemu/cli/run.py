"""``pyemu run``: play a scenario file on a target and report pass/fail per expectation.

Targets: ``emulator`` (``pyemu serve`` on a pty with a manual clock in a child
process, :meth:`pyemu.host.emulator.ServeProcess.manual_pty`, so the bytes go
through the kernel as from any program), ``qemu`` (the board image), ``core``
(the C core in-process) or the URL of a pump running a manual clock.
"""
from __future__ import annotations

import argparse
import sys

from pyemu.cli.common import EXIT_LINK, EXIT_USAGE
from pyemu.host.emulator import ServeProcess
from pyemu.host.hil import QemuBoard, firmware_image
from pyemu.pump.client import Client, ClientError
from pyemu.therapy.targets import ClientTarget, CoreTarget
from pyemu.therapy.player import format_outcome, play
from pyemu.therapy.scenario import ScenarioError, format_time, load_scenario, shipped_scenarios

def register(subparsers) -> None:
    """Add `pyemu run` to the CLI."""
    names = ", ".join(shipped_scenarios())
    p = subparsers.add_parser(
        "run", help="play a therapy scenario file and report pass/fail per expectation",
        description="Play a scenario (TOML) on a pump and check its expectations. Exit "
                    "status 0 if every expectation is met, 1 if any fails, 2 if the file "
                    f"is wrong, 3 if the pump could not be reached. Shipped: {names}.")
    p.add_argument("scenario", help="a .toml file, or the name of a shipped scenario")
    p.add_argument("--target", default="emulator", metavar="TARGET",
                   help="emulator (a new emulated pump on a pty; the default), qemu (the "
                        "board firmware in QEMU), core (the C core in-process, no wire), "
                        "or the URL of a pump running a manual clock")
    p.add_argument("--record", metavar="FILE",
                   help="with --target emulator: record the session (docs/recording.md)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also list every command the pump accepted")
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    if args.record and args.target != "emulator":
        print("pyemu run: --record works with --target emulator (the emulator records "
              "what crosses its port)", file=sys.stderr)
        return 2
    try:
        sc = load_scenario(args.scenario)
    except (ScenarioError, OSError) as exc:
        print(f"pyemu run: {exc}", file=sys.stderr)
        return 2
    if args.target == "core" and sc.needs_plant:
        print(f"pyemu run: {sc.name!r} uses the physical plant (faults of the mechanism, catheter, "
              "needle or MRI, or truth checks), which runs in the device: use --target emulator, "
              "qemu or a port", file=sys.stderr)
        return 2
    print(f"scenario: {sc.name} ({len(sc.steps)} steps, {format_time(sc.duration_ms)} "
          f"of therapy) on {args.target}")

    def show(o):
        # routine accepted commands only with -v; checks, expected refusals
        # and every failure always
        if not o.passed or args.verbose or o.what != "accepted":
            print("  " + format_outcome(o))

    try:
        if args.target == "core":
            res = play(sc, CoreTarget(), on_outcome=show)
        else:
            res = _run_on_port(sc, args, show)
    except Exception as exc:  # the line or the device failed: say so, exit 3
        if not isinstance(exc, (OSError, RuntimeError, ClientError)):
            raise   # a defect of pyemu: keep the traceback
        print(f"pyemu run: the pump did not play along: {exc}", file=sys.stderr)
        return 3
    n, bad = len(res.outcomes), len(res.failures)
    print(f"{'PASS' if not bad else 'FAIL'}: {n - bad} of {n} expectations met"
          + (f", {bad} failed" if bad else ""))
    return 0 if not bad else 1


def _run_on_port(sc, args, show):
    if args.target == "emulator":
        with ServeProcess.manual_pty(record=args.record) as emu:
            with Client.connect(emu.port) as client:
                return play(sc, ClientTarget(client), on_outcome=show)
    if args.target == "qemu":
        # In a checkout make rebuilds what changed; installed, the packaged image.
        with QemuBoard(firmware_image(build=True)) as board:
            with Client.connect(board.url) as client:
                return play(sc, ClientTarget(client), on_outcome=show)
    with Client.connect(args.target) as client:
        return play(sc, ClientTarget(client), on_outcome=show)
