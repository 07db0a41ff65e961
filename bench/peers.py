"""Peer codecs measured beside ours: pymavlink (MAVLink 2) and pymodbus' RTU framer.

Both get frames of about 40 bytes, like a STATUS frame: MAVLink 2 ATTITUDE
(28-byte payload + 12 bytes of header and CRC = 40 bytes) and a Modbus RTU
response carrying 17 holding registers (39 bytes).
"""
from __future__ import annotations

from typing import Callable

BATCH = 2000  # frames per timed batch


def mavlink_benches() -> dict[str, Callable[[], int]]:
    """``pack`` and ``parse_buffer`` batches; each returns the frames it handled."""
    from pymavlink.dialects.v20 import common as mavlink2

    def new_link() -> "mavlink2.MAVLink":
        link = mavlink2.MAVLink(None, srcSystem=1, srcComponent=1)
        link.robust_parsing = False
        return link

    tx = new_link()
    # Non-zero trailing fields: MAVLink 2 trims trailing zero bytes of the payload.
    msgs = [mavlink2.MAVLink_attitude_message(i, 0.1, -0.2, 0.3, 0.01, 0.02, -0.03 - i) for i in range(BATCH)]
    frames = [bytes(m.pack(tx)) for m in msgs]
    assert all(len(f) == 40 for f in frames), sorted({len(f) for f in frames})
    stream = b"".join(frames)
    chunk = 100 * 40  # what a reader gets from a busy serial port in one read

    def pack() -> int:
        for m in msgs:
            m.pack(tx)
        return len(msgs)

    def parse() -> int:
        rx = new_link()
        got = 0
        for i in range(0, len(stream), chunk):
            got += len(rx.parse_buffer(stream[i:i + chunk]) or ())
        if got != BATCH:
            raise RuntimeError(f"pymavlink parsed {got} of {BATCH} frames")
        return got

    return {"encode": pack, "decode": parse, "frame_bytes": len(frames[0])}  # type: ignore[dict-item]


def modbus_benches() -> dict[str, Callable[[], int]]:
    """RTU ``buildFrame`` and ``handleFrame`` batches (one frame per call: RTU's own rule)."""
    from pymodbus.framer import FramerRTU
    from pymodbus.pdu import DecodePDU
    from pymodbus.pdu.register_message import ReadHoldingRegistersResponse

    framer_tx = FramerRTU(DecodePDU(is_server=True))
    framer_rx = FramerRTU(DecodePDU(is_server=False))
    pdus = [ReadHoldingRegistersResponse(registers=[(i + k) & 0xFFFF for k in range(17)], dev_id=1)
            for i in range(BATCH)]
    frames = [framer_tx.buildFrame(p) for p in pdus]
    assert all(len(f) == 39 for f in frames), sorted({len(f) for f in frames})

    def build() -> int:
        for p in pdus:
            framer_tx.buildFrame(p)
        return len(pdus)

    def handle() -> int:
        got = 0
        for f in frames:
            _, pdu = framer_rx.handleFrame(f, 0, 0)
            got += pdu is not None
        if got != BATCH:
            raise RuntimeError(f"pymodbus decoded {got} of {BATCH} frames")
        return got

    return {"encode": build, "decode": handle, "frame_bytes": len(frames[0])}  # type: ignore[dict-item]
