"""Link round trips over a pty: pyemu's STATUS exchange beside the floor, same run.

Three round trips through pseudo-terminals, each to a server in its own process:

- raw: 32 bytes to ``bench.echo`` and back with os.write/os.read (the floor),
- pyserial: the same echo with a pyserial ``Serial`` on the client side,
- pyemu: ``Client.status()`` against ``pyemu serve --port pty --clock manual``
  (GET_STATUS request, STATUS reply: framing, CRC, dispatch, core, reply).

The three are sampled in turn, one of each per round, so load from other
processes on a shared machine falls on all three alike. Also the emulated
device's own cost per frame (the C dispatcher driven in-process, no pty),
against what one STATUS exchange occupies on a 115200-baud line (11.5 kB/s).
"""
from __future__ import annotations

import os
import statistics
import time
import tty
from typing import Callable

from bench.ptyecho import PAYLOAD, EchoServer
from bench.table import Row, goal_at_most
from bench.timing import percentile, rate

ROUNDS = 3000
WARMUP = 200
BAUD_BYTES_PER_S = 115200 / 10  # 8N1: ten bit times per byte


def _raw_client(path: str) -> tuple[Callable[[], None], Callable[[], None]]:
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)

    def once() -> None:
        os.write(fd, PAYLOAD)
        got = 0
        while got < len(PAYLOAD):
            got += len(os.read(fd, 64))

    return once, lambda: os.close(fd)


def _pyserial_client(path: str) -> tuple[Callable[[], None], Callable[[], None]]:
    import serial

    port = serial.Serial(path, baudrate=115200, timeout=1.0)

    def once() -> None:
        port.write(PAYLOAD)
        if len(port.read(len(PAYLOAD))) != len(PAYLOAD):
            raise RuntimeError("pyserial echo timed out")

    return once, port.close


def round_trips(rounds: int = ROUNDS) -> dict[str, list[float]]:
    """Seconds per round trip for raw, pyserial and pyemu, sampled in turn."""
    from pyemu.pump.client import Client
    from pyemu.host.emulator import ServeProcess

    with EchoServer() as echo, EchoServer() as echo2, \
            ServeProcess.manual_pty(test_features=False) as emu, \
            Client.connect(emu.port, timeout=2.0) as client:
        raw, close_raw = _raw_client(echo.path)
        ser, close_ser = _pyserial_client(echo2.path)
        trips = {"raw": raw, "pyserial": ser, "pyemu": client.status}
        try:
            for _ in range(WARMUP):
                for fn in trips.values():
                    fn()
            samples: dict[str, list[float]] = {k: [] for k in trips}
            for _ in range(rounds):
                for name, fn in trips.items():
                    t0 = time.perf_counter()
                    fn()
                    samples[name].append(time.perf_counter() - t0)
        finally:
            close_raw()
            close_ser()
    return samples


def frame_sizes() -> tuple[int, int]:
    from pyemu import protocol as P
    from bench.codec import STATUS_FIELDS

    request = len(P.encode("GET_STATUS", seq=1, flags=P.KIND_REQUEST))
    reply = len(P.encode("STATUS", seq=1, flags=P.KIND_RESPONSE, **STATUS_FIELDS))
    return request, reply


def device_frame_cost() -> float:
    """Seconds the in-process device spends answering one GET_STATUS."""
    from pyemu import protocol as P
    from pyemu.host.device import Device

    dev = Device()  # manual clock, no telemetry: exactly one reply per request
    requests = [P.encode("GET_STATUS", seq=i & 0xFFFF, flags=P.KIND_REQUEST) for i in range(300)]

    def batch() -> int:
        for wire in requests:
            dev.feed(wire)
            if not dev.read_output():
                raise RuntimeError("device gave no reply to GET_STATUS")
        return len(requests)

    return 1.0 / rate(batch, repeats=21)


def client_codec_cost() -> float:
    """Seconds of client-side codec work per status(): build the request, decode the reply."""
    from pyemu import protocol as P
    from pyemu.pump.client import Status
    from bench.codec import STATUS_FIELDS

    replies = [P.encode("STATUS", seq=i, flags=P.KIND_RESPONSE, **STATUS_FIELDS) for i in range(300)]
    dec = P.FrameDecoder()

    def batch() -> int:
        for i, reply in enumerate(replies):
            P.encode("GET_STATUS", seq=i, flags=P.KIND_REQUEST)
            for frame in dec.feed(reply):
                Status.from_frame(frame)
        return len(replies)

    return 1.0 / rate(batch, repeats=21)


def rows() -> list[Row]:
    out: list[Row] = []
    s = round_trips()
    med = {k: statistics.median(v) for k, v in s.items()}
    labels = {"raw": "pty raw os.read/os.write echo (floor)", "pyserial": "pty pyserial echo",
              "pyemu": "pyemu STATUS round trip (client -> emulator)"}
    for k in ("raw", "pyserial", "pyemu"):
        out.append(Row("link", f"{labels[k]} median", med[k] * 1e6, "us"))
        out.append(Row("link", f"{labels[k]} p99", percentile(s[k], 99) * 1e6, "us"))
    ratio = med["pyemu"] / med["raw"]
    out.append(Row("link", "  pyemu median / raw floor median", ratio, "x", "<= 2x", goal_at_most(ratio, 2.0),
                   note=f"{ROUNDS} rounds, one raw, one pyserial and one pyemu round trip per round"))
    out.append(Row("link", "  pyemu median / pyserial echo median", med["pyemu"] / med["pyserial"], "x"))
    req_b, rep_b = frame_sizes()
    line_s = (req_b + rep_b) / BAUD_BYTES_PER_S
    cost = device_frame_cost()
    out.append(Row("link", "emulated device cost per STATUS exchange", cost * 1e6, "us",
                   note=f"{req_b}+{rep_b} B on the wire = {line_s * 1e6:.0f} us at 115200 baud: the device "
                        f"uses {cost / line_s:.2%} of it, leaving {1 - cost / line_s:.2%} of the line's "
                        f"11.5 kB/s"))
    client = client_codec_cost()
    out.append(Row("link", "client codec work per status() (in-process)", client * 1e6, "us"))
    above = med["pyemu"] - med["raw"]
    rest = above - cost - client
    split = (f"; the other {rest * 1e6:.1f} us are the emulator's serve loop and the client's read "
             f"loop (select, reads, writes, wake-ups)") if rest > 0 else \
        " (more than the whole excess: the machine was too busy to split it)"
    out.append(Row("link", "  pyemu round trip above the floor", above * 1e6, "us",
                   note=f"of which device {cost * 1e6:.1f} us and client codec {client * 1e6:.1f} us{split}"))
    return out
