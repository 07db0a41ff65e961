"""``pyemu decode``: the frames on a pump's line, as text or JSON, or as a pcapng capture.

Sources: a recording (``pyemu serve --record``), hex on stdin (``-``), or a
live pump watched read-only through its observer port (``--port``; see
:mod:`pyemu.link.observe`: an observer gets every frame the pump sends on
its own, STATUS telemetry and ALARM, never the controlling client's
requests and replies, and cannot disturb them).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import itertools
import json
import sys
import time
from typing import Any, Iterable

from pyemu import protocol as P
from pyemu.cli.common import EXIT_LINK, EXIT_OK, EXIT_USAGE, error, whole_number
from pyemu.host.recording import RecordingError, read_recording
from pyemu.host.traffic import hex_bytes, wire_frames, write_pcapng
from pyemu.link.observe import observer_for
from pyemu.link.transport import open_transport
from pyemu.therapy.scenario import format_time

__all__ = ["register", "frame_json", "frame_text"]


def _value(v: Any) -> Any:
    if isinstance(v, (bytes, bytearray)):
        return bytes(v).hex()
    if isinstance(v, dict):
        return {k: _value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_value(x) for x in v]
    if isinstance(v, (int, float, str, bool)) or v is None:
        return int(v) if hasattr(v, "name") and isinstance(v, int) else v
    return str(v)


def frame_json(f: Any) -> dict:
    """One frame of `pyemu decode --json` (a line of JSON Lines)."""
    fr = f.frame
    obj = {"t": round(f.t, 6), "sim_ms": f.sim_ms, "dir": f.dir or None, "message": f.name,
           "kind": f.kind or None, "seq": fr.seq if fr else None, "flags": fr.flags if fr else None,
           "fields": _value(fr.fields) if fr is not None and fr.fields is not None else None,
           "error": (fr.error.name if fr is not None and fr.error is not None else f.drop or None),
           "hex": f.wire.hex()}
    return obj


def _fields_text(fields: dict) -> str:
    return " ".join(f"{k}={json.dumps(_value(v), separators=(',', ':'))}" for k, v in fields.items())


def frame_text(f: Any) -> str:
    """One frame as one line: wall time, pump time, direction, message, seq, fields."""
    arrow = {"rx": "->pump", "tx": "pump->"}.get(f.dir, "      ")
    sim = format_time(f.sim_ms) if f.sim_ms is not None else "-"
    head = f"{f.t:11.6f}  {sim:>12}  {arrow} "
    fr = f.frame
    if fr is None:
        return head + f"DROPPED ({f.drop}, {len(f.wire)} bytes) {f.wire.hex()}"
    text = head + f"{f.name:<18} {f.kind:<11} seq={fr.seq:<5}"
    if fr.error is not None:
        return text + f" BAD: {fr.error.name}"
    return (text + " " + _fields_text(fr.fields or {})).rstrip()


def _comment(f: Any) -> str:
    """A pcapng packet's comment: what the frame means, for Wireshark's packet list."""
    fr = f.frame
    if fr is None:
        return f"dropped piece ({f.drop})"
    text = f"{f.name} {f.kind} seq={fr.seq}"
    if fr.error is not None:
        return text + f" BAD: {fr.error.name}"
    return text + (" " + _fields_text(fr.fields) if fr.fields else "")


def register(subparsers: Any) -> None:
    """Add ``pyemu decode``."""
    p = subparsers.add_parser(
        "decode", help="print the frames of a recording, of hex on stdin, or of a live pump",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Decode the protocol frames on a pump's line, one line per frame: wall time, "
                    "the pump's time, direction (->pump: the pump received it; pump->: it sent "
                    "it), message, kind, sequence number and fields. Pieces the decoder drops "
                    "(noise, torn or corrupt frames) are shown as DROPPED with the reason.",
        epilog="""\
examples:
  pyemu decode session.jsonl                      # a recording (pyemu serve --record)
  pyemu decode session.jsonl --json | jq .message # JSON Lines, one object per frame
  pyemu decode session.jsonl --pcapng s.pcapng    # for Wireshark (link type USER0, 147)
  echo 0013a4a1a2a5a5ad8504a2a56582aca53e554e0100 | pyemu decode -
  pyemu decode --port /dev/pts/5                  # a live pump, read-only (observer port)
""")
    p.add_argument("source", nargs="?", metavar="FILE",
                   help="a recording, or - for hex on stdin (spaces, newlines, ':' and 0x ignored)")
    p.add_argument("--port", metavar="URL",
                   help="watch this pump through its observer port (what pyemu serve printed); "
                        "shows the frames it sends on its own: STATUS telemetry and ALARM")
    p.add_argument("--json", action="store_true",
                   help="one JSON object per frame, one per line (JSON Lines)")
    p.add_argument("--pcapng", metavar="OUT",
                   help="with a recording or hex: write the frames as a pcapng capture instead")
    p.add_argument("--count", type=whole_number("count of frames", 1), metavar="N",
                   help="stop after N frames")
    p.set_defaults(func=_cmd_decode)


def _emit(frames: Iterable[Any], args: argparse.Namespace) -> int:
    n = 0
    for f in frames:
        print(json.dumps(frame_json(f)) if args.json else frame_text(f), flush=args.port is not None)
        n += 1
        if args.count and n >= args.count:
            break
    return n


def _cmd_decode(args: argparse.Namespace) -> int:
    if (args.source is None) == (args.port is None):
        error("give a recording FILE, - for hex on stdin, or --port URL (one of them)")
        return EXIT_USAGE
    if args.port is not None:
        if args.pcapng:
            error("--pcapng writes a recording or hex input; record a live pump with "
                  "pyemu serve --record FILE, then decode the file")
            return EXIT_USAGE
        return _watch(args)
    started = None
    if args.source == "-":
        try:
            data = hex_bytes(sys.stdin.read())
        except ValueError as exc:
            error(f"stdin: {exc}")
            return EXIT_USAGE
        records = [(0.0, None, "", data)]
    else:
        try:
            rec = read_recording(args.source)
        except (OSError, RecordingError) as exc:
            error(str(exc))
            return EXIT_USAGE
        for w in rec.warnings:
            error(f"warning: {w}")
        records = [(r.t, r.sim_ms, r.dir, r.data) for r in rec.records]
        try:
            started = _dt.datetime.fromisoformat(rec.header.get("started_utc", ""))
        except (TypeError, ValueError):
            started = None
    frames = wire_frames(records)
    if args.pcapng:
        if args.count:
            frames = itertools.islice(frames, args.count)
        try:
            with open(args.pcapng, "wb") as out:
                n = write_pcapng(frames, out, started, describe=_comment)
        except OSError as exc:
            error(f"cannot write {args.pcapng}: {exc.strerror or exc}")
            return EXIT_USAGE
        print(f"{args.pcapng}: {n} frames, pcapng with link type USER0 (147)", file=sys.stderr)
        return EXIT_OK
    _emit(frames, args)
    return EXIT_OK


def _watch(args: argparse.Namespace) -> int:
    url = observer_for(args.port)
    if url is None:
        error(f"{args.port} has no observer port (is pyemu serve running there?); decode never "
              "reads a controlling line itself, it would take the replies meant for its client")
        return EXIT_LINK
    try:
        line = open_transport(url)
    except OSError as exc:
        error(f"cannot open the observer port {url}: {exc}")
        return EXIT_LINK
    t0 = time.monotonic()
    early: list = []
    try:
        # One HELLO first: its reply says the pump has taken this observer in, so
        # nothing it sends after the line below is missed. Frames that came
        # before the reply are kept; the reply itself is ours, not the line's.
        hello = _hello(line, t0, early)
    except OSError as exc:
        line.close()
        error(f"the observer port {url} did not answer: {exc}")
        return EXIT_LINK
    print(f"pyemu decode: watching {url}, the observer port of {args.port} ({hello}): the "
          "frames the pump sends on its own (STATUS, ALARM); Ctrl-C stops",
          file=sys.stderr, flush=True)

    def records():
        yield from early
        while True:
            data = line.read(0.5)
            if data:
                yield (time.monotonic() - t0, None, "tx", data)

    try:
        _emit(wire_frames(records()), args)
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        error(f"the observer port closed: {exc}")
        return EXIT_LINK
    finally:
        line.close()
    return EXIT_OK


def _hello(line: Any, t0: float, early: list, timeout_s: float = 5.0) -> str:
    """Ask HELLO on the observer line; return who answered, keep other frames in early."""
    seq = 0xBEEF
    line.write(P.encode("HELLO", seq, P.KIND_REQUEST))
    decoder = P.FrameDecoder()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        data = line.read(max(0.0, deadline - time.monotonic()))
        if not data:
            continue
        # whole frames only: the reply is cut out, anything else is kept as it came
        kept = bytearray()
        pieces = data.split(b"\0")
        for i, piece in enumerate(pieces):
            frames = decoder.feed(piece + (b"\0" if i < len(pieces) - 1 else b""))
            reply = [f for f in frames if f.kind == P.KIND_RESPONSE and f.seq == seq]
            if reply:
                rest = b"\0".join(pieces[i + 1:])
                if kept:
                    early.append((time.monotonic() - t0, None, "tx", bytes(kept)))
                if rest:
                    early.append((time.monotonic() - t0, None, "tx", rest))
                fields = reply[0].fields or {}
                return f"{fields.get('model', '?')} serial {fields.get('serial', '?')}"
            kept += piece + (b"\0" if i < len(pieces) - 1 else b"")
        if kept:
            early.append((time.monotonic() - t0, None, "tx", bytes(kept)))
    raise TimeoutError(f"no HELLO reply within {timeout_s:g} s")
