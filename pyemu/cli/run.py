"""``pyemu run``: play a scenario file on a target and report pass/fail per expectation.

Targets: ``emulator`` (``pyemu serve`` on a pty with a manual clock in a child
process, :meth:`pyemu.host.emulator.ServeProcess.manual_pty`, so the bytes go
through the kernel as from any program), ``qemu`` (the board image), ``core``
(the C core in-process) or the URL of a pump running a manual clock.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
import time

from pyemu.cli.common import EXIT_LINK, EXIT_USAGE
from pyemu.host.emulator import ServeProcess
from pyemu.host.hil import QemuBoard, firmware_image
from pyemu.pump.client import Client, ClientError
from pyemu.therapy.junit import junit_xml
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
    p.add_argument("--target", default="emulator", metavar="TARGET", type=_target,
                   help="emulator (a new emulated pump on a pty; the default), qemu (the "
                        "board firmware in QEMU), core (the C core in-process, no wire), "
                        "or the URL of a pump running a manual clock")
    p.add_argument("--record", metavar="FILE",
                   help="with --target emulator: record the session (docs/recording.md)")
    p.add_argument("--junit", metavar="FILE",
                   help="also write the result as JUnit XML (Jenkins, GitLab): one test case per "
                        "expectation")
    p.add_argument("--json", action="store_true",
                   help="print exactly one JSON object on stdout (the outcomes) instead of text")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also list every command the pump accepted")
    p.set_defaults(func=cmd_run)


_NAMED_TARGETS = ("emulator", "qemu", "core")


def _target(text: str) -> str:
    """A named target, or a port: a URL (socket://, rfc2217://, ...) or a device path.

    Anything else (a misspelt name) is a usage error, not a failed connection."""
    if text in _NAMED_TARGETS or "://" in text or text.startswith("/") or text.startswith("COM"):
        return text
    raise argparse.ArgumentTypeError(
        f"{text!r} is not a target: give emulator, qemu, core, or the URL or device path "
        "of a pump running a manual clock (socket://HOST:PORT, /dev/pts/N)")


def _outcome_json(o) -> dict:
    """One expectation in `pyemu run --json`."""
    st = o.step
    return {"step": st.index, "repeat": st.repeat, "line": st.line, "action": st.action,
            "at_ms": st.at_ms, "at": format_time(st.at_ms), "expected": o.what,
            "passed": o.passed, "detail": o.detail if not o.passed else "", "note": st.note}


def _failed(args: argparse.Namespace, status: int, message: str, kind: str) -> int:
    print(f"pyemu run: {message}", file=sys.stderr)
    if args.json:
        print(json.dumps({"ok": False, "command": "run", "error": kind, "message": message}))
    return status


def cmd_run(args: argparse.Namespace) -> int:
    if args.record and args.target != "emulator":
        return _failed(args, 2, "--record works with --target emulator (the emulator records "
                       "what crosses its port)", "usage")
    try:
        sc = load_scenario(args.scenario)
    except (ScenarioError, OSError) as exc:
        return _failed(args, 2, str(exc), "scenario")
    if args.target == "core" and sc.needs_plant:
        return _failed(args, 2, f"{sc.name!r} uses the physical plant (faults of the mechanism, catheter, "
                       "needle or MRI, or truth checks), which runs in the device: use --target emulator, "
                       "qemu or a port", "usage")
    if not args.json:
        print(f"scenario: {sc.name} ({len(sc.steps)} steps, {format_time(sc.duration_ms)} "
              f"of therapy) on {args.target}")

    def show(o):
        # routine accepted commands only with -v; checks, expected refusals
        # and every failure always
        if args.json:
            return
        if not o.passed or args.verbose or o.what != "accepted":
            print("  " + format_outcome(o))

    started = _dt.datetime.now(_dt.timezone.utc)
    t_start = time.monotonic()

    try:
        if args.target == "core":
            res = play(sc, CoreTarget(), on_outcome=show)
        else:
            res = _run_on_port(sc, args, show)
    except Exception as exc:  # the line or the device failed: say so, exit 3
        if isinstance(exc, BrokenPipeError):
            raise   # our reader left (`| head`): main() exits quietly
        if not isinstance(exc, (OSError, RuntimeError, ClientError)):
            raise   # a defect of pyemu: keep the traceback
        return _failed(args, 3, f"the pump did not play along: {exc}", "link")
    wall_s = time.monotonic() - t_start
    n, bad = len(res.outcomes), len(res.failures)
    if args.junit:
        try:
            with open(args.junit, "wb") as f:
                f.write(junit_xml(res, args.target, wall_s, started))
        except OSError as exc:
            return _failed(args, 2, f"cannot write {args.junit}: {exc.strerror or exc}", "usage")
    if args.json:
        print(json.dumps({"ok": not bad, "command": "run", "scenario": sc.name, "file": str(sc.path),
                          "target": args.target, "expectations": n, "passed": n - bad, "failed": bad,
                          "wall_s": round(wall_s, 3),
                          "outcomes": [_outcome_json(o) for o in res.outcomes]}))
        return 0 if not bad else 1
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
