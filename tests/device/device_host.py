"""A tiny host that speaks the protocol to a Device, for the device tests.

Requests are built with the Python codec (``pyemu.protocol``) and replies are
parsed with it, so these tests also hold the C device and the Python codec to
the same wire format.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from pyemu import protocol as P
from pyemu.pump.core import Drug
from pyemu.host.device import Device


@dataclass
class Host:
    """Sends requests to a device and sorts what comes back."""

    dev: Device
    seq: int = 1
    decoder: P.FrameDecoder = field(default_factory=P.FrameDecoder)
    unsolicited: list = field(default_factory=list)

    def exchange(self, wire: bytes) -> list:
        """Feed bytes, save if needed (as a host must), return every frame sent back."""
        self.dev.feed(wire)
        if self.dev.nv_dirty:
            gen = self.dev.nv_generation
            self.dev.save()
            self.dev.mark_saved(gen)
        frames = self.decoder.feed(self.dev.read_output())
        assert self.decoder.stats.total_dropped_chunks == 0, "device sent a damaged frame"
        return frames

    def request(self, name: str, seq: Optional[int] = None, **fields: Any) -> P.Frame:
        """One request, its one reply (unsolicited frames are kept aside)."""
        if seq is None:
            seq, self.seq = self.seq, self.seq + 1
        frames = self.exchange(P.encode(name, seq=seq, **fields))
        replies = [f for f in frames if f.kind == P.KIND_RESPONSE]
        self.unsolicited += [f for f in frames if f.kind == P.KIND_UNSOLICITED]
        assert len(replies) == 1, f"expected one reply to {name}, got {frames}"
        assert replies[0].seq == seq and replies[0].error is None
        return replies[0]

    def program(self, rate_nl_day: int = 500_000, max_dose_ug_24h: int = 10_000) -> None:
        """Refill 20 mL morphine 1 mg/mL and prescribe a simple rate with patient boluses."""
        assert self.request("REFILL", volume_nl=20_000_000, drug=Drug.MORPHINE,
                            conc_ug_ml=1000).name == "ACK"
        assert self.request("PRESCRIBE", **prescription(rate_nl_day, max_dose_ug_24h)).name == "ACK"


def prescription(rate_nl_day: int = 500_000, max_dose_ug_24h: int = 10_000, **over: Any) -> dict:
    rx = dict(drug=Drug.MORPHINE, conc_ug_ml=1000, max_dose_ug_24h=max_dose_ug_24h,
              low_reservoir_nl=2_000_000, pb_enabled=1, pb_volume_nl=50_000,
              pb_duration_ms=600_000, pb_lockout_ms=3_600_000, pb_max_per_24h=4,
              step_unit=0, steps=[{"start_min": 0, "value": rate_nl_day}])
    rx.update(over)
    return rx


def nak_reason(frame: P.Frame) -> int:
    assert frame.name == "NAK", f"expected NAK, got {frame.name} {frame.fields}"
    return int(frame.fields["reason"])
