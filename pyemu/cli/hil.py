"""``pyemu hil``: boot the board firmware in QEMU (or open a real board) and print its URL."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any, Optional, Tuple

import threading

from pyemu.host.hil import (FIRMWARE_ENV, MACHINE, HilError, QemuBoard, build_provisioned_firmware,
                            firmware_image)
from pyemu.pump.client import Client

def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``pyemu hil`` to the CLI's subcommands (sets ``func``: args -> exit status)."""
    p = subparsers.add_parser(
        "hil",
        help="run the board firmware in QEMU, or check a real board, for the client to talk to",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Hardware in the loop. Without --port: boot the board firmware in QEMU's
netduinoplus2, check it answers HELLO, print the socket:// URL of its serial
line (USART2) and keep it running until Ctrl-C. Any client opens that
URL: pyemu ctl --port URL status, pyemu demo --port URL, a script.

With --port: a real board (NUCLEO-F401RE/F446RE running nucleo_f4.elf) on that
serial port; check it answers HELLO, print what it says, and exit.

The image: --image FILE, else qemu_netduinoplus2.elf in $PYEMU_FIRMWARE_DIR,
else (in a source checkout) build/firmware/ from `make firmware`, else the
images installed with pyemu (built when arm-none-eabi-gcc was present at
install time).

The first line on stdout is machine-readable: 'PORT <url>'.""",
        epilog="""\
examples:
  pyemu hil                          QEMU, manual clock (ADVANCE moves time)
  pyemu hil --clock realtime         QEMU, simulated time follows the wall clock
  pyemu hil --check                  boot QEMU, HELLO, stop (a smoke test)
  pyemu hil --keys pump.keys         QEMU with authenticated sessions (pyemu keys create)
  pyemu hil --port /dev/ttyACM0      a real board
""",
    )
    p.add_argument("--port", metavar="DEVICE",
                   help="a real board's serial port, e.g. /dev/ttyACM0 (no QEMU)")
    p.add_argument("--baud", type=int, default=115200, metavar="N",
                   help="baud rate for --port (default: %(default)s)")
    p.add_argument("--image", metavar="ELF",
                   help=f"firmware for QEMU (default: qemu_netduinoplus2.elf from ${FIRMWARE_ENV}, "
                        f"else a checkout's build/firmware/, else the images installed with pyemu)")
    p.add_argument("--keys", metavar="KEYFILE",
                   help="QEMU only: build the firmware provisioned with this pyemu key file "
                        "(make firmware KEYS=KEYFILE) and boot that; talk to it with "
                        "pyemu ctl --key KEYFILE")
    p.add_argument("--qemu", metavar="PATH", help="qemu-system-arm to run (default: on PATH)")
    p.add_argument("--clock", choices=("manual", "realtime"), default="manual",
                   help="QEMU only: the device's clock mode (default: %(default)s)")
    p.add_argument("--speed", type=int, default=1, metavar="N",
                   help="QEMU with --clock realtime: N times real time (default: 1)")
    p.add_argument("--check", action="store_true", help="QEMU only: boot, check HELLO, stop")
    p.add_argument("--timeout", type=float, default=1.0, metavar="S",
                   help="seconds to wait for each HELLO try (default: %(default)s, 3 retries)")
    p.add_argument("--json", action="store_true", help="print HELLO as one JSON object")
    p.set_defaults(func=run)


def _hello(url: str, timeout: float, **serial_options: Any) -> Tuple[Any, float]:
    """HELLO through the ordinary client (the same code the emulator is talked to with).

    Returns the reply and time.monotonic() when it arrived (closing a
    pyserial socket afterwards waits 0.3 s, which is not the board's time).
    """

    with Client.connect(url, timeout=timeout, retries=3, **serial_options) as client:
        hello = client.hello()
        return hello, time.monotonic()


def _print_hello(url: str, hello: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"ok": True, "command": "hil", "port": url, **hello.to_json()}), flush=True)
        return
    print(f"PORT {url}", flush=True)
    print(f"  {hello.model} serial {hello.serial}, firmware {hello.firmware}, "
          f"protocol {hello.protocol_version}, clock {hello.clock_name}"
          + ("" if hello.schema_matches else " (WARNING: its message table differs from this pyemu)"),
          flush=True)


def _failed(args: argparse.Namespace, status: int, message: str) -> int:
    """One line on stderr; with --json also the one object on stdout (ok false)."""
    print(f"pyemu hil: {message}", file=sys.stderr)
    if args.json:
        print(json.dumps({"ok": False, "command": "hil", "error": "usage" if status == 2 else "link",
                          "message": message}), flush=True)
    return status


def run(args: argparse.Namespace) -> int:
    """``pyemu hil``: see :func:`register`. Returns the CLI's exit status."""
    exit_ok, exit_usage, exit_link = 0, 2, 3
    if args.port:
        if args.check or args.image or args.keys or args.clock != "manual":
            return _failed(args, exit_usage, "--check, --image, --keys and --clock are for QEMU; a real board is "
                  "flashed with its image (make firmware KEYS=FILE for sessions) and starts in "
                  "the manual clock (hold B1 at reset for real time)")
        try:
            hello, _ = _hello(args.port, args.timeout, baudrate=args.baud)
        except Exception as exc:  # noqa: BLE001 - the CLI reports any failure as one line
            return _failed(args, exit_link, f"no HELLO from {args.port}: {exc}")
        _print_hello(args.port, hello, args.json)
        return exit_ok

    # Loaded before QEMU starts, so the times printed are the board's, not imports'.
    import serial.urlhandler.protocol_socket  # noqa: F401

    image = args.image
    if args.keys:
        if args.image:
            return _failed(args, exit_usage, "--keys builds its own image; give --image or --keys, not both")
        try:
            image = build_provisioned_firmware(args.keys)
        except HilError as exc:
            return _failed(args, exit_usage, f"{exc}")
    try:
        board = QemuBoard(image, qemu=args.qemu, clock=args.clock, speed=args.speed)
    except ValueError as exc:
        return _failed(args, exit_usage, f"{exc}")
    try:
        url = board.start()
        hello, answered = _hello(url, args.timeout)
    except Exception as exc:  # noqa: BLE001
        board.stop()
        return _failed(args, exit_link, f"{exc}")
    hello_ms = (answered - board.started_at) * 1000
    _print_hello(url, hello, args.json)
    print(f"pyemu hil: firmware {board.image} in QEMU {MACHINE}: READY "
          f"{(board.boot_seconds or 0) * 1000:.0f} ms, HELLO answered {hello_ms:.0f} ms "
          f"after QEMU started", file=sys.stderr, flush=True)
    if args.check:
        board.stop()
        return exit_ok
    print("pyemu hil: Ctrl-C stops", file=sys.stderr, flush=True)
    stop = threading.Event()
    old_int = signal.signal(signal.SIGINT, lambda *_: stop.set())
    old_term = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.is_set() and board.running:
            stop.wait(0.5)
    finally:
        signal.signal(signal.SIGINT, old_int)
        signal.signal(signal.SIGTERM, old_term)
        board.stop()
    if not stop.is_set():
        return _failed(args, exit_link, f"QEMU exited: {board.diag_lines[-3:]}")
    return exit_ok
