"""`pyemu web`: the clinician programmer in a browser (pyemu.web), served on loopback.

With no ``--pump`` it starts its own emulated pump in a child process (``pyemu
serve`` on a pty, accelerated clock, test features) and stops it on exit;
``--pump URL`` drives any pump (emulator, QEMU board, real board) through the
same client. ``--keys FILE`` opens an authenticated session: the key file
is read here, on the server side, and never reaches the browser.
"""
from __future__ import annotations

import argparse
import ipaddress
import signal
import sys
from typing import Any, List, Optional

from pyemu.cli.common import EXIT_LINK, EXIT_OK, EXIT_USAGE, add_line_options, line_options, whole_number

DEFAULT_SPEED = 3600


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "web", help="the clinician programmer in a browser (http://127.0.0.1:8080)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Serve a clinician programmer on http://127.0.0.1:8080: interrogate, program a\n"
                    "therapy through a review screen, refill, prime, acknowledge alarms, patient\n"
                    "bolus, live telemetry and the timeline. Without --pump it starts its own\n"
                    "emulated pump (one simulated hour per second, test features on).",
        epilog="examples:\n"
               "  pyemu web                                  # its own pump, open the URL it prints\n"
               "  pyemu web --clock manual                   # time moves only with the Advance button\n"
               "  pyemu web --pump /dev/ttyACM0 --keys pump.keys   # a board with keys\n"
               "needs the web extra: pip install 'pyemu[web]'")
    p.add_argument("--pump", metavar="URL",
                   help="drive this pump (a pty path, socket://host:port, /dev/tty*) instead of "
                        "starting an emulated one")
    p.add_argument("--port-http", type=whole_number("TCP port", 0, 65535), default=8080, metavar="N",
                   help="TCP port of the web page (default: 8080; 0 picks a free one)")
    p.add_argument("--bind", default="127.0.0.1", metavar="ADDRESS",
                   help="address to listen on (default: 127.0.0.1, this computer only; any other "
                        "address lets others on the network program the pump)")
    p.add_argument("--keys", metavar="FILE",
                   help="key file (pyemu keys create) for a pump with keys; the page's session "
                        "uses it on the server, the browser never sees it. Without --pump the "
                        "emulated pump is provisioned with it")
    p.add_argument("--role", choices=("clinician", "patient"), default=None,
                   help="session role with --keys (default: clinician if the file has that key)")
    own = p.add_argument_group("the emulated pump (without --pump)")
    own.add_argument("--speed", type=whole_number("speed", 1, 4_294_967_295), default=None, metavar="N",
                     help=f"clock runs N times real time (default: {DEFAULT_SPEED}, an hour per second)")
    own.add_argument("--clock", choices=("realtime", "manual"), default="realtime",
                     help="manual: time moves only with the page's Advance button (default: realtime)")
    own.add_argument("--state", metavar="FILE", help="keep the pump's memory in this state file")
    own.add_argument("--no-test-features", dest="test_features", action="store_false",
                     help="serve without fault injection")
    p.add_argument("--timeout", type=whole_number("timeout (ms)", 1), default=1000, metavar="MS",
                   help="reply timeout per try in ms (default: 1000)")
    add_line_options(p)
    p.set_defaults(func=run)


def _serve_args(args: argparse.Namespace) -> List[str]:
    out = ["--port", "pty", "--quiet", "--telemetry-period", "0s"]
    if args.clock == "manual":
        out += ["--clock", "manual"]
    else:
        out += ["--speed", str(args.speed or DEFAULT_SPEED)]
    if args.test_features:
        out.append("--test-features")
    if args.state:
        out += ["--state", args.state]
    if args.keys:
        out += ["--keys", args.keys]
    return out


def is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    try:
        import flask  # noqa: F401
    except ImportError:
        print("pyemu web: needs Flask, which is not installed: pip install 'pyemu[web]'", file=sys.stderr)
        return EXIT_USAGE
    if args.pump and (args.speed is not None or args.clock != "realtime" or args.state):
        print("pyemu web: --speed, --clock and --state set up the emulated pump; "
              "leave them out with --pump", file=sys.stderr)
        return EXIT_USAGE
    if args.clock == "manual" and args.speed is not None:
        print("pyemu web: --speed needs the realtime clock; leave out --clock manual", file=sys.stderr)
        return EXIT_USAGE
    key: Optional[bytes] = None
    role: Optional[str] = None
    if args.keys:
        from pyemu.link.keyfile import load_key_file
        try:
            keys = load_key_file(args.keys)
        except (OSError, ValueError) as exc:
            print(f"pyemu web: {exc}", file=sys.stderr)
            return EXIT_USAGE
        role = args.role or ("clinician" if "clinician" in keys else "patient")
        if role not in keys:
            print(f"pyemu web: {args.keys} holds no {role} key (it has: {', '.join(sorted(keys))})",
                  file=sys.stderr)
            return EXIT_USAGE
        key = keys[role]

    emulator = None
    url = args.pump
    if url is None:
        from pyemu.host.emulator import ServeProcess
        emulator = ServeProcess(*_serve_args(args))
        try:
            url = emulator.start()
        except RuntimeError as exc:
            print(f"pyemu web: {exc}", file=sys.stderr)
            return EXIT_LINK
    try:
        return _serve(args, url, key, role)
    finally:
        if emulator is not None:
            emulator.stop()


def _serve(args: argparse.Namespace, url: str, key: Optional[bytes], role: Optional[str]) -> int:
    import logging

    from werkzeug.serving import make_server

    from pyemu.pump.client import Client, ClientError
    from pyemu.web.app import create_app, error_text
    from pyemu.web.programmer import Programmer

    try:
        client = Client.connect(url, timeout=args.timeout / 1000, key=key, role=role or "clinician",
                                **line_options(args))
        programmer = Programmer(client, url, role=role)
    except (ClientError, OSError) as exc:
        text = error_text(exc) if isinstance(exc, ClientError) else str(exc)
        print(f"pyemu web: cannot reach the pump on {url}: {text}", file=sys.stderr)
        return EXIT_LINK
    try:
        server = make_server(args.bind, args.port_http, create_app(programmer), threaded=True)
    except OSError as exc:
        print(f"pyemu web: cannot listen on {args.bind}:{args.port_http}: {exc}", file=sys.stderr)
        client.close()
        return EXIT_USAGE
    # Request threads are joined on exit (server_close), not left running as
    # daemons while the interpreter shuts down under them.
    server.daemon_threads = False
    # one access line per request would bury the console (the page polls every second)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    host = args.bind if ":" not in args.bind else f"[{args.bind}]"
    if not is_loopback(args.bind):
        bar = "!" * 72
        print(f"{bar}\nWARNING: pyemu web listens on {args.bind}, not on loopback: anyone who can "
              f"reach\nthis address can program the pump. There is no login. Use --bind 127.0.0.1\n"
              f"unless this network is yours alone.\n{bar}", file=sys.stderr, flush=True)
    print(f"pyemu web: pump on {url}; open http://{host}:{server.server_port}/  (Ctrl-C stops)",
          flush=True)
    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(EXIT_OK)   # unwinds to the finally below: the emulated pump is stopped too

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        client.close()
    return EXIT_OK
