"""A pipelined exchange with periodic telemetry: the battery and the unsolicited frames
must not depend on how fast the host drains the device's output queue.

The issue-12 report: battery_nc differed by 696,000 nC between the emulator and QEMU
after the same exchange. Cause: a STATUS telemetry frame that does not fit the output
queue is dropped, and a dropped frame is never charged; `pyemu serve` fed a whole
pipelined burst to the device before draining its queue, so it dropped telemetry the
board (which drains between frames) sent. 30 pipelined ADVANCEs: 20 frames, 1.8 C.
"""
from __future__ import annotations

import time
from typing import List, Tuple

import serial

from pyemu import protocol as P
from pyemu.host.emulator import ServeProcess

from conformance_runner import EMULATOR_ARGS

N_ADVANCE = 30
LAST_SEQ = 999


def _burst() -> bytes:
    frames = [P.encode("REFILL", seq=1, volume_nl=20_000_000, drug=1, conc_ug_ml=1000),
              P.encode("PRESCRIBE", seq=2, drug=1, conc_ug_ml=1000, max_dose_ug_24h=1000,
                       low_reservoir_nl=2_000_000, pb_enabled=0, pb_volume_nl=0, pb_duration_ms=0,
                       pb_lockout_ms=0, pb_max_per_24h=0, step_unit=0,
                       steps=[{"start_min": 0, "value": 500_000}])]
    # each ADVANCE crosses one 60-s telemetry period
    frames += [P.encode("ADVANCE", seq=10 + i, delta_ms=60_000) for i in range(N_ADVANCE)]
    frames.append(P.encode("GET_STATUS", seq=LAST_SEQ))
    return b"".join(frames)


def play_pipelined(url: str, deadline_s: float = 20.0) -> Tuple[int, List[Tuple[str, int, int]]]:
    """Send the whole exchange in one write; return the final battery_nc and every frame
    received (name, seq, kind), up to the reply to the last request."""
    line = serial.serial_for_url(url, timeout=0.05)
    try:
        decoder = P.FrameDecoder()
        frames: List[P.Frame] = []
        line.write(_burst())
        deadline = time.monotonic() + deadline_s
        while not any(f.seq == LAST_SEQ and f.flags & 3 == P.KIND_RESPONSE for f in frames):
            assert time.monotonic() < deadline, f"no reply to the last request; got {len(frames)} frames"
            frames += decoder.feed(line.read(4096))
    finally:
        line.close()
    status = [f for f in frames if f.seq == LAST_SEQ and f.name == "STATUS"][-1].fields
    return status["battery_nc"], [(f.name, f.seq, f.flags & 3) for f in frames]


def test_emulator_sends_and_charges_every_telemetry_frame_of_a_pipelined_burst() -> None:
    """Every ADVANCE crossing a telemetry period gets its STATUS telemetry, pipelined or
    not (the emulator drains its queue between frames, as the board does)."""
    with ServeProcess(*EMULATOR_ARGS) as emulator:
        battery, frames = play_pipelined(emulator.port)
    telemetry = [f for f in frames if f[0] == "STATUS" and f[2] == P.KIND_UNSOLICITED]
    assert len(telemetry) >= N_ADVANCE, f"{N_ADVANCE - len(telemetry)} telemetry frames dropped"


def test_target_battery_matches_the_emulator_after_a_pipelined_burst(target_url) -> None:
    """Same bytes in, same frames out and the same battery_nc on every target."""
    with ServeProcess(*EMULATOR_ARGS) as emulator:
        reference = play_pipelined(emulator.port)
    with target_url() as url:
        other = play_pipelined(url)
    assert other[0] == reference[0], f"battery_nc differs by {reference[0] - other[0]} nC"
    assert other[1] == reference[1]
