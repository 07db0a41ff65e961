"""Session recordings: every byte on the line with its time (docs/recording.md).

A recording is JSON Lines, one object per line, so it can be read with any
tool, appended to while the emulator runs, and survives a kill (every line
is flushed; a torn last line is reported and skipped, never fatal)::

    {"format": "pyemu-recording", "version": 1, "started_utc": "...", "port": "pty", ...}
    {"t": 0.001234, "sim_ms": 0, "dir": "rx", "hex": "a5..."}
    {"t": 0.001391, "sim_ms": 0, "dir": "tx", "hex": "a5..."}

``dir`` is seen from the pump: ``rx`` are bytes it received, ``tx`` bytes it
sent. A record holds what one read or write carried: one or more frames, or
pieces of one, or garbage; readers re-frame each direction as a stream with
the protocol decoder, exactly as the pump and the client do.

:class:`Recorder` writes; :func:`read_recording` reads; :func:`messages`
decodes; :func:`timeline_from_recording` turns STATUS telemetry and replies
into a :class:`pyemu.therapy.report.Timeline`.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from pyemu import protocol as P
from pyemu.pump.names import alarm_names as _alarm_names
from pyemu.pump.records import Status

FORMAT = "pyemu-recording"
VERSION = 1


class RecordingError(ValueError):
    """A file that is not a readable recording; the message names the line."""


class Recorder:
    """Append every chunk of bytes crossing the line to a recording file.

    The serve loop calls :meth:`rx` with what the pump received and
    :meth:`tx` with what it sent, with the pump's simulated time. Each record
    is flushed at once so nothing is lost if the process is killed.

    Only opening the file and writing the header may raise (``OSError``):
    the caller then knows at once that it cannot record. Once recording, a
    failed write, flush or close (a full disk) never raises: the recording
    stops, what was written stays in the file, and ``on_error`` gets one
    sentence saying so (default: a line on stderr). The pump it records must
    not stop because its recording did.
    """

    def __init__(self, path: str | os.PathLike,
                 on_error: Callable[[str], None] | None = None, **header: Any):
        self.path = Path(path)
        self._on_error = on_error or _warn_on_stderr
        #: Records written and flushed (the header not counted).
        self.records = 0
        #: True once a write error stopped the recording.
        self.stopped = False
        self._last_sim_ms: int | None = None
        self._f: IO[str] | None = open(self.path, "w", encoding="utf-8")
        self._t0 = time.monotonic()
        head = {"format": FORMAT, "version": VERSION,
                "started_utc": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
        head.update(header)
        try:
            self._write(head)
        except BaseException:
            self._f.close()
            self._f = None
            raise

    def _write(self, obj: dict) -> None:
        if self._f is None:
            raise ValueError("recording is closed")
        self._f.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self._f.flush()

    def _kept(self) -> str:
        at = "" if self._last_sim_ms is None else f", up to simulated time {self._last_sim_ms} ms"
        return f"{self.path} keeps the {self.records} record{'s' if self.records != 1 else ''} " \
               f"written before{at}"

    def _stop(self, exc: OSError) -> None:
        """A write failed: close quietly, say once what was kept, write no more."""
        f, self._f = self._f, None
        self.stopped = True
        if f is not None:
            try:
                f.close()      # may fail again flushing the same bytes; nothing to add
            except OSError:
                pass
        self._on_error(f"recording stopped: cannot write {self.path} ({exc}); {self._kept()} "
                       "(the record being written may be torn or missing); the pump keeps running")

    def record(self, direction: str, data: bytes, sim_ms: int | None) -> None:
        if direction not in ("rx", "tx"):
            raise ValueError("direction is 'rx' or 'tx'")
        if not data or self._f is None:
            return      # nothing to write, or stopped / closed: the serve loop goes on
        try:
            self._write({"t": round(time.monotonic() - self._t0, 6), "sim_ms": sim_ms,
                         "dir": direction, "hex": bytes(data).hex()})
        except OSError as exc:
            self._stop(exc)
            return
        self.records += 1
        self._last_sim_ms = sim_ms if sim_ms is not None else self._last_sim_ms

    def rx(self, data: bytes, sim_ms: int | None = None) -> None:
        self.record("rx", data, sim_ms)

    def tx(self, data: bytes, sim_ms: int | None = None) -> None:
        self.record("tx", data, sim_ms)

    def close(self) -> None:
        """Close the file; an error is reported through ``on_error``, never raised."""
        f, self._f = self._f, None
        if f is None:
            return
        try:
            f.close()
        except OSError as exc:
            self.stopped = True
            self._on_error(f"closing the recording {self.path} failed ({exc}); {self._kept()}")

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _warn_on_stderr(message: str) -> None:
    print(f"pyemu: warning: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Record:
    t: float                 # wall seconds since the recording started
    sim_ms: int | None       # the pump's simulated time, when the host knew it
    dir: str                 # "rx" (to the pump) or "tx" (from the pump)
    data: bytes
    line: int


@dataclass
class Recording:
    header: dict
    records: list[Record] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_recording(path: str | os.PathLike) -> Recording:
    """Read and check a recording. A torn last line is a warning, not an error."""
    path = Path(path)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
        torn_ok = False
    else:
        torn_ok = True   # no final newline: the writer may have been killed mid-line
    if not lines:
        raise RecordingError(f"{path}: empty file, not a recording")
    try:
        header = json.loads(lines[0])
    except json.JSONDecodeError:
        raise RecordingError(f"{path}:1: not a pyemu recording (no JSON header)") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise RecordingError(f"{path}:1: not a pyemu recording (format is not {FORMAT!r})")
    if header.get("version") != VERSION:
        raise RecordingError(f"{path}:1: recording version {header.get('version')!r}; "
                             f"this pyemu reads version {VERSION}")
    rec = Recording(header)
    for n, text in enumerate(lines[1:], start=2):
        last = n == len(lines)
        try:
            obj = json.loads(text)
            r = Record(float(obj["t"]), None if obj.get("sim_ms") is None else int(obj["sim_ms"]),
                       obj["dir"], bytes.fromhex(obj["hex"]), n)
            if r.dir not in ("rx", "tx"):
                raise ValueError(f"dir {r.dir!r}")
        except (json.JSONDecodeError, KeyError, ValueError, TypeError) as exc:
            if last and torn_ok:
                rec.warnings.append(f"{path}:{n}: torn last record skipped (writer stopped "
                                    "mid-line)")
                break
            raise RecordingError(f"{path}:{n}: bad record: {exc}") from None
        rec.records.append(r)
    return rec


@dataclass(frozen=True)
class Message:
    """One decoded frame of a recording."""
    t: float
    sim_ms: int | None
    dir: str
    name: str                # message type name, as the protocol spells it
    fields: dict
    seq: int = -1            # the frame's sequence number (pairs a request with its reply)


def messages(rec: Recording) -> Iterator[Message]:
    """Decode both directions as byte streams; yield messages in record order."""

    decoders = {"rx": P.FrameDecoder(), "tx": P.FrameDecoder()}
    for r in rec.records:
        for fr in decoders[r.dir].feed(r.data):
            if fr.error is not None or fr.fields is None:
                continue    # a frame the pump NAKs carries no usable fields
            try:
                name = P.MsgType(fr.msg_type).name
            except ValueError:
                name = f"TYPE_{fr.msg_type}"
            yield Message(r.t, r.sim_ms, r.dir, name, dict(fr.fields), fr.seq)


def status_dict(name: str, f: dict) -> dict | None:
    """A STATUS frame's fields in the `pyemu ctl --json status` shape (else None)."""
    return Status.from_fields(f).to_json() if name == "STATUS" else None


def alarm_names(name: str, f: dict) -> list[str] | None:
    """An ALARM frame's active alarms by name (else None)."""
    return _alarm_names(f["alarms"]) if name == "ALARM" else None
