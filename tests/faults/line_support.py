"""An emulator and a client in one thread, joined by an in-memory line, on virtual time.

:class:`MemoryLine` has two ends. The device end is served by the real
:class:`pyemu.host.emulator.Emulator` loop (``step``), the host end is what a
:class:`pyemu.pump.client.Client` (possibly through :class:`pyemu.link.lossy.LossyTransport`)
reads and writes. When the client waits for bytes and none are there, the
host end first lets the emulator take one turn; if still nothing came, the
client's wait is over: :class:`VirtualTime` jumps to the end of the timeout
instead of sleeping. So a lost frame costs no wall time, and a run depends
only on its seeds.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from pyemu.pump.client import Client, ClientError, DeviceRefused
from pyemu.host.device import Device
from pyemu.host.emulator import Emulator, ManualClock
from pyemu.link.lossy import LineFaults, LossyTransport
from pyemu.link.transport import Transport

DAY_MS = 86_400_000


class VirtualTime:
    """Stands in for the ``time`` module inside pyemu.pump.client."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def time(self) -> float:
        return 1_800_000_000.0 + self.now


class _End(Transport):
    def __init__(self, name: str) -> None:
        self.url = self.peer = name
        self.inbox = bytearray()
        self.other: Optional["_End"] = None
        self.on_idle: Optional[Callable[[Optional[float]], None]] = None

    def write(self, data: bytes) -> None:
        assert self.other is not None
        self.other.inbox += data

    def read(self, timeout: Optional[float]) -> bytes:
        if not self.inbox and self.on_idle is not None:
            self.on_idle(timeout)
        data = bytes(self.inbox)
        self.inbox.clear()
        return data

    def close(self) -> None:
        pass


class MemoryLine:
    """A device (served by Emulator.step) and a host end, on virtual time."""

    def __init__(self, device: Device, clock: VirtualTime, state: Any = None) -> None:
        self.host, self.device_end = _End("memory:host"), _End("memory:device")
        self.host.other, self.device_end.other = self.device_end, self.host
        self.emulator = Emulator(device, self.device_end, ManualClock(), state, save_period=1e9)
        self.clock = clock
        self.turns = 0

        def idle(timeout: Optional[float]) -> None:
            self.serve()
            if not self.host.inbox:
                clock.sleep(timeout or 0.0)   # nothing will come: the client's wait ends
        self.host.on_idle = idle

    def serve(self) -> None:
        """Let the emulator handle everything the host sent."""
        while self.device_end.inbox:
            self.emulator.step(0)
            self.turns += 1
        self.emulator.step(0)  # pending ALARM/STATUS


# -- scripted sessions -----------------------------------------------------------------

Command = Tuple[str, Dict[str, Any]]

RX = dict(drug=1, conc_ug_ml=1000, max_dose_ug_24h=10_000, low_reservoir_nl=2_000_000,
          pb_enabled=1, pb_volume_nl=50_000, pb_duration_ms=600_000, pb_lockout_ms=3_600_000,
          pb_max_per_24h=6, step_unit=0, steps=[{"start_min": 0, "value": 500_000},
                                                 {"start_min": 480, "value": 800_000}])


def script(seed: int, n: int, max_advance_ms: int = DAY_MS) -> List[Command]:
    """A seeded therapy session of ``n`` commands, starting with a refill and a prescription."""
    rng = random.Random(seed)
    out: List[Command] = [("REFILL", dict(volume_nl=20_000_000, drug=1, conc_ug_ml=1000)),
                          ("PRESCRIBE", RX)]
    choices = [
        (10, lambda: ("ADVANCE", dict(delta_ms=rng.randrange(1, max_advance_ms)))),
        (6, lambda: ("PATIENT_BOLUS", {})),
        (3, lambda: ("CLINICIAN_BOLUS", dict(volume_nl=rng.choice([20_000, 100_000, 3_000_000]),
                                             duration_ms=rng.choice([60_000, 3_600_000])))),
        (2, lambda: ("CANCEL_BOLUS", {})),
        (2, lambda: ("SUSPEND", {})),
        (3, lambda: ("RESUME", {})),
        (3, lambda: ("GET_STATUS", {})),
        (2, lambda: ("READ_EVENTS", dict(from_seq=rng.randrange(1, 400), max_count=9))),
        (2, lambda: ("ACK_ALARM", dict(alarm_bits=rng.choice([0x7F, 1, 2, 32])))),
        (2, lambda: ("REFILL", dict(volume_nl=rng.choice([20_000_000, 10_000_000]), drug=1,
                                    conc_ug_ml=1000))),
        (1, lambda: ("PRESCRIBE", RX)),
        (1, lambda: ("SET_CLOCK", dict(unix_ms=1_700_000_000_000 + rng.randrange(10**9)))),
        (1, lambda: ("INJECT_FAULT", dict(fault=1, action=rng.choice([0, 1])))),
        (1, lambda: ("HELLO", {})),
    ]
    weights = [w for w, _ in choices]
    makers = [m for _, m in choices]
    for _ in range(n - 2):
        out.append(rng.choices(makers, weights)[0]())
    return out


def outcome(frame_or_refusal: Any) -> Tuple[Any, ...]:
    """What a command's answer says, without the fields a noisy line may change
    (battery: every received or sent byte is charged)."""
    if isinstance(frame_or_refusal, DeviceRefused):
        return ("NAK", frame_or_refusal.code)
    f = frame_or_refusal
    if f.name == "STATUS":
        skip = {"battery_nc", "battery_permille", "days_to_eri"}
        return ("STATUS",) + tuple(v for k, v in f.fields.items() if k not in skip)
    if f.name == "EVENTS":
        return ("EVENTS", f.fields["first_available"], f.fields["newest_seq"],
                tuple(tuple(e.values()) for e in f.fields["events"]))
    if f.name == "HELLO_INFO":
        return ("HELLO_INFO",)
    return (f.name,) + tuple(f.fields.values())


@dataclass
class SessionResult:
    outcomes: List[Tuple[Any, ...]] = field(default_factory=list)
    failed_at: Optional[int] = None       # index of the first command that did not complete
    error: str = ""
    device: Optional[Device] = None
    client: Optional[Client] = None
    line: Optional[LossyTransport] = None


def run_session(commands: Any, monkeypatch: Any, faults: Optional[LineFaults] = None,
                seed: int = 1, retries: int = 30, device: Optional[Device] = None,
                state: Any = None,
                after: Optional[Callable[["SessionResult", Command, Tuple[Any, ...]], None]] = None
                ) -> SessionResult:
    """Run ``commands`` (any iterable) through a client over a (lossy) in-memory
    line to a device; ``after(result so far, command, outcome)`` is called after each one."""
    import pyemu.pump.session

    clock = VirtualTime()
    monkeypatch.setattr(pyemu.pump.session, "time", clock)
    dev = device or Device(clock="manual", test_features=True, telemetry_period_ms=DAY_MS,
                           hold_until_saved=state is not None)
    line = MemoryLine(dev, clock, state)
    transport: Transport = line.host
    lossy = None
    if faults is not None:
        lossy = transport = LossyTransport(line.host, faults, seed=seed)
    client = Client(transport, timeout=1.0, retries=retries, seq=1000 + seed)
    result = SessionResult(device=dev, client=client, line=lossy)
    for i, (name, fields) in enumerate(commands):
        try:
            result.outcomes.append(outcome(client.request(name, **fields)))
        except DeviceRefused as refusal:
            result.outcomes.append(outcome(refusal))
        except ClientError as exc:
            result.failed_at, result.error = i, f"{name}: {exc}"
            break
        if after is not None:
            after(result, (name, fields), result.outcomes[-1])
    return result


def comparable_events(dev: Device) -> List[Tuple[int, int, int, int, int]]:
    """The event log without the battery-driven entries a noisy line can shift."""
    return [(e.seq, e.time_ms, int(e.kind), e.data0, e.data1) for e in dev.events()]
